// NodeInfo: one node as the scheduler sees it at the start of a scheduling cycle:
// the Node object, the pods bound (or assumed bound) to it, and the sums of their
// requests. Built fresh from the informer caches for every pod, so a plugin never
// sees a half-updated picture.
import { cpuToMillis, isPodTerminal, memoryToBytes, parseQuantity, podResourceRequests, type Node, type Pod } from "@bosun/api";

export interface Resources {
  cpuMillis: number;
  memoryBytes: number;
}

export interface Allocatable extends Resources {
  /** How many pods the node takes; undefined when the node does not say. */
  pods: number | undefined;
}

// What kube-scheduler assumes a container without requests uses, for scoring only
// (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest). Without it a
// node full of request-less pods would look empty to least-allocated.
export const defaultNonZeroCpuMillis = 100;
export const defaultNonZeroMemoryBytes = 200 * 1024 * 1024;

export interface NodeInfo {
  readonly node: Node;
  readonly name: string;
  readonly pods: readonly Pod[];
  readonly allocatable: Allocatable;
  /** Sum of the bound pods' requests: what resource fit subtracts from allocatable. */
  readonly requested: Resources;
  /** As requested, but request-less containers count the non-zero defaults. */
  readonly nonZeroRequested: Resources;
}

/**
 * The pod's requests with the non-zero defaults for containers that request
 * nothing. (Limits without requests were already copied into requests by the
 * apiserver's defaulting, as in Kubernetes.)
 */
export function podNonZeroRequests(pod: Pod): Resources {
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const c of pod.spec.containers) {
    const cpu = c.resources?.requests?.cpu;
    const memory = c.resources?.requests?.memory;
    cpuMillis += cpu === undefined ? defaultNonZeroCpuMillis : cpuToMillis(cpu);
    memoryBytes += memory === undefined ? defaultNonZeroMemoryBytes : memoryToBytes(memory);
  }
  return { cpuMillis, memoryBytes };
}

export function nodeAllocatable(node: Node): Allocatable {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    cpuMillis: list.cpu === undefined ? 0 : cpuToMillis(list.cpu),
    memoryBytes: list.memory === undefined ? 0 : memoryToBytes(list.memory),
    pods: list.pods === undefined ? undefined : Math.floor(parseQuantity(list.pods)),
  };
}

export function newNodeInfo(node: Node, pods: readonly Pod[]): NodeInfo {
  const requested = { cpuMillis: 0, memoryBytes: 0 };
  const nonZeroRequested = { cpuMillis: 0, memoryBytes: 0 };
  for (const pod of pods) {
    const r = podResourceRequests(pod);
    const nz = podNonZeroRequests(pod);
    requested.cpuMillis += r.cpuMillis;
    requested.memoryBytes += r.memoryBytes;
    nonZeroRequested.cpuMillis += nz.cpuMillis;
    nonZeroRequested.memoryBytes += nz.memoryBytes;
  }
  return {
    node,
    name: node.metadata.name ?? "",
    pods,
    allocatable: nodeAllocatable(node),
    requested,
    nonZeroRequested,
  };
}

/**
 * One NodeInfo per node, each holding the non-terminal pods whose spec.nodeName
 * names it: finished pods hold no resources (kube-scheduler's informer drops them).
 * Pods bound to nodes that are not, or no longer, listed are ignored.
 */
export function buildNodeInfos(nodes: readonly Node[], pods: readonly Pod[]): NodeInfo[] {
  const byNode = new Map<string, Pod[]>();
  for (const node of nodes) byNode.set(node.metadata.name ?? "", []);
  for (const pod of pods) {
    const nodeName = pod.spec.nodeName;
    if (!nodeName || isPodTerminal(pod)) continue;
    byNode.get(nodeName)?.push(pod);
  }
  return nodes.map((node) => newNodeInfo(node, byNode.get(node.metadata.name ?? "") ?? []));
}
