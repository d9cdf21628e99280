// kube-scheduler's InterPodAffinity. A term names pods (labelSelector, in the
// namespaces it lists or selects, by default the pod's own) and a node label
// (topologyKey) whose value is the domain: the pod wants to share a domain with
// such pods (podAffinity) or to keep out of theirs (podAntiAffinity).
//
// PreFilter counts, over all nodes, per (topologyKey, value): the pods matching all
// of the incoming pod's required affinity terms, the pods matching each of its
// required anti-affinity terms, and the existing pods whose required anti-affinity
// terms match the incoming pod. Filter reads the node's domains from those counts.
// PreScore adds, per domain, the weights of preferred terms either way (the incoming
// pod's terms against existing pods, the existing pods' terms against it, their
// required affinity terms at weight 1) and Score sums the node's domains, scaled
// between the lowest and highest node.
import { labelSelectorOrUndefined, type LabelSelector, type Pod, type PodAffinityTerm, type WeightedPodAffinityTerm } from "@bosun/api";
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

export const interPodAffinityName = "InterPodAffinity";
export const errReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const errReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
export const errReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";

/** kube-scheduler's default hardPodAffinityWeight: what an existing pod's required affinity term is worth in scoring. */
export const hardPodAffinityWeight = 1;

/** A PodAffinityTerm ready to match pods. */
interface AffinityTerm {
  /** Namespaces whose pods the term considers. */
  namespaces: Set<string>;
  /** Further namespaces by their labels; undefined selects none. */
  namespaceSelector: LabelSelector | undefined;
  /** Undefined selects no pod. */
  selector: LabelSelector | undefined;
  topologyKey: string;
  weight: number;
}

/** Counts per topology pair, keyed by `${key}\0${value}`. */
type TopologyCounts = Map<string, number>;

interface PreFilterState {
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  existingAntiAffinityCounts: TopologyCounts;
  affinityCounts: TopologyCounts;
  antiAffinityCounts: TopologyCounts;
  /** The incoming pod matches all of its own required affinity terms. */
  matchesOwnAffinity: boolean;
}

/** Per topology key, per value: the summed weights. */
type TopologyScores = Map<string, Map<string, number>>;

const preFilterKey = stateKey<PreFilterState>(`PreFilter${interPodAffinityName}`);
const preScoreKey = stateKey<TopologyScores>(`PreScore${interPodAffinityName}`);

function pairKey(key: string, value: string): string {
  return `${key}\0${value}`;
}

function add(counts: TopologyCounts, labels: Record<string, string>, key: string, n: number): void {
  const value = labels[key];
  if (value === undefined) return;
  const k = pairKey(key, value);
  counts.set(k, (counts.get(k) ?? 0) + n);
}

function namespaceOf(pod: Pod): string {
  return pod.metadata.namespace ?? "default";
}

/**
 * The term of `owner`: its selector with matchLabelKeys and mismatchLabelKeys added as
 * "key in/notin (owner's value)" (which Kubernetes' apiserver merges in at creation),
 * its namespaces defaulting to the owner's when neither they nor a selector are given.
 */
function affinityTerm(owner: Pod, term: PodAffinityTerm, weight: number): AffinityTerm {
  let selector = labelSelectorOrUndefined(term.labelSelector);
  const ownLabels = owner.metadata.labels ?? {};
  if (selector !== undefined) {
    const requirements = [...selector.requirements];
    for (const key of term.matchLabelKeys ?? []) {
      const value = ownLabels[key];
      if (value !== undefined) requirements.push({ key, operator: "in", values: [value] });
    }
    for (const key of term.mismatchLabelKeys ?? []) {
      const value = ownLabels[key];
      if (value !== undefined) requirements.push({ key, operator: "notin", values: [value] });
    }
    selector = { requirements };
  }
  const namespaces = new Set(term.namespaces ?? []);
  if (namespaces.size === 0 && term.namespaceSelector === undefined) namespaces.add(namespaceOf(owner));
  return { namespaces, namespaceSelector: labelSelectorOrUndefined(term.namespaceSelector), selector, topologyKey: term.topologyKey, weight };
}

function requiredTerms(pod: Pod, kind: "podAffinity" | "podAntiAffinity"): AffinityTerm[] {
  return (pod.spec.affinity?.[kind]?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t, hardPodAffinityWeight));
}

function preferredTerms(pod: Pod, kind: "podAffinity" | "podAntiAffinity"): AffinityTerm[] {
  const terms: readonly WeightedPodAffinityTerm[] = pod.spec.affinity?.[kind]?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.map((t) => affinityTerm(pod, t.podAffinityTerm, t.weight));
}

/** Whether `pod` is one the term names; `namespaceLabels` are the labels of the pod's namespace. */
function termMatches(term: AffinityTerm, pod: Pod, namespaceLabels: Record<string, string>): boolean {
  const inNamespace = term.namespaces.has(namespaceOf(pod)) || selects(term.namespaceSelector, namespaceLabels);
  return inNamespace && selects(term.selector, pod.metadata.labels);
}

function matchesAll(terms: readonly AffinityTerm[], pod: Pod, namespaceLabels: Record<string, string>): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, pod, namespaceLabels));
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = interPodAffinityName;

  constructor(private readonly handle: Handle) {}

  private namespaceLabels(name: string): Record<string, string> {
    return this.handle.listers.namespace(name)?.metadata.labels ?? {};
  }

  /**
   * The incoming pod's terms with the namespaces their namespaceSelector picks added
   * to their list, so its terms match existing pods without those pods' namespace
   * labels. An empty namespaceSelector (all namespaces) stays as it is.
   */
  private resolveNamespaces(terms: AffinityTerm[]): AffinityTerm[] {
    return terms.map((t) => {
      if (t.namespaceSelector === undefined || t.namespaceSelector.requirements.length === 0) return t;
      const namespaces = new Set(t.namespaces);
      for (const ns of this.handle.listers.namespaces()) {
        if (selects(t.namespaceSelector, ns.metadata.labels)) namespaces.add(ns.metadata.name ?? "");
      }
      return { ...t, namespaces, namespaceSelector: undefined };
    });
  }

  preFilter(pod: Pod, state: CycleState, nodes: readonly NodeInfo[]): Status {
    const requiredAffinity = this.resolveNamespaces(requiredTerms(pod, "podAffinity"));
    const requiredAntiAffinity = this.resolveNamespaces(requiredTerms(pod, "podAntiAffinity"));
    const ownNamespaceLabels = this.namespaceLabels(namespaceOf(pod));
    const existingAntiAffinityCounts: TopologyCounts = new Map();
    const affinityCounts: TopologyCounts = new Map();
    const antiAffinityCounts: TopologyCounts = new Map();
    for (const info of nodes) {
      const labels = info.node.metadata.labels ?? {};
      for (const existing of info.pods) {
        for (const term of requiredTerms(existing, "podAntiAffinity")) {
          if (termMatches(term, pod, ownNamespaceLabels)) add(existingAntiAffinityCounts, labels, term.topologyKey, 1);
        }
        // The incoming pod's terms carry their namespaces already: no labels needed.
        if (matchesAll(requiredAffinity, existing, {})) {
          for (const term of requiredAffinity) add(affinityCounts, labels, term.topologyKey, 1);
        }
        for (const term of requiredAntiAffinity) {
          if (termMatches(term, existing, {})) add(antiAffinityCounts, labels, term.topologyKey, 1);
        }
      }
    }
    state.write(preFilterKey, {
      requiredAffinity,
      requiredAntiAffinity,
      existingAntiAffinityCounts,
      affinityCounts,
      antiAffinityCounts,
      matchesOwnAffinity: matchesAll(requiredAffinity, pod, {}),
    });
    return success;
  }

  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const s = state.mustRead(preFilterKey);
    const labels = nodeInfo.node.metadata.labels ?? {};
    if (!satisfiesPodAffinity(s, labels)) return unschedulableAndUnresolvable(errReasonAffinityRulesNotMatch);
    for (const term of s.requiredAntiAffinity) {
      const value = labels[term.topologyKey];
      if (value !== undefined && (s.antiAffinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) > 0) {
        return unschedulable(errReasonAntiAffinityRulesNotMatch);
      }
    }
    if (s.existingAntiAffinityCounts.size > 0) {
      for (const [key, value] of Object.entries(labels)) {
        if ((s.existingAntiAffinityCounts.get(pairKey(key, value)) ?? 0) > 0) return unschedulable(errReasonExistingAntiAffinityRulesNotMatch);
      }
    }
    return success;
  }

  preScore(pod: Pod, state: CycleState, _feasible: readonly NodeInfo[], all: readonly NodeInfo[]): void {
    const preferredAffinity = this.resolveNamespaces(preferredTerms(pod, "podAffinity"));
    const preferredAntiAffinity = this.resolveNamespaces(preferredTerms(pod, "podAntiAffinity"));
    const ownNamespaceLabels = this.namespaceLabels(namespaceOf(pod));
    const scores: TopologyScores = new Map();
    const credit = (term: AffinityTerm, target: Pod, namespaceLabels: Record<string, string>, nodeLabels: Record<string, string>, sign: number) => {
      const value = nodeLabels[term.topologyKey];
      if (value === undefined || !termMatches(term, target, namespaceLabels)) return;
      let byValue = scores.get(term.topologyKey);
      if (!byValue) scores.set(term.topologyKey, (byValue = new Map()));
      byValue.set(value, (byValue.get(value) ?? 0) + sign * term.weight);
    };
    for (const info of all) {
      const nodeLabels = info.node.metadata.labels ?? {};
      if (Object.keys(nodeLabels).length === 0) continue;
      for (const existing of info.pods) {
        for (const t of preferredAffinity) credit(t, existing, {}, nodeLabels, 1);
        for (const t of preferredAntiAffinity) credit(t, existing, {}, nodeLabels, -1);
        for (const t of requiredTerms(existing, "podAffinity")) credit(t, pod, ownNamespaceLabels, nodeLabels, 1);
        for (const t of preferredTerms(existing, "podAffinity")) credit(t, pod, ownNamespaceLabels, nodeLabels, 1);
        for (const t of preferredTerms(existing, "podAntiAffinity")) credit(t, pod, ownNamespaceLabels, nodeLabels, -1);
      }
    }
    state.write(preScoreKey, scores);
  }

  score(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
    const scores = state.mustRead(preScoreKey);
    const labels = nodeInfo.node.metadata.labels ?? {};
    let sum = 0;
    for (const [key, byValue] of scores) {
      const value = labels[key];
      if (value !== undefined) sum += byValue.get(value) ?? 0;
    }
    return sum;
  }

  /** Scaled between the lowest and the highest, each taken as at most (least) 0, as kube-scheduler does. */
  normalize(_pod: Pod, scores: Map<string, number>, state: CycleState): void {
    if (state.mustRead(preScoreKey).size === 0) return;
    let max = 0;
    let min = 0;
    for (const s of scores.values()) {
      max = Math.max(max, s);
      min = Math.min(min, s);
    }
    const diff = max - min;
    for (const [node, s] of scores) scores.set(node, diff > 0 ? Math.trunc((maxNodeScore * (s - min)) / diff) : 0);
  }
}

/**
 * Every required affinity term's key is on the node and its domain holds a matching
 * pod; or, for the first of a group of pods with affinity to each other, no pod
 * anywhere matches yet and the pod matches its own terms.
 */
function satisfiesPodAffinity(s: PreFilterState, labels: Record<string, string>): boolean {
  let podsExist = true;
  for (const term of s.requiredAffinity) {
    const value = labels[term.topologyKey];
    if (value === undefined) return false;
    if ((s.affinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) <= 0) podsExist = false;
  }
  return podsExist || (s.affinityCounts.size === 0 && s.matchesOwnAffinity);
}
