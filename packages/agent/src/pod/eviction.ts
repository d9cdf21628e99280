// A pod the node evicts, as the kubelet's eviction manager does (evictPod): a Warning
// event of reason Evicted, its containers stopped with a grace period of 1 s
// (immediateEvictionGracePeriodSeconds), and the pod Failed with reason Evicted and
// the message saying why. It never runs again on this node; a controller replaces it.
import type { Pod } from "@bosun/api";

export const EVICTED_REASON = "Evicted";

/** The kubelet's grace period for an eviction that cannot wait (a limit exceeded). */
export const EVICTION_GRACE_SECONDS = 1;

/**
 * The message of the pod's eviction when the master's copy says it was evicted (the
 * agent restarted since): the worker then keeps it stopped rather than start it again.
 */
export function evictionRecorded(pod: Pod): string | undefined {
  const status = pod.status;
  return status?.phase === "Failed" && status.reason === EVICTED_REASON ? (status.message ?? "") : undefined;
}
