// The pod network's few uses of address ranges beyond @bosun/api's CIDR parsing:
// IPv4 only (the pod bridge and the VXLAN tunnel are IPv4), a range's gateway, a
// node's VTEP address and MAC.
import { cidrContains, cidrProblem, formatIp, parseCidr, parseIp, type Cidr } from "@bosun/api";

export type { Cidr };

/** The IPv4 range, or undefined for anything else (IPv6, a typo, host bits set). */
export function ipv4Cidr(text: string): Cidr | undefined {
  if (cidrProblem(text) !== undefined) return undefined;
  const c = parseCidr(text);
  return c.family === 4 ? c : undefined;
}

export function isIPv4(text: string): boolean {
  return parseIp(text)?.family === 4;
}

/** Whether the IPv4 address lies in the range. */
export function cidrHoldsIP(c: Cidr, ip: string): boolean {
  const p = parseIp(ip);
  return p !== undefined && cidrContains(c, { family: p.family, network: p.value, prefixLength: 32 });
}

/** The range's first address: a pod bridge's gateway. */
export function firstHost(c: Cidr): string {
  return formatIp(4, c.network + 1n);
}

/** The range's network address: a node's VXLAN tunnel endpoint address, as flannel's. */
export function vtepAddress(c: Cidr): string {
  return formatIp(4, c.network);
}

/**
 * A node's VXLAN tunnel endpoint MAC, derived from its VTEP address so that peers
 * know it without exchanging it: 0a:58 (locally administered, unicast) and the
 * address's four bytes, as ovn-kubernetes derives its MACs.
 */
export function vtepMac(c: Cidr): string {
  const bytes = [0x0an, 0x58n, c.network >> 24n, (c.network >> 16n) & 255n, (c.network >> 8n) & 255n, c.network & 255n];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The cluster CIDR and a node's pod CIDR, as the master describes them. */
export interface PodNetworkCidrs {
  clusterCidr: string;
  podCidr: string;
}

/**
 * What an iptables writer (service proxy, network policy) should take of a pod network
 * message: the new CIDRs, or undefined when nothing changes — a message without a pod
 * CIDR yet, the same CIDRs again, or ones that are not IPv4 (then `refuse` says why).
 */
export function podNetworkUpdate(current: PodNetworkCidrs | undefined, next: PodNetworkCidrs, refuse: (message: string) => void): PodNetworkCidrs | undefined {
  if (next.podCidr === "") return undefined;
  if (!ipv4Cidr(next.clusterCidr) || !ipv4Cidr(next.podCidr)) {
    refuse(`the pod network (cluster ${next.clusterCidr}, node ${next.podCidr}) is not IPv4 CIDRs; check the master's --cluster-cidr`);
    return undefined;
  }
  if (current?.clusterCidr === next.clusterCidr && current.podCidr === next.podCidr) return undefined;
  return { clusterCidr: next.clusterCidr, podCidr: next.podCidr };
}
