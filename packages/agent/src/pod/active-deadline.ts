// A pod's activeDeadlineSeconds, enforced as the kubelet's activeDeadlineHandler
// does: once the pod has been active on the node (since status.startTime) for that
// long, it is failed with reason DeadlineExceeded, a Normal event of that reason is
// recorded, and its containers are stopped with the pod's grace period.
import type { Pod } from "@bosun/api";
import type { PodFailure } from "./eviction.js";
import { graceSeconds } from "./grace.js";

export const DEADLINE_EXCEEDED_REASON = "DeadlineExceeded";
export const DEADLINE_EXCEEDED_MESSAGE = "Pod was active on the node longer than the specified deadline";

/** The failure the deadline makes of the pod. */
export function deadlineFailure(pod: Pod): PodFailure {
  return { reason: DEADLINE_EXCEEDED_REASON, message: DEADLINE_EXCEEDED_MESSAGE, graceSeconds: graceSeconds(pod) };
}

/**
 * How long (ms) the pod may still run: 0 once its deadline passed, undefined when it
 * has none or has not started here yet (`startTime`, RFC 3339, is when it did).
 */
export function activeDeadlineRemainingMs(pod: Pod, startTime: string | undefined, now: number): number | undefined {
  const seconds = pod.spec.activeDeadlineSeconds;
  const started = startTime ? Date.parse(startTime) : NaN;
  if (seconds === undefined || !Number.isFinite(started)) return undefined;
  return Math.max(0, started + seconds * 1000 - now);
}
