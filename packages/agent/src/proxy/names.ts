// The names of the service proxy's iptables chains. Every one starts with a prefix
// derived from the node name, so that several agents sharing one host's network
// namespace (the single-host set-up) never share a chain, and so that a sync or a
// cleanup recognises its own chains without keeping state. The per-service and
// per-endpoint chains are hashed as kube-proxy's (KUBE-SVC-<base32 of sha256>), cut
// to fit iptables' 28-character limit after the prefix.
import { hashedChainName, nodeHash } from "../network/names.js";

export { MAX_CHAIN_NAME } from "../network/names.js";

/** kube-proxy's masquerade mark (bit 14): set by the mark chain, matched and cleared by the postrouting chain. */
export const MASQUERADE_MARK = "0x4000";

export interface ProxyChainNames {
  /** "BOSUN-1a2b3c-": the start of every chain of this node's proxy, in every table (see isProxyChain). */
  prefix: string;
  /** nat, jumped to from PREROUTING and OUTPUT: one rule per service address, then the NodePorts jump. */
  services: string;
  /** nat, jumped to last from the services chain for local destinations. */
  nodePorts: string;
  /** nat, jumped to from POSTROUTING: masquerades marked traffic. */
  postrouting: string;
  /** nat: marks a packet for masquerade. */
  markMasquerade: string;
  /** filter, jumped to from FORWARD and OUTPUT for new connections: rejects cluster IPs without endpoints. */
  filterServices: string;
  /** filter, jumped to from INPUT and FORWARD for new connections: rejects NodePorts and external IPs without endpoints. */
  filterExternal: string;
  /** The comment on the jumps from the built-in chains, naming the node for whoever reads iptables-save. */
  comment: string;
}

export function proxyChainNames(nodeName: string): ProxyChainNames {
  const prefix = `BOSUN-${nodeHash(nodeName, 6)}-`;
  return {
    prefix,
    services: `${prefix}SERVICES`,
    nodePorts: `${prefix}NODEPORTS`,
    postrouting: `${prefix}POSTROUTING`,
    markMasquerade: `${prefix}MARK-MASQ`,
    filterServices: `${prefix}SERVICES`,
    filterExternal: `${prefix}EXTERNAL`,
    comment: `bosun service proxy of node ${nodeName}`,
  };
}

/** SVC: the Cluster-policy endpoints; SVL: the Local-policy ones; EXT: NodePort and external IP traffic. */
export type ServiceChainKind = "SVC" | "SVL" | "EXT";

/** A service port's chain: `servicePortName` is "ns/name" or "ns/name:port", `protocol` lower case. */
export function serviceChainName(names: ProxyChainNames, kind: ServiceChainKind, servicePortName: string, protocol: string): string {
  return hashedChainName(`${names.prefix}${kind}-`, servicePortName + protocol);
}

/** An endpoint's chain (SEP); `endpoint` is "ip:port". */
export function endpointChainName(names: ProxyChainNames, servicePortName: string, protocol: string, endpoint: string): string {
  return hashedChainName(`${names.prefix}SEP-`, servicePortName + protocol + endpoint);
}

/**
 * Whether a chain is this node's proxy's: its top chains and its hashed ones, and no
 * other chain that happens to share the node's prefix (another part of the agent may
 * name its chains after the node too).
 */
export function isProxyChain(names: ProxyChainNames, chain: string): boolean {
  if ([names.services, names.nodePorts, names.postrouting, names.markMasquerade, names.filterServices, names.filterExternal].includes(chain)) return true;
  return (["SVC", "SVL", "EXT", "SEP"] as const).some((kind) => chain.startsWith(`${names.prefix}${kind}-`));
}
