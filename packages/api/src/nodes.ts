// Helpers over Node objects that the scheduler, controllers, dispatcher and CLI share.
import type { Node, NodeCondition } from "./types/core.js";

/** The node's Ready condition, which every component reads to judge the node. */
export function nodeReadyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === "Ready");
}
