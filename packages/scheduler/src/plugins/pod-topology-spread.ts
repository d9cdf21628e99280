// kube-scheduler's PodTopologySpread. A constraint counts the pods its selector
// matches (in the pod's namespace) per domain, a value of the node label
// topologyKey. DoNotSchedule constraints filter: placing the pod on a node must not
// make its domain exceed the least populated domain by more than maxSkew (the least
// is taken as 0 while there are fewer than minDomains domains). ScheduleAnyway
// constraints score: fewer matching pods in the node's domain is better.
//
// Which nodes make domains: those with every constraint's key, and, by the
// constraint's policies, that satisfy the pod's node affinity (nodeAffinityPolicy,
// Honor by default) and whose NoSchedule/NoExecute taints the pod tolerates
// (nodeTaintsPolicy, Ignore by default). matchLabelKeys add "key=the pod's value".
//
// A pod without constraints of its own is spread by the system defaults, as
// Kubernetes does since it retired SelectorSpread: hostname with maxSkew 3 and zone
// with maxSkew 5, both ScheduleAnyway, over the pods its Services, ReplicationController, ReplicaSet or
// StatefulSet select. Nodes without a zone label still spread by hostname.
import {
  controllerRefOf,
  labelSelectorFromMatch,
  labelSelectorOrUndefined,
  findUntoleratedTaint,
  podRequiredNodeAffinityMatches,
  type LabelRequirement,
  type LabelSelector,
  type Node,
  type Pod,
  type Taint,
  type TopologySpreadConstraint,
  type UnsatisfiableConstraintAction,
} from "@bosun/api";
import type { Handle } from "../framework/handle.js";
import {
  maxNodeScore,
  stateKey,
  success,
  unschedulable,
  unschedulableAndUnresolvable,
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type ScorePlugin,
  type Status,
} from "../framework/interface.js";
import type { NodeInfo } from "../framework/node-info.js";
import { selects } from "./label-selectors.js";

export const podTopologySpreadName = "PodTopologySpread";
export const errReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const errReasonNodeLabelNotMatch = `${errReasonConstraintsNotMatch} (missing required label)`;

export const labelHostname = "kubernetes.io/hostname";
export const labelTopologyZone = "topology.kubernetes.io/zone";

/** Kubernetes' system default constraints (pkg/scheduler/apis/config/v1 defaults). */
export const systemDefaultConstraints: readonly TopologySpreadConstraint[] = [
  { topologyKey: labelHostname, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: labelTopologyZone, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
];

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  /** Undefined selects no pod. */
  selector: LabelSelector | undefined;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
}

interface PreFilterState {
  constraints: Constraint[];
  /** Per constraint: matching pods per domain (topology value). */
  counts: Map<string, number>[];
}

interface PreScoreState {
  constraints: Constraint[];
  /** Feasible nodes that lack a constraint's key: they score 0. */
  ignored: Set<string>;
  /** Per constraint: matching pods per domain; hostname domains are counted at Score. */
  counts: Map<string, number>[];
  /** Per constraint: log(domains + 2), so that many small domains are not watered down by few big ones. */
  weights: number[];
}

const preFilterKey = stateKey<PreFilterState>(`PreFilter${podTopologySpreadName}`);
const preScoreKey = stateKey<PreScoreState>(`PreScore${podTopologySpreadName}`);

function isHardTaint(taint: Taint): boolean {
  return taint.effect === "NoSchedule" || taint.effect === "NoExecute";
}

function namespaceOf(pod: Pod): string {
  return pod.metadata.namespace ?? "default";
}

/** The pod's constraints of one kind, with matchLabelKeys merged into their selectors. */
function constraintsOf(specs: readonly TopologySpreadConstraint[], pod: Pod, action: UnsatisfiableConstraintAction): Constraint[] {
  const podLabels = pod.metadata.labels ?? {};
  return specs
    .filter((c) => c.whenUnsatisfiable === action)
    .map((c) => {
      let selector = labelSelectorOrUndefined(c.labelSelector);
      const extra: LabelRequirement[] = [];
      for (const key of c.matchLabelKeys ?? []) {
        const value = podLabels[key];
        if (value !== undefined) extra.push({ key, operator: "=", values: [value] });
      }
      if (extra.length > 0) selector = { requirements: [...extra, ...(selector?.requirements ?? [])] };
      return {
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector,
        minDomains: c.minDomains ?? 1,
        honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
        honorNodeTaints: (c.nodeTaintsPolicy ?? "Ignore") === "Honor",
      };
    });
}

function hasAllKeys(labels: Record<string, string>, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => c.topologyKey in labels);
}

function nodeIncluded(c: Constraint, pod: Pod, node: Node): boolean {
  if (c.honorNodeAffinity && !podRequiredNodeAffinityMatches(pod, node)) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(node.spec?.taints, pod.spec.tolerations, isHardTaint) !== undefined) return false;
  return true;
}

/** Pods on the node in `namespace` that the selector matches; terminating pods do not count. */
function countMatching(pods: readonly Pod[], selector: LabelSelector | undefined, namespace: string): number {
  let n = 0;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp || namespaceOf(p) !== namespace) continue;
    if (selects(selector, p.metadata.labels)) n++;
  }
  return n;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = podTopologySpreadName;

  constructor(private readonly handle: Handle) {}

  preFilter(pod: Pod, state: CycleState, nodes: readonly NodeInfo[]): Status {
    // The system defaults are all ScheduleAnyway: a pod without constraints filters nothing.
    const constraints = constraintsOf(pod.spec.topologySpreadConstraints ?? [], pod, "DoNotSchedule");
    const counts = constraints.map(() => new Map<string, number>());
    for (const info of nodes) {
      const labels = info.node.metadata.labels ?? {};
      if (!hasAllKeys(labels, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeIncluded(c, pod, info.node)) return;
        const value = labels[c.topologyKey]!;
        counts[i]!.set(value, (counts[i]!.get(value) ?? 0) + countMatching(info.pods, c.selector, namespaceOf(pod)));
      });
    }
    state.write(preFilterKey, { constraints, counts });
    return success;
  }

  filter(pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const { constraints, counts } = state.mustRead(preFilterKey);
    const labels = nodeInfo.node.metadata.labels ?? {};
    for (const [i, c] of constraints.entries()) {
      const value = labels[c.topologyKey];
      if (value === undefined) return unschedulableAndUnresolvable(errReasonNodeLabelNotMatch);
      const domains = counts[i]!;
      // Fewer domains than minDomains: the global minimum is taken as 0.
      const min = domains.size < c.minDomains ? 0 : Math.min(...domains.values());
      const self = selects(c.selector, pod.metadata.labels) ? 1 : 0;
      if ((domains.get(value) ?? 0) + self - min > c.maxSkew) return unschedulable(errReasonConstraintsNotMatch);
    }
    return success;
  }

  preScore(pod: Pod, state: CycleState, feasible: readonly NodeInfo[], all: readonly NodeInfo[]): void {
    const own = pod.spec.topologySpreadConstraints ?? [];
    const constraints = own.length > 0 ? constraintsOf(own, pod, "ScheduleAnyway") : this.defaultConstraints(pod);
    // Only the system defaults spare nodes without a zone label.
    const requireAll = own.length > 0;
    const ignored = new Set<string>();
    const counts = constraints.map(() => new Map<string, number>());
    const sizes = constraints.map(() => 0);
    for (const info of feasible) {
      const labels = info.node.metadata.labels ?? {};
      if (requireAll && !hasAllKeys(labels, constraints)) {
        ignored.add(info.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === labelHostname) return;
        const value = labels[c.topologyKey] ?? "";
        if (!counts[i]!.has(value)) {
          counts[i]!.set(value, 0);
          sizes[i]!++;
        }
      });
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === labelHostname ? feasible.length - ignored.size : sizes[i]!) + 2));
    for (const info of all) {
      const labels = info.node.metadata.labels ?? {};
      if (requireAll && !hasAllKeys(labels, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeIncluded(c, pod, info.node)) return;
        const value = labels[c.topologyKey] ?? "";
        const current = counts[i]!.get(value);
        // Domains of no feasible node do not matter; hostname domains are counted at Score.
        if (current === undefined) return;
        counts[i]!.set(value, current + countMatching(info.pods, c.selector, namespaceOf(pod)));
      });
    }
    state.write(preScoreKey, { constraints, ignored, counts, weights });
  }

  /** The matching pods in the node's domains, each weighted, plus maxSkew - 1 to soften small skews. */
  score(pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
    const s = state.mustRead(preScoreKey);
    if (s.ignored.has(nodeInfo.name)) return 0;
    const labels = nodeInfo.node.metadata.labels ?? {};
    let score = 0;
    s.constraints.forEach((c, i) => {
      const value = labels[c.topologyKey];
      if (value === undefined) return;
      const count = c.topologyKey === labelHostname ? countMatching(nodeInfo.pods, c.selector, namespaceOf(pod)) : (s.counts[i]!.get(value) ?? 0);
      score += count * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  /** Fewer is better: the lowest raw score gets maxNodeScore; ignored nodes get 0. */
  normalize(_pod: Pod, scores: Map<string, number>, state: CycleState): void {
    const s = state.mustRead(preScoreKey);
    if (s.constraints.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const [node, score] of scores) {
      if (s.ignored.has(node)) continue;
      min = Math.min(min, score);
      max = Math.max(max, score);
    }
    for (const [node, score] of scores) {
      if (s.ignored.has(node)) scores.set(node, 0);
      else if (max === 0) scores.set(node, maxNodeScore);
      else scores.set(node, Math.floor((maxNodeScore * (max + min - score)) / max));
    }
  }

  /**
   * The system default constraints over the pods "the same" as this one: those the
   * selectors of its Services and of its controlling ReplicationController, ReplicaSet or StatefulSet all
   * match (kube-scheduler's DefaultSelector). None when nothing selects the pod.
   */
  private defaultConstraints(pod: Pod): Constraint[] {
    const namespace = namespaceOf(pod);
    const podLabels = pod.metadata.labels ?? {};
    const merged: Record<string, string> = {};
    for (const service of this.handle.listers.services(namespace)) {
      const selector = service.spec?.selector ?? {};
      if (Object.entries(selector).every(([k, v]) => podLabels[k] === v)) Object.assign(merged, selector);
    }
    const requirements: LabelRequirement[] = Object.entries(merged).map(([key, value]) => ({ key, operator: "=", values: [value] }));
    const owner = controllerRefOf(pod);
    const selector = owner ? this.ownerSelector(namespace, owner.apiVersion, owner.kind, owner.name) : undefined;
    if (selector !== undefined) requirements.push(...selector.requirements);
    if (requirements.length === 0) return [];
    return constraintsOf(systemDefaultConstraints, pod, "ScheduleAnyway").map((c) => ({ ...c, selector: { requirements } }));
  }

  /** The selector of the pod's controller when it is one whose pods are "the same": an RC, ReplicaSet or StatefulSet. */
  private ownerSelector(namespace: string, apiVersion: string, kind: string, name: string): LabelSelector | undefined {
    const listers = this.handle.listers;
    if (apiVersion === "v1" && kind === "ReplicationController") {
      const selector = listers.replicationController(namespace, name)?.spec.selector ?? {};
      return Object.keys(selector).length > 0 ? labelSelectorFromMatch(selector) : undefined;
    }
    if (apiVersion !== "apps/v1") return undefined;
    if (kind === "ReplicaSet") return labelSelectorOrUndefined(listers.replicaSet(namespace, name)?.spec.selector);
    if (kind === "StatefulSet") return labelSelectorOrUndefined(listers.statefulSet(namespace, name)?.spec.selector);
    return undefined;
  }
}
