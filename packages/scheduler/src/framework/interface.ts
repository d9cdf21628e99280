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

/** A plugin implements one or both extension points. */
export type Plugin = Partial<FilterPlugin> & Partial<ScorePlugin> & { readonly name: string };

export function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return typeof p.filter === "function";
}

export function isScorePlugin(p: Plugin): p is ScorePlugin {
  return typeof p.score === "function";
}
