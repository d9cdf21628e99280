// Which pods a ReplicaSet deletes first when it has too many, as Kubernetes'
// getPodsToDelete and ActivePodsWithRanks rank them (pkg/controller/controller_utils.go,
// with the linear time comparisons Kubernetes used before LogarithmicScaleDown):
// the pods whose loss hurts least go first.
import { getPodCondition, type Pod } from "@bosun/api";
import { isPodActive, isPodReady } from "../common/index.js";

/** Lower cost is deleted first; Kubernetes' pod-deletion-cost annotation. */
export const podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

const phaseOrdinal: Partial<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

interface RankedPod {
  pod: Pod;
  /** Active related pods on the same node: a pod on a crowded node goes first. */
  colocated: number;
}

/**
 * The `count` pods of `pods` to delete. `related` are the pods whose placement
 * counts for spreading (this ReplicaSet's and its siblings' under one Deployment).
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec.nodeName ?? "";
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods
    .map((pod) => ({ pod, colocated: onNode.get(pod.spec.nodeName ?? "") ?? 0 }))
    .sort(compareForDeletion)
    .slice(0, count)
    .map((r) => r.pod);
}

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod): number {
  const pa = a.pod;
  const pb = b.pod;
  // 1. Unassigned before assigned.
  const nodeA = pa.spec.nodeName ?? "";
  const nodeB = pb.spec.nodeName ?? "";
  if (nodeA !== nodeB && (nodeA === "" || nodeB === "")) return nodeA === "" ? -1 : 1;
  // 2. Pending before Unknown before Running.
  const phaseA = phaseOrdinal[pa.status?.phase ?? ""] ?? 0;
  const phaseB = phaseOrdinal[pb.status?.phase ?? ""] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  // 3. Not ready before ready.
  const readyA = isPodReady(pa);
  const readyB = isPodReady(pb);
  if (readyA !== readyB) return readyA ? 1 : -1;
  // 4. Lower deletion cost first.
  const costA = deletionCost(pa);
  const costB = deletionCost(pb);
  if (costA !== costB) return costA - costB;
  // 5. More pods of the same family on its node first.
  if (a.colocated !== b.colocated) return b.colocated - a.colocated;
  // 6. Both ready: ready for the shorter time first (an unknown time counts as shortest).
  if (readyA && readyB) {
    const order = laterOrUnknownFirst(readySince(pa), readySince(pb));
    if (order !== 0) return order;
  }
  // 7. More container restarts first.
  const restartsA = maxRestarts(pa);
  const restartsB = maxRestarts(pb);
  if (restartsA !== restartsB) return restartsB - restartsA;
  // 8. Newer first (an unknown creation time counts as newest).
  return laterOrUnknownFirst(timeOf(pa.metadata.creationTimestamp), timeOf(pb.metadata.creationTimestamp));
}

function deletionCost(pod: Pod): number {
  const raw = pod.metadata.annotations?.[podDeletionCostAnnotation];
  if (raw === undefined || !/^-?\d+$/.test(raw)) return 0;
  const n = Number(raw);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

function readySince(pod: Pod): number | undefined {
  return timeOf(getPodCondition(pod.status, "Ready")?.lastTransitionTime);
}

function timeOf(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

/** Kubernetes' afterOrZero as a comparison: an unknown time first, then the later one. */
function laterOrUnknownFirst(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return b - a;
}
