// A cordoned node (spec.unschedulable) takes no new pods; the ones it has stay.
import type { Pod } from "@bosun/api";
import { success, unschedulable, type FilterPlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const nodeUnschedulableName = "NodeUnschedulable";
export const errReasonUnschedulable = "node(s) were unschedulable";

export class NodeUnschedulable implements FilterPlugin {
  readonly name = nodeUnschedulableName;

  filter(_pod: Pod, nodeInfo: NodeInfo): Status {
    return nodeInfo.node.spec?.unschedulable ? unschedulable(errReasonUnschedulable) : success;
  }
}
