// The names of what the agent makes for its node's pod network. Each is derived from
// the node name, so that several agents on one host (the single-host test set-up)
// never share a chain, a bridge or a device, and cleanup finds them without state.
import { createHash } from "node:crypto";

export const LABEL_NETWORK_NODE = "bosun.io/node-name";
export const LABEL_NETWORK_MANAGED = "bosun.io/managed";
/** On the Docker network: the pod CIDR and the cluster CIDR it was made for, so that a restarted agent adopts it before the master speaks. */
export const LABEL_POD_CIDR = "bosun.io/pod-cidr";
export const LABEL_CLUSTER_CIDR = "bosun.io/cluster-cidr";

/**
 * The routing protocol number on the routes the agent adds (`ip route ... proto 78`):
 * how it tells its routes from the host's. 78 has no name in iproute2's rt_protos.
 */
export const ROUTE_PROTOCOL = "78";

/** VXLAN's UDP port on Linux and in flannel (4789, IANA's, is Docker Swarm's overlay). */
export const VXLAN_PORT = 8472;
/** What VXLAN adds to each packet: outer Ethernet, IP, UDP and VXLAN headers. */
export const VXLAN_OVERHEAD = 50;

/** A short hex hash of the node name: what keeps the names of agents sharing one host apart. */
export function nodeHash(nodeName: string, length: number): string {
  return createHash("sha256").update(nodeName).digest("hex").slice(0, length);
}

/** iptables refuses longer chain names. */
export const MAX_CHAIN_NAME = 28;

/**
 * `start` followed by as much of the base32 of `what`'s sha256 as fits in a chain
 * name: kube-proxy's way of naming per-object chains (KUBE-SVC-<hash>).
 */
export function hashedChainName(start: string, what: string): string {
  return start + base32(createHash("sha256").update(what).digest()).slice(0, MAX_CHAIN_NAME - start.length);
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding, as Go's base32.StdEncoding writes it (kube-proxy's chain hashes). */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export interface NodeNetworkNames {
  /** The Docker bridge network that holds the node's pod bridge. */
  dockerNetwork: string;
  /** Its Linux bridge device, which the pods' sandboxes are plugged into; at most 15 characters. */
  bridgeDevice: string;
  /** nat chain: masquerades pods' traffic that leaves the cluster CIDR. Chain names have at most 28 characters. */
  natChain: string;
  /** nat chain, jumped to from PREROUTING and OUTPUT for local addresses: the pods' hostPorts. */
  hostPortChain: string;
  /** filter chain, jumped to from DOCKER-USER: lets pod traffic through Docker's FORWARD rules. */
  forwardChain: string;
  /** The comment on the jumps to those chains, naming the node for whoever reads iptables-save. */
  comment: string;
  /** The VXLAN device; interface names have at most 15 characters. */
  vxlanDevice: string;
}

export function nodeNetworkNames(nodeName: string): NodeNetworkNames {
  const h = nodeHash(nodeName, 10);
  return {
    dockerNetwork: `bosun-${nodeName}`,
    bridgeDevice: `bosunbr${h.slice(0, 8)}`,
    natChain: `BOSUN-POST-${h}`,
    hostPortChain: `BOSUN-HP-${h}`,
    forwardChain: `BOSUN-FWD-${h}`,
    comment: `bosun pod network of node ${nodeName}`,
    vxlanDevice: `bosunvx${h.slice(0, 8)}`,
  };
}

/**
 * The VXLAN network identifier: the same on every node of a cluster (all know the
 * cluster CIDR), and most likely different between clusters sharing a host.
 */
export function vxlanId(clusterCidr: string): number {
  const n = Number.parseInt(createHash("sha256").update(clusterCidr).digest("hex").slice(0, 6), 16);
  return (n % 0xfffffe) + 1;
}
