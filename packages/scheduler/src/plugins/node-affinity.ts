// kube-scheduler's NodeAffinity: the pod's nodeSelector and its required node
// affinity filter nodes (a node must satisfy both), and its preferred node affinity
// scores them: the sum of the weights of the preferred terms a node satisfies,
// scaled so that the best node gets maxNodeScore. A term with weight 0 or without
// requirements counts for nothing, as in Kubernetes.
import { nodeMatchesSelector, podRequiredNodeAffinityMatches, type Pod, type PreferredSchedulingTerm } from "@bosun/api";
import { maxNodeScore, success, unschedulableAndUnresolvable, type FilterPlugin, type ScorePlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const nodeAffinityName = "NodeAffinity";
export const errReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector";

function countedTerms(pod: Pod): PreferredSchedulingTerm[] {
  const terms = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.filter((t) => t.weight !== 0 && ((t.preference.matchExpressions ?? []).length > 0 || (t.preference.matchFields ?? []).length > 0));
}

export class NodeAffinity implements FilterPlugin, ScorePlugin {
  readonly name = nodeAffinityName;

  filter(pod: Pod, nodeInfo: NodeInfo): Status {
    return podRequiredNodeAffinityMatches(pod, nodeInfo.node) ? success : unschedulableAndUnresolvable(errReasonNodeAffinity);
  }

  score(pod: Pod, nodeInfo: NodeInfo): number {
    let sum = 0;
    for (const term of countedTerms(pod)) {
      if (nodeMatchesSelector(nodeInfo.node, { nodeSelectorTerms: [term.preference] })) sum += term.weight;
    }
    return sum;
  }

  /** kube-scheduler's DefaultNormalizeScore: scaled to the highest; all 0 stays 0. */
  normalize(_pod: Pod, scores: Map<string, number>): void {
    const max = Math.max(0, ...scores.values());
    if (max === 0) return;
    for (const [node, s] of scores) scores.set(node, Math.floor((maxNodeScore * s) / max));
  }
}
