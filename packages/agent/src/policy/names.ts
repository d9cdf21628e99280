// The names of the network policy's iptables chains (filter table). Every one starts
// with a prefix derived from the node name, so that several agents sharing one
// host's network namespace (the single-host set-up) never share a chain and a sync
// or a cleanup recognises its own without keeping state. Per-pod and per-peer-set
// chains are hashed as kube-proxy's and kube-router's are.
import { hashedChainName, nodeHash } from "../network/names.js";

/** What every node's policy chains start with: how one agent's jumps recognise another's (see rules.ts). */
export const POLICY_CHAIN_START = "BOSUN-NP-";

/**
 * The packet mark bit that a peer chain sets when the packet comes from (or goes to)
 * an allowed peer, read by the pod chain that jumped there. Bit 18: not kube-proxy's
 * masquerade (0x4000) or drop (0x8000) bits. Each pod chain clears it first, so that
 * agents sharing a host may use the same bit.
 */
export const ALLOW_MARK = "0x40000";

export interface PolicyChainNames {
  /** "BOSUN-NP-1a2b3c-": the start of every chain of this node's policy. */
  prefix: string;
  /** Jumped to from DOCKER-USER (or FORWARD): traffic to and from this node's pods that the host forwards. */
  forward: string;
  /** Jumped to from INPUT: traffic from this node's pods to the host itself (its DNS, for one). */
  input: string;
  /** The comment on the jumps from the built-in chains, naming the node for whoever reads iptables-save. */
  comment: string;
}

export function policyChainNames(nodeName: string): PolicyChainNames {
  const prefix = `${POLICY_CHAIN_START}${nodeHash(nodeName, 6)}-`;
  return { prefix, forward: `${prefix}FORWARD`, input: `${prefix}INPUT`, comment: `bosun network policy of node ${nodeName}` };
}

export type Direction = "ingress" | "egress";

/** A local pod's chain for one direction: I-<hash> (ingress) or E-<hash> (egress) of "namespace/name". */
export function podChainName(names: PolicyChainNames, direction: Direction, namespace: string, name: string): string {
  return hashedChainName(`${names.prefix}${direction === "ingress" ? "I" : "E"}-`, `${namespace}/${name}`);
}

/** A peer set's chain, named after its content (`key`), so that pods and rules with the same peers share it. */
export function peerChainName(names: PolicyChainNames, key: string): string {
  return hashedChainName(`${names.prefix}S-`, key);
}

/** An ipBlock with exceptions: a chain of its own, so that its exceptions skip only that block. */
export function blockChainName(names: PolicyChainNames, key: string): string {
  return hashedChainName(`${names.prefix}B-`, key);
}

/** Whether a chain is this node's policy's. */
export function isPolicyChain(names: PolicyChainNames, chain: string): boolean {
  return chain.startsWith(names.prefix);
}
