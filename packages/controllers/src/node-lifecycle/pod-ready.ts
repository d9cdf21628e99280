// The pod side of a node going unready (Kubernetes' MarkPodsNotReady): the pods it
// holds are no longer Ready, so Services and Deployments stop counting them as
// available while the node's fate is unknown.
import { getPodCondition, setPodCondition, type Pod, type PodStatus } from "@bosun/api";

/**
 * The pod's status with its Ready condition turned False (reason and message kept,
 * the transition time moved), or undefined when there is nothing to change: no Ready
 * condition yet, or already False.
 */
export function notReadyStatus(pod: Pod, nowIso: string): PodStatus | undefined {
  const ready = getPodCondition(pod.status, "Ready");
  if (!ready || ready.status === "False") return undefined;
  const status: PodStatus = { ...pod.status, conditions: [...(pod.status?.conditions ?? [])] };
  setPodCondition(status, { ...ready, status: "False", lastTransitionTime: nowIso });
  return status;
}
