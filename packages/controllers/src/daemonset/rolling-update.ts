// The DaemonSet rolling update (pkg/controller/daemon/update.go rollingUpdate):
// without surge, delete old pods while the number of unavailable nodes stays within
// maxUnavailable and let manage create the new ones; with surge, start a new pod
// next to an old one on up to maxSurge nodes and delete the old pod once the new one
// is available. Pure: the controller applies the plan.
import { isPodAvailable } from "../common/index.js";
import { scaledValue, type IntOrString, type Pod } from "@bosun/api";
import { revisionLabel, type NodeState } from "./node-plan.js";

export interface RollingUpdateInput {
  nodes: readonly NodeState[];
  podsByNode: ReadonlyMap<string, readonly Pod[]>;
  hash: string;
  maxSurge: IntOrString;
  maxUnavailable: IntOrString;
  minReadySeconds: number;
  nowMs: number;
}

export interface RollingUpdatePlan {
  podsToDelete: Pod[];
  /** Nodes that get a new pod next to their old one (surge only). */
  nodesToCreate: string[];
}

export interface UpdateLimits {
  desired: number;
  maxSurge: number;
  maxUnavailable: number;
}

/** maxSurge and maxUnavailable against the nodes that should run the pod; never both 0. */
export function updateLimits(input: Pick<RollingUpdateInput, "nodes" | "maxSurge" | "maxUnavailable">): UpdateLimits {
  const desired = input.nodes.filter((n) => n.placement.shouldRun).length;
  const maxUnavailable = scaledValue(input.maxUnavailable, desired, true, "spec.updateStrategy.rollingUpdate.maxUnavailable");
  const maxSurge = scaledValue(input.maxSurge, desired, true, "spec.updateStrategy.rollingUpdate.maxSurge");
  // An impossible configuration still makes progress, one node at a time.
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) return { desired, maxSurge, maxUnavailable: 1 };
  return { desired, maxSurge, maxUnavailable };
}

interface NodePods {
  newPod?: Pod;
  oldPod?: Pod;
  /** More than one old or more than one new pod: manage prunes the node first. */
  crowded: boolean;
}

function podsOnNode(pods: readonly Pod[], hash: string): NodePods {
  const result: NodePods = { crowded: false };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const slot = pod.metadata.labels?.[revisionLabel] === hash ? "newPod" : "oldPod";
    if (result[slot]) return { crowded: true };
    result[slot] = pod;
  }
  return result;
}

export function planRollingUpdate(input: RollingUpdateInput): RollingUpdatePlan {
  const { maxSurge, maxUnavailable } = updateLimits(input);
  const available = (pod: Pod): boolean => isPodAvailable(pod, input.minReadySeconds, input.nowMs);
  // Nodes that should run the pod, and nodes that still have one; by name, so the order is stable.
  const nodes = input.nodes
    .filter((n) => n.placement.shouldRun || (input.podsByNode.get(n.name)?.length ?? 0) > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const replacements: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of nodes) {
      const { newPod, oldPod, crowded } = podsOnNode(input.podsByNode.get(node.name) ?? [], input.hash);
      if (crowded || (!newPod && !oldPod) || (newPod && oldPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        // An old pod that is not available costs nothing to replace.
        if (!available(oldPod)) replacements.push(oldPod);
        else candidates.push(oldPod);
      }
    }
    const room = Math.max(0, Math.min(maxUnavailable - numUnavailable, candidates.length));
    return { podsToDelete: [...replacements, ...candidates.slice(0, room)], nodesToCreate: [] };
  }

  let numSurge = 0;
  const podsToDelete: Pod[] = [];
  const replacementNodes: string[] = [];
  const candidateNodes: string[] = [];
  for (const node of nodes) {
    const { newPod, oldPod, crowded } = podsOnNode(input.podsByNode.get(node.name) ?? [], input.hash);
    if (crowded) numSurge++;
    else if (!oldPod) continue; // nothing to update here; manage creates a missing pod
    else if (!newPod) {
      if (!node.placement.shouldRun) continue; // no new pods on this node; the old one may stay
      if (!available(oldPod)) replacementNodes.push(node.name);
      else candidateNodes.push(node.name);
    } else if (!available(newPod)) numSurge++;
    else podsToDelete.push(oldPod);
  }
  const room = Math.max(0, Math.min(maxSurge - numSurge, candidateNodes.length));
  return { podsToDelete, nodesToCreate: [...replacementNodes, ...candidateNodes.slice(0, room)] };
}
