// IP ranges in CIDR notation, as the pod network uses them: a node's pod CIDRs, the
// cluster CIDR they are cut from, and the apiserver's index of ranges in use.
// Addresses are bigints, so IPv4 and IPv6 share one arithmetic. Parsing is as strict
// as Go's net.ParseCIDR (no leading zeros in IPv4, no zones), and a range must be
// written with its network address, since "10.244.1.7/24" is almost always a typo.

export type IpFamily = 4 | 6;

export interface Cidr {
  family: IpFamily;
  /** The first address of the range; its host bits are zero. */
  network: bigint;
  prefixLength: number;
}

/** How many bits an address of the family has. */
export function addressBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

const ipv4Part = /^(0|[1-9][0-9]{0,2})$/;
const ipv6Group = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!ipv4Part.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

/** The 16-bit groups of one side of "::", an embedded IPv4 address counting as two. */
function ipv6Groups(side: string, allowIpv4Tail: boolean): bigint[] | undefined {
  if (side === "") return [];
  const parts = side.split(":");
  const groups: bigint[] = [];
  for (const [i, part] of parts.entries()) {
    if (allowIpv4Tail && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (ipv6Group.test(part)) {
      groups.push(BigInt(`0x${part}`));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  let groups: bigint[];
  if (halves.length === 2) {
    const head = ipv6Groups(halves[0]!, false);
    const tail = ipv6Groups(halves[1]!, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  } else {
    const all = ipv6Groups(text, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  return groups.reduce((value, group) => (value << 16n) | group, 0n);
}

/** An IPv4 or IPv6 address; undefined when it is neither. */
export function parseIp(text: string): { family: IpFamily; value: bigint } | undefined {
  if (text.includes(":")) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** An address as Go prints it: dotted IPv4, or RFC 5952 IPv6 (longest zero run as "::"). */
export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

const cidrExample = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/** The range, or what is wrong with the text, worded for a field error ("must be ..."). */
function tryParseCidr(text: string): Cidr | string {
  const slash = text.indexOf("/");
  if (slash < 0) return cidrExample;
  const ip = parseIp(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return cidrExample;
  const prefixLength = Number(lengthText);
  const bits = addressBits(ip.family);
  if (prefixLength > bits) return cidrExample;
  const network = ip.value & prefixMask(ip.family, prefixLength);
  if (network !== ip.value) {
    return `must be the first address of its range, "${formatCidr({ family: ip.family, network, prefixLength })}"`;
  }
  return { family: ip.family, network, prefixLength };
}

/** What is wrong with `text` as a CIDR, worded for a field error; undefined when it is fine. */
export function cidrProblem(text: string): string | undefined {
  const parsed = tryParseCidr(text);
  return typeof parsed === "string" ? parsed : undefined;
}

/** Parses "10.244.1.0/24" or "fd00:10:244::/64"; throws an error that says what is wrong. */
export function parseCidr(text: string): Cidr {
  const parsed = tryParseCidr(text);
  if (typeof parsed === "string") throw new Error(`"${text}" is not a usable CIDR: it ${parsed}`);
  return parsed;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.family, cidr.network)}/${cidr.prefixLength}`;
}

/**
 * A range as Go's net.ParseCIDR reads a legacy field (NetworkPolicy ipBlock): the
 * address may have host bits set, which are dropped. Undefined when it is no CIDR.
 */
export function parseCidrSloppy(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  if (prefixLength > addressBits(ip.family)) return undefined;
  return { family: ip.family, network: ip.value & prefixMask(ip.family, prefixLength), prefixLength };
}

/** The mask whose first prefixLength bits are ones. */
function prefixMask(family: IpFamily, prefixLength: number): bigint {
  const bits = BigInt(addressBits(family));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefixLength))) - 1n);
}

/** Whether every address of inner lies in outer. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefixLength > inner.prefixLength) return false;
  return (inner.network & prefixMask(outer.family, outer.prefixLength)) === outer.network;
}

/** Whether the two ranges share an address; of two CIDRs that do, one contains the other. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}
