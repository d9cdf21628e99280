// Why a pod fits nowhere, in the words kube-scheduler uses, so that people (and
// their tooling) who know "0/3 nodes are available: ..." read Bosun's the same way.
import type { Status } from "./interface.js";

export const noNodesAvailableMessage = "no nodes available to schedule pods";

export interface FitError {
  numAllNodes: number;
  /** The unschedulable status of every node, by node name. */
  nodeStatuses: Map<string, Status>;
  message: string;
}

/**
 * "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector,
 * 2 Insufficient memory." Each reason is counted once per node that gave it; a node
 * may give several (cpu and memory both short). The "count reason" strings are
 * sorted as plain strings, exactly as kube-scheduler's FitError.Error() does with
 * sort.Strings, so the order matches what Kubernetes prints for the same cluster.
 */
export function fitErrorMessage(numAllNodes: number, nodeStatuses: Iterable<Status>): string {
  if (numAllNodes === 0) return noNodesAvailableMessage;
  const counts = new Map<string, number>();
  for (const status of nodeStatuses) {
    if (status.code === "Success") continue;
    for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const histogram = [...counts].map(([reason, n]) => `${n} ${reason}`).sort(byCodeUnits);
  let message = `0/${numAllNodes} nodes are available:`;
  if (histogram.length > 0) message += ` ${histogram.join(", ")}.`;
  return message;
}

/**
 * When a check of the pod alone failed, no node was looked at, and kube-scheduler
 * says so without counts: "0/3 nodes are available: pod has unbound immediate
 * PersistentVolumeClaims."
 */
export function preFilterFitErrorMessage(numAllNodes: number, reasons: readonly string[]): string {
  return `0/${numAllNodes} nodes are available: ${reasons.join(", ")}.`;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
