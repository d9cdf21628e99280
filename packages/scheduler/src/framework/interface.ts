// The plugin contract, after kube-scheduler's framework: filter plugins say whether a
// pod may run on a node (and if not, why, in words the user will read), score plugins
// rank the nodes that passed. Plugins are pure functions of the pod and a NodeInfo
// snapshot, so they are tested without a cluster.
import type { Pod } from "@bosun/api";
import type { NodeInfo } from "./node-info.js";

/** The highest score a plugin may give; scores are 0..maxNodeScore. */
export const maxNodeScore = 100;

/**
 * The verdict of a filter. Reasons of an unschedulable status are short phrases
 * ("Insufficient cpu") that are counted across nodes into the FitError message.
 */
export type Status = { code: "Success" } | { code: "Unschedulable"; reasons: string[] };

export const success: Status = { code: "Success" };

export function unschedulable(...reasons: string[]): Status {
  return { code: "Unschedulable", reasons };
}

/**
 * Checks of the pod alone, before any node is looked at; an unschedulable answer
 * ends the attempt with its reason, counted for no node (kube-scheduler's PreFilter).
 */
export interface PreFilterPlugin {
  readonly name: string;
  preFilter(pod: Pod): Status;
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

export interface FilterPlugin {
  readonly name: string;
  filter(pod: Pod, nodeInfo: NodeInfo): Status;
}

export interface ScorePlugin {
  readonly name: string;
  /** 0..maxNodeScore, unless the plugin normalizes its raw scores afterwards. */
  score(pod: Pod, nodeInfo: NodeInfo): number;
  /**
   * Rewrites the raw scores of all feasible nodes into 0..maxNodeScore, for plugins
   * whose score only means something relative to the other nodes (kube-scheduler's
   * ScoreExtensions.NormalizeScore).
   */
  normalize?(pod: Pod, scores: Map<string, number>): void;
}

/** A plugin implements one or more extension points. */
export type Plugin = Partial<PreFilterPlugin> & Partial<FilterPlugin> & Partial<ScorePlugin> & Partial<PreBindPlugin> & { readonly name: string };

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
