// A node whose agent is not reporting (Ready is False or Unknown) would accept a pod
// and never run it, so only Ready=True nodes take new pods.
import { nodeReadyCondition, type Pod } from "@bosun/api";
import { success, unschedulableAndUnresolvable, type FilterPlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const nodeReadyName = "NodeReady";
export const errReasonNodeNotReady = "node(s) were not ready";

export class NodeReady implements FilterPlugin {
  readonly name = nodeReadyName;

  filter(_pod: Pod, nodeInfo: NodeInfo): Status {
    const ready = nodeReadyCondition(nodeInfo.node);
    return ready?.status === "True" ? success : unschedulableAndUnresolvable(errReasonNodeNotReady);
  }
}
