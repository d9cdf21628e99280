// Requests (cpu, memory, ephemeral-storage, extended resources and hugepages) must
// fit what the node can allocate minus what its pods already request, and the node
// must have room for one more pod. Every shortfall is reported, so a
// node short of both cpu and memory counts towards both in the FitError message.
import { memoryToBytes, podResourceRequest, podResourceRequests, requestedResourceNames, type Pod } from "@bosun/api";
import { success, unschedulable, type FilterPlugin, type Status } from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";

export const resourceFitName = "NodeResourcesFit";
export const errReasonTooManyPods = "Too many pods";
export const errReasonInsufficientCpu = "Insufficient cpu";
export const errReasonInsufficientMemory = "Insufficient memory";

/** What NodeInfo sums already; every other resource is counted here. */
const summedByNodeInfo = new Set(["cpu", "memory"]);

/**
 * The pod's requests of every other resource (ephemeral-storage first, then extended
 * resources and hugepages by name) that do not fit what the node's pods leave of its
 * allocatable: a node that publishes none of a resource has none, as in Kubernetes,
 * so a pod asking for `example.com/gpu` waits with "Insufficient example.com/gpu".
 */
function insufficientScalarResources(pod: Pod, nodeInfo: NodeInfo): string[] {
  const list = nodeInfo.node.status?.allocatable ?? nodeInfo.node.status?.capacity ?? {};
  const names = [...requestedResourceNames(pod)].filter((n) => !summedByNodeInfo.has(n));
  names.sort((a, b) => (a === "ephemeral-storage" ? -1 : b === "ephemeral-storage" ? 1 : a.localeCompare(b)));
  const reasons: string[] = [];
  for (const name of names) {
    const want = podResourceRequest(pod, name);
    if (want <= 0) continue;
    const q = list[name];
    const allocatable = q === undefined ? 0 : memoryToBytes(q);
    const requested = nodeInfo.pods.reduce((sum, p) => sum + podResourceRequest(p, name), 0);
    if (want > allocatable - requested) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

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
    reasons.push(...insufficientScalarResources(pod, nodeInfo));
    return reasons.length === 0 ? success : unschedulable(...reasons);
  }
}
