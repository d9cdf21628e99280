// Addresses as the DNS records keep them, and reverse-lookup names (RFC 1035
// in-addr.arpa, RFC 3596 ip6.arpa) to and from them. Addresses come in one canonical
// spelling (@bosun/api's formatIp), so "fd00::0001" in an EndpointSlice and the
// nibbles of a PTR query meet in the same index key.
import { formatIp, parseIp } from "@bosun/api";

const ipv4Suffix = ".in-addr.arpa";
const ipv6Suffix = ".ip6.arpa";

/** Whether the (lower-case, dot-free at the end) name lies in a reverse zone. */
export function isReverseName(name: string): boolean {
  return name === "in-addr.arpa" || name === "ip6.arpa" || name.endsWith(ipv4Suffix) || name.endsWith(ipv6Suffix);
}

export interface Address {
  /** The canonical spelling. */
  ip: string;
  family: 4 | 6;
}

/** The address with its family, or undefined when the text is not an address. */
export function parseAddress(text: string): Address | undefined {
  const parsed = parseIp(text);
  return parsed === undefined ? undefined : { ip: formatIp(parsed.family, parsed.value), family: parsed.family };
}

/** The address's canonical spelling, or undefined when the text is not an address. */
export function canonicalIp(text: string): string | undefined {
  return parseAddress(text)?.ip;
}

/**
 * The address a full reverse name stands for ("1.0.96.10.in-addr.arpa" is
 * 10.96.0.1); undefined for a partial name (a reverse zone's inner node) or
 * anything that is not one.
 */
export function addressFromReverseName(name: string): string | undefined {
  if (name.endsWith(ipv4Suffix)) {
    const octets = name.slice(0, -ipv4Suffix.length).split(".");
    if (octets.length !== 4) return undefined;
    return canonicalIp(octets.reverse().join("."));
  }
  if (name.endsWith(ipv6Suffix)) {
    const nibbles = name.slice(0, -ipv6Suffix.length).split(".");
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join("");
    return formatIp(6, BigInt(`0x${hex}`));
  }
  return undefined;
}

/** The reverse name of an address: what a PTR query for it asks. */
export function reverseName(ip: string): string {
  const parsed = parseIp(ip);
  if (parsed === undefined) throw new Error(`"${ip}" is not an IP address, so it has no reverse name; pass an IPv4 or IPv6 address`);
  if (parsed.family === 4) return `${formatIp(4, parsed.value).split(".").reverse().join(".")}${ipv4Suffix}`;
  const hex = parsed.value.toString(16).padStart(32, "0");
  return `${[...hex].reverse().join(".")}${ipv6Suffix}`;
}
