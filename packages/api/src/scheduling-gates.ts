// A pod created with scheduling gates says at once why it is not scheduled, as
// Kubernetes' pod strategy (PrepareForCreate) records it: PodScheduled=False with
// reason SchedulingGated. The scheduler leaves such a pod alone until the last gate
// is removed; then it writes PodScheduled itself.
import { isPlainObject } from "./objects.js";
import { getPodCondition, setPodCondition } from "./pods.js";
import type { Pod, PodStatus } from "./types/core.js";

export const podReasonSchedulingGated = "SchedulingGated";
export const schedulingGatedMessage = "Scheduling is blocked due to non-empty scheduling gates";

/** Whether the pod still waits for gates to be removed before it may be scheduled. */
export function isPodSchedulingGated(pod: Pod): boolean {
  return (pod.spec.schedulingGates ?? []).length > 0;
}

/** On create: a gated pod without a PodScheduled condition gets the SchedulingGated one. */
export function applySchedulingGatedCondition(pod: Pod): void {
  if (!isPlainObject(pod.spec) || !Array.isArray(pod.spec.schedulingGates) || pod.spec.schedulingGates.length === 0) return;
  const status: PodStatus = isPlainObject(pod.status) ? pod.status : (pod.status = {});
  if (getPodCondition(status, "PodScheduled") !== undefined) return;
  setPodCondition(status, { type: "PodScheduled", status: "False", reason: podReasonSchedulingGated, message: schedulingGatedMessage });
}
