// A ReplicaSet's status from the pods it controls, as Kubernetes' calculateStatus
// (pkg/controller/replicaset/replica_set_utils.go) computes it.
import { getPodCondition, rfc3339, type AppsCondition, type Pod, type ReplicaSet, type ReplicaSetStatus } from "@bosun/api";
import { isPodAvailable, isPodReady } from "../common/index.js";

export const replicaFailureCondition = "ReplicaFailure";

/**
 * `pods` are the active pods the ReplicaSet controls; `manageError` is what went
 * wrong creating or deleting pods in this sync, reported as the ReplicaFailure condition.
 */
export function calculateReplicaSetStatus(rs: ReplicaSet, pods: readonly Pod[], manageError: Error | undefined, nowMs: number): ReplicaSetStatus {
  const templateLabels = Object.entries(rs.spec.template?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    if (templateLabels.every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  let conditions = rs.status?.conditions ?? [];
  const failure = conditions.find((c) => c.type === replicaFailureCondition);
  if (manageError && !failure) {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    const condition: AppsCondition = {
      type: replicaFailureCondition,
      status: "True",
      lastTransitionTime: rfc3339(nowMs),
      message: manageError.message,
    };
    if (diff !== 0) condition.reason = diff < 0 ? "FailedCreate" : "FailedDelete";
    conditions = [...conditions, condition];
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c !== failure);
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** Whether writing `next` would change nothing, so the write can be skipped. */
export function sameReplicaSetStatus(current: ReplicaSetStatus | undefined, next: ReplicaSetStatus): boolean {
  return (
    (current?.replicas ?? 0) === next.replicas &&
    (current?.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (current?.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (current?.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    current?.observedGeneration === next.observedGeneration &&
    JSON.stringify(current?.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}

/**
 * Milliseconds until the next ready pod becomes available, or undefined when none
 * is waiting out minReadySeconds: no pod event marks that moment, so the
 * controller must come back by itself.
 */
export function nextAvailabilityCheckMs(pods: readonly Pod[], minReadySeconds: number, nowMs: number): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, nowMs)) continue;
    const since = Date.parse(getPodCondition(pod.status, "Ready")?.lastTransitionTime ?? "");
    // Without a transition time a pod never becomes available by waiting; its next update enqueues us.
    if (Number.isNaN(since)) continue;
    next = Math.min(next ?? Infinity, Math.max(since + minReadySeconds * 1000 - nowMs, 0) + 1);
  }
  return next;
}
