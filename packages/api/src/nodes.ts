// Helpers over Node objects that the scheduler, controllers, dispatcher and CLI share.
import type { Node, NodeCondition } from "./types/core.js";

/** The node's Ready condition, which every component reads to judge the node. */
export function nodeReadyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready");
}

/**
 * The pod IP ranges the node was given: spec.podCIDRs, or the older single
 * spec.podCIDR when only that is set (stored nodes always have both, defaulted).
 */
export function nodePodCidrs(node: Node): string[] {
  const cidrs = node.spec?.podCIDRs ?? [];
  if (cidrs.length > 0) return cidrs;
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

/** The address other hosts reach the node at: its first InternalIP. */
export function nodeInternalIp(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}
