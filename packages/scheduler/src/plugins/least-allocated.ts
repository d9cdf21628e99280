// Prefers the node with the most room left after placing the pod, averaging cpu and
// memory, which spreads load across nodes. Request-less pods count with the
// non-zero defaults, so they are not invisible to this plugin.
import type { Pod } from "@bosun/api";
import { maxNodeScore, type ScorePlugin } from "../framework/interface.js";
import { podNonZeroRequests, type NodeInfo } from "../framework/node-info.js";

export const leastAllocatedName = "LeastAllocated";

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * maxNodeScore) / capacity);
}

export class LeastAllocated implements ScorePlugin {
  readonly name = leastAllocatedName;

  score(pod: Pod, nodeInfo: NodeInfo): number {
    const want = podNonZeroRequests(pod);
    const { allocatable, nonZeroRequested } = nodeInfo;
    const cpu = leastRequestedScore(nonZeroRequested.cpuMillis + want.cpuMillis, allocatable.cpuMillis);
    const memory = leastRequestedScore(nonZeroRequested.memoryBytes + want.memoryBytes, allocatable.memoryBytes);
    return Math.floor((cpu + memory) / 2);
  }
}
