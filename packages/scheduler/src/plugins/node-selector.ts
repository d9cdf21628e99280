// pod.spec.nodeSelector: every key must be a node label with exactly that value.
// The reason text is kube-scheduler's NodeAffinity one, which covers both.
import type { Pod } from "@bosun/api";
import { success, unschedulable, type FilterPlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const nodeSelectorName = "NodeSelector";
export const errReasonNodeSelector = "node(s) didn't match Pod's node affinity/selector";

export class NodeSelector implements FilterPlugin {
  readonly name = nodeSelectorName;

  filter(pod: Pod, nodeInfo: NodeInfo): Status {
    const labels = nodeInfo.node.metadata.labels ?? {};
    for (const [key, value] of Object.entries(pod.spec.nodeSelector ?? {})) {
      if (labels[key] !== value) return unschedulable(errReasonNodeSelector);
    }
    return success;
  }
}
