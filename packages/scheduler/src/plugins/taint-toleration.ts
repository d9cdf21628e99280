// A node's NoSchedule and NoExecute taints keep away every pod that does not
// tolerate them; its PreferNoSchedule taints only make it less attractive
// (kube-scheduler's TaintToleration plugin, filter and score).
import { findUntoleratedTaint, tolerationsTolerateTaint, type Pod, type Taint } from "@bosun/api";
import { maxNodeScore, success, unschedulableAndUnresolvable, type FilterPlugin, type ScorePlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const taintTolerationName = "TaintToleration";

/** kube-scheduler's reason text: "node(s) had untolerated taint {key: value}". */
export function errReasonUntoleratedTaint(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

function isHardTaint(taint: Taint): boolean {
  return taint.effect === "NoSchedule" || taint.effect === "NoExecute";
}

export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = taintTolerationName;

  filter(pod: Pod, nodeInfo: NodeInfo): Status {
    const taint = findUntoleratedTaint(nodeInfo.node.spec?.taints, pod.spec.tolerations, isHardTaint);
    return taint === undefined ? success : unschedulableAndUnresolvable(errReasonUntoleratedTaint(taint));
  }

  /** The raw score is the number of PreferNoSchedule taints the pod does not tolerate. */
  score(pod: Pod, nodeInfo: NodeInfo): number {
    // Only tolerations that can apply to PreferNoSchedule count, as in kube-scheduler.
    const tolerations = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
    let intolerable = 0;
    for (const taint of nodeInfo.node.spec?.taints ?? []) {
      if (taint.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tolerations, taint)) intolerable++;
    }
    return intolerable;
  }

  /** Fewer intolerable taints score higher: the node with none gets the maximum. */
  normalize(_pod: Pod, scores: Map<string, number>): void {
    const max = Math.max(0, ...scores.values());
    for (const [node, count] of scores) {
      scores.set(node, max === 0 ? maxNodeScore : maxNodeScore - Math.floor((maxNodeScore * count) / max));
    }
  }
}
