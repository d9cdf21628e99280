// Whether a node should run a DaemonSet's pod (pkg/controller/daemon
// NodeShouldRunDaemonPod). Two answers, because a taint that keeps new pods away
// (NoSchedule) does not evict a pod already there; only NoExecute does.
import { findUntoleratedTaint, podRequiredNodeAffinityMatches, type Node, type Pod, type PodTemplateSpec, type Taint } from "@bosun/api";
import { withDaemonTolerations } from "./daemon-tolerations.js";

export interface Placement {
  /** A pod should be created here if there is none. */
  shouldRun: boolean;
  /** A pod already here may stay. */
  shouldContinueRunning: boolean;
}

const keepsNewPodsAway = (t: Taint): boolean => t.effect === "NoSchedule" || t.effect === "NoExecute";
const evicts = (t: Taint): boolean => t.effect === "NoExecute";

export function nodeShouldRunDaemonPod(node: Node, template: PodTemplateSpec): Placement {
  const spec = template.spec;
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  // nodeSelector and required node affinity, as the scheduler will judge the pod.
  const asPod = { metadata: template.metadata ?? {}, spec } as Pod;
  if (!podRequiredNodeAffinityMatches(asPod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec.tolerations);
  const taints = node.spec?.taints;
  if (findUntoleratedTaint(taints, tolerations, keepsNewPodsAway) === undefined) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: findUntoleratedTaint(taints, tolerations, evicts) === undefined };
}
