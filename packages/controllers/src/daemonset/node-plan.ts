// Which nodes need a daemon pod and which daemon pods must go (pkg/controller/daemon
// podsShouldBeOnNode and manage). Pure: the controller applies the plan.
import { isPodAvailable, isPodReady } from "../common/index.js";
import { podRevisionLabel, type Pod } from "@bosun/api";
import type { Placement } from "./node-placement.js";

/** The hash of the revision a pod was made from. */
export const revisionLabel = podRevisionLabel;

export interface NodeState {
  name: string;
  placement: Placement;
}

export interface ManageInput {
  nodes: readonly NodeState[];
  /** The DaemonSet's pods by spec.nodeName ("" for pods not bound to a node). */
  podsByNode: ReadonlyMap<string, readonly Pod[]>;
  hash: string;
  /** RollingUpdate with maxSurge > 0: an old and a new pod may share a node during the update. */
  surge: boolean;
  minReadySeconds: number;
  nowMs: number;
}

export interface ManagePlan {
  nodesNeedingPods: string[];
  /** Extra pods on a node and pods on nodes that should no longer run them. */
  podsToDelete: Pod[];
  /** Failed pods to delete (the controller backs off per node so a failing node is not hammered). */
  failedPods: { pod: Pod; node: string }[];
  succeededPods: { pod: Pod; node: string }[];
  /** Pods bound to nodes that no longer exist, or to no node at all: nobody else will remove them. */
  podsWithoutNode: Pod[];
}

function creationMs(pod: Pod): number {
  const t = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Bound pods first, then oldest first, then by name (podByCreationTimestampAndPhase). */
export function oldestFirst(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => {
    const boundA = a.spec.nodeName ? 0 : 1;
    const boundB = b.spec.nodeName ? 0 : 1;
    if (boundA !== boundB) return boundA - boundB;
    const diff = creationMs(a) - creationMs(b);
    if (diff !== 0) return diff;
    const na = a.metadata.name ?? "";
    const nb = b.metadata.name ?? "";
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

function planNode(input: ManageInput, node: NodeState, plan: ManagePlan): void {
  const { shouldRun, shouldContinueRunning } = node.placement;
  const pods = input.podsByNode.get(node.name) ?? [];
  if (shouldRun && pods.length === 0) {
    plan.nodesNeedingPods.push(node.name);
    return;
  }
  if (!shouldContinueRunning) {
    plan.podsToDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
    return;
  }
  const running: Pod[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (pod.status?.phase === "Failed") plan.failedPods.push({ pod, node: node.name });
    else if (pod.status?.phase === "Succeeded") plan.succeededPods.push({ pod, node: node.name });
    else running.push(pod);
  }
  if (!input.surge) {
    // Keep the oldest; the node gets a new pod once the failed ones are gone.
    plan.podsToDelete.push(...oldestFirst(running).slice(1));
    return;
  }
  if (running.length <= 1) {
    // Surging needs one live pod on the node at all times.
    if (running.length === 0 && shouldRun) plan.nodesNeedingPods.push(node.name);
    return;
  }
  // Surging: keep the oldest new pod and, while it is not yet available, the oldest
  // old pod if that one is still ready. Everything else goes.
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const pod of oldestFirst(running)) {
    const isNew = pod.metadata.labels?.[revisionLabel] === input.hash;
    if (isNew && !oldestNew) oldestNew = pod;
    else if (!isNew && !oldestOld) oldestOld = pod;
    else plan.podsToDelete.push(pod);
  }
  if (oldestNew && oldestOld) {
    if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, input.minReadySeconds, input.nowMs)) {
      plan.podsToDelete.push(oldestOld);
    }
  }
}

export function planManage(input: ManageInput): ManagePlan {
  const plan: ManagePlan = { nodesNeedingPods: [], podsToDelete: [], failedPods: [], succeededPods: [], podsWithoutNode: [] };
  const known = new Set<string>();
  for (const node of input.nodes) {
    known.add(node.name);
    planNode(input, node, plan);
  }
  for (const [nodeName, pods] of input.podsByNode) {
    if (known.has(nodeName)) continue;
    // Graceful deletion would wait for an agent that is gone; only a forced one is done.
    plan.podsWithoutNode.push(...pods.filter((p) => !p.metadata.deletionTimestamp || (p.metadata.deletionGracePeriodSeconds ?? 0) > 0));
  }
  return plan;
}
