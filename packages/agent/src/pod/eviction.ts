// A pod the node fails for good: evicted, as the kubelet's eviction manager does
// (evictPod: a Warning event of reason Evicted, its containers stopped with a grace
// period of 1 s, immediateEvictionGracePeriodSeconds), or past its
// activeDeadlineSeconds (active-deadline.ts). The pod is Failed with the reason and
// the message saying why, and never runs again on this node; a controller replaces it.
import type { Pod } from "@bosun/api";
import { DEADLINE_EXCEEDED_REASON } from "./active-deadline.js";

export const EVICTED_REASON = "Evicted";

/** The kubelet's grace period for an eviction that cannot wait (a limit exceeded). */
export const EVICTION_GRACE_SECONDS = 1;

/** Why the node failed the pod, and how long its containers get to stop. */
export interface PodFailure {
  reason: string;
  message: string;
  graceSeconds: number;
}

export function evictionFailure(message: string): PodFailure {
  return { reason: EVICTED_REASON, message, graceSeconds: EVICTION_GRACE_SECONDS };
}

/**
 * The failure the master's copy of the pod records (the agent restarted since it
 * failed the pod): the worker then keeps it stopped rather than start it again.
 */
export function failureRecorded(pod: Pod): PodFailure | undefined {
  const status = pod.status;
  if (status?.phase !== "Failed") return undefined;
  if (status.reason !== EVICTED_REASON && status.reason !== DEADLINE_EXCEEDED_REASON) return undefined;
  return { reason: status.reason, message: status.message ?? "", graceSeconds: EVICTION_GRACE_SECONDS };
}
