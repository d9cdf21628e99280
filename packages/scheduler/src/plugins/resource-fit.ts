// Requests must fit what the node can allocate minus what its pods already request,
// and the node must have room for one more pod. Every shortfall is reported, so a
// node short of both cpu and memory counts towards both in the FitError message.
import { podResourceRequests, type Pod } from "@bosun/api";
import { success, unschedulable, type FilterPlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const resourceFitName = "NodeResourcesFit";
export const errReasonTooManyPods = "Too many pods";
export const errReasonInsufficientCpu = "Insufficient cpu";
export const errReasonInsufficientMemory = "Insufficient memory";

export class ResourceFit implements FilterPlugin {
  readonly name = resourceFitName;

  filter(pod: Pod, nodeInfo: NodeInfo): Status {
    const reasons: string[] = [];
    const { allocatable, requested } = nodeInfo;
    // A node that does not publish a pod limit has none.
    if (allocatable.pods !== undefined && nodeInfo.pods.length + 1 > allocatable.pods) {
      reasons.push(errReasonTooManyPods);
    }
    const want = podResourceRequests(pod);
    if (want.cpuMillis > 0 && want.cpuMillis > allocatable.cpuMillis - requested.cpuMillis) {
      reasons.push(errReasonInsufficientCpu);
    }
    if (want.memoryBytes > 0 && want.memoryBytes > allocatable.memoryBytes - requested.memoryBytes) {
      reasons.push(errReasonInsufficientMemory);
    }
    return reasons.length === 0 ? success : unschedulable(...reasons);
  }
}
