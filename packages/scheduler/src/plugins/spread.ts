// Replicas of one thing should not share a node when another would do. Bosun has
// no Services or ReplicaSets for kube-scheduler's SelectorSpread to read selectors
// from yet, so "the same thing" is a pod in the same namespace with the same labels.
// The raw score is that count; normalize() turns it into 100 for the emptiest node
// down to 0 for the most crowded, relative to the other feasible nodes.
import type { Pod } from "@bosun/api";
import { maxNodeScore, type ScorePlugin } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const spreadName = "Spread";

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

export class Spread implements ScorePlugin {
  readonly name = spreadName;

  score(pod: Pod, nodeInfo: NodeInfo): number {
    const ns = pod.metadata.namespace ?? "default";
    const labels = pod.metadata.labels ?? {};
    let count = 0;
    for (const other of nodeInfo.pods) {
      if (other.metadata.uid !== undefined && other.metadata.uid === pod.metadata.uid) continue;
      if ((other.metadata.namespace ?? "default") === ns && sameLabels(labels, other.metadata.labels ?? {})) count++;
    }
    return count;
  }

  normalize(_pod: Pod, scores: Map<string, number>): void {
    const max = Math.max(0, ...scores.values());
    for (const [node, count] of scores) {
      scores.set(node, max === 0 ? maxNodeScore : Math.floor((maxNodeScore * (max - count)) / max));
    }
  }
}
