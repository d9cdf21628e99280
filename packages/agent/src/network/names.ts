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

function nodeHash(nodeName: string, length: number): string {
  return createHash("sha256").update(nodeName).digest("hex").slice(0, length);
}

export interface NodeNetworkNames {
  /** The Docker bridge network that holds the node's pod bridge. */
  dockerNetwork: string;
  /** Its Linux bridge device, which the pods' sandboxes are plugged into; at most 15 characters. */
  bridgeDevice: string;
  /** nat chain: masquerades pods' traffic that leaves the cluster CIDR. Chain names have at most 28 characters. */
  natChain: string;
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
