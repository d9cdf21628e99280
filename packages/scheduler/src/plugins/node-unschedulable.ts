// A cordoned node (spec.unschedulable) takes no new pods; the ones it has stay. A pod
// that tolerates the node.kubernetes.io/unschedulable:NoSchedule taint may still go
// there, as in kube-scheduler (DaemonSet pods do).
import { taintKeys, tolerationsTolerateTaint, type Pod, type Taint } from "@bosun/api";
import { success, unschedulableAndUnresolvable, type FilterPlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const nodeUnschedulableName = "NodeUnschedulable";
export const errReasonUnschedulable = "node(s) were unschedulable";

const unschedulableTaint: Taint = { key: taintKeys.unschedulable, effect: "NoSchedule" };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = nodeUnschedulableName;

  filter(pod: Pod, nodeInfo: NodeInfo): Status {
    if (!nodeInfo.node.spec?.unschedulable) return success;
    return tolerationsTolerateTaint(pod.spec.tolerations, unschedulableTaint) ? success : unschedulableAndUnresolvable(errReasonUnschedulable);
  }
}
