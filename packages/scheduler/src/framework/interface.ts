// The plugin contract, after kube-scheduler's framework: filter plugins say whether a
// pod may run on a node (and if not, why, in words the user will read), score plugins
// rank the nodes that passed. Plugins are pure functions of the pod, a NodeInfo
// snapshot and what they computed earlier in the same attempt (the CycleState), so
// they are tested without a cluster.
import type { Pod } from "@bosun/api";
import type { NodeInfo } from "./node-info.js";

/** The highest score a plugin may give; scores are 0..maxNodeScore. */
export const maxNodeScore = 100;

/**
 * The verdict of a filter. Reasons of an unschedulable status are short phrases
 * ("Insufficient cpu") that are counted across nodes into the FitError message.
 * UnschedulableAndUnresolvable, as in kube-scheduler, says that no preemption on the
 * node could help (its labels or affinity rule it out), so a preemption step passes
 * such nodes by; for the FitError both count alike.
 */
export type Status = { code: "Success" } | { code: "Unschedulable" | "UnschedulableAndUnresolvable"; reasons: string[] };

export const success: Status = { code: "Success" };

export function unschedulable(...reasons: string[]): Status {
  return { code: "Unschedulable", reasons };
}

export function unschedulableAndUnresolvable(...reasons: string[]): Status {
  return { code: "UnschedulableAndUnresolvable", reasons };
}

/** The name under which a plugin keeps data of type T in the cycle state. */
export interface StateKey<T> {
  readonly name: string;
  /** Never set: it carries T, so that read() returns what write() was given. */
  readonly type?: T;
}

export function stateKey<T>(name: string): StateKey<T> {
  return { name };
}

/**
 * What plugins compute once per scheduling attempt and read at later points
 * (kube-scheduler's CycleState): PreFilter's counts over all nodes for Filter,
 * PreScore's for Score. A fresh one for every attempt.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();

  write<T>(key: StateKey<T>, value: T): void {
    this.data.set(key.name, value);
  }

  read<T>(key: StateKey<T>): T | undefined {
    return this.data.get(key.name) as T | undefined;
  }

  /** As read, for data an earlier extension point must have written: its absence is a bug. */
  mustRead<T>(key: StateKey<T>): T {
    if (!this.data.has(key.name)) throw new Error(`scheduler cycle state has no "${key.name}"; its PreFilter or PreScore step did not run`);
    return this.data.get(key.name) as T;
  }
}

/**
 * Whether a pod may be tried at all (kube-scheduler's PreEnqueue): a pod that is not
 * ready is left alone, without a FitError, until it changes.
 */
export interface PreEnqueuePlugin {
  readonly name: string;
  preEnqueue(pod: Pod): Status;
}

/**
 * Checks of the pod alone, before any node is looked at; an unschedulable answer
 * ends the attempt with its reason, counted for no node (kube-scheduler's PreFilter).
 */
export interface PreFilterPlugin {
  readonly name: string;
  /** `nodes` are all nodes, for plugins that count what runs where (pod affinity, topology spread). */
  preFilter(pod: Pod, state: CycleState, nodes: readonly NodeInfo[]): Status;
}

/**
 * What a pre-bind step says: bind now, or wait, because it started something
 * (a volume being provisioned) the pod must have first. A waiting pod is tried again
 * when the objects it waits for change.
 */
export type PreBindResult = { code: "Success" } | { code: "Wait"; reason: string };

/** Work done for the chosen node before the pod is bound to it (kube-scheduler's PreBind). */
export interface PreBindPlugin {
  readonly name: string;
  preBind(pod: Pod, node: string): Promise<PreBindResult>;
}

/**
 * What a PostFilter step says about a pod that fits nowhere: the node it nominated
 * for the pod (preemption made room there), "" to clear an earlier nomination,
 * undefined to leave it; and what to add to the FitError's message.
 */
export interface PostFilterResult {
  nominatedNodeName?: string;
  message?: string;
}

/** Whether the pod passes the PreFilter and Filter plugins on `node`, with `nodes` as the whole cluster. */
export type FilterRunner = (pod: Pod, node: NodeInfo, nodes: readonly NodeInfo[]) => Status;

/**
 * Runs when no node passed the filters (kube-scheduler's PostFilter): it may change
 * the cluster (preemption deletes pods) so that the pod fits in a later attempt.
 * `nodeStatuses` are the filters' verdicts per node; `filter` runs them again on a
 * node changed in a dry run.
 */
export interface PostFilterPlugin {
  readonly name: string;
  postFilter(pod: Pod, nodes: readonly NodeInfo[], nodeStatuses: ReadonlyMap<string, Status>, filter: FilterRunner): Promise<PostFilterResult>;
}

export interface FilterPlugin {
  readonly name: string;
  filter(pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status;
}

export interface ScorePlugin {
  readonly name: string;
  /**
   * Work for all feasible nodes before any is scored (kube-scheduler's PreScore):
   * `feasible` passed the filters, `all` are every node, for counts across the cluster.
   */
  preScore?(pod: Pod, state: CycleState, feasible: readonly NodeInfo[], all: readonly NodeInfo[]): void;
  /** 0..maxNodeScore, unless the plugin normalizes its raw scores afterwards. */
  score(pod: Pod, nodeInfo: NodeInfo, state: CycleState): number;
  /**
   * Rewrites the raw scores of all feasible nodes into 0..maxNodeScore, for plugins
   * whose score only means something relative to the other nodes (kube-scheduler's
   * ScoreExtensions.NormalizeScore).
   */
  normalize?(pod: Pod, scores: Map<string, number>, state: CycleState): void;
}

/** A plugin implements one or more extension points. */
export type Plugin = Partial<PreEnqueuePlugin> &
  Partial<PreFilterPlugin> &
  Partial<FilterPlugin> &
  Partial<ScorePlugin> &
  Partial<PreBindPlugin> &
  Partial<PostFilterPlugin> & { readonly name: string };

export function isPreEnqueuePlugin(p: Plugin): p is PreEnqueuePlugin {
  return typeof p.preEnqueue === "function";
}

export function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return typeof p.filter === "function";
}

export function isScorePlugin(p: Plugin): p is ScorePlugin {
  return typeof p.score === "function";
}

export function isPreFilterPlugin(p: Plugin): p is PreFilterPlugin {
  return typeof p.preFilter === "function";
}

export function isPreBindPlugin(p: Plugin): p is PreBindPlugin {
  return typeof p.preBind === "function";
}

export function isPostFilterPlugin(p: Plugin): p is PostFilterPlugin {
  return typeof p.postFilter === "function";
}
