// The pod predicates workload controllers count with, as in
// k8s.io/kubernetes/pkg/api/v1/pod and pkg/controller.
import { getPodCondition, type Pod } from "@bosun/api";

// Defined in @bosun/api, which the CLI and the e2e suite share.
export { isPodReady } from "@bosun/api";

/** Not finished and not being deleted: a pod that counts toward replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

/** Ready for at least minReadySeconds (measured from the Ready condition's transition). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const ready = getPodCondition(pod.status, "Ready");
  if (ready?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}
