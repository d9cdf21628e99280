// A DisruptionTarget condition that outlived its disruption, after Kubernetes'
// nonTerminatingPodHasStaleDisruptionCondition: the eviction API marks a pod before
// it deletes it, and when the delete does not follow (a lost precondition, say) the
// mark would stay forever and mislead a Job's podFailurePolicy. After 2 minutes
// without a deletionTimestamp the disruption controller sets it to False.
import { disruptionTargetCondition, getPodCondition, isPodTerminal, type Pod } from "@bosun/api";

/** How long a DisruptionTarget condition may stand on a pod that is not being deleted. */
export const stalePodDisruptionTimeoutMs = 2 * 60 * 1000;

/** The kubelet's reason: its disruptions may take any time to end in a deletion, so they never go stale. */
const terminationByKubeletReason = "TerminationByKubelet";

/**
 * How long until the pod's DisruptionTarget condition is stale (0: it is now), or
 * undefined when it has none that can go stale: none at all, not True, set by the
 * kubelet, or the pod is deleting or finished.
 */
export function staleDisruptionWaitMs(pod: Pod, nowMs: number): number | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  const cond = getPodCondition(pod.status, disruptionTargetCondition);
  if (cond?.status !== "True" || cond.reason === terminationByKubeletReason || isPodTerminal(pod)) return undefined;
  const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : nowMs;
  return Math.max(0, since + stalePodDisruptionTimeoutMs - nowMs);
}
