// One scheduling decision: filter the nodes, score the survivors, pick the best. A
// pure function of the pod, the node snapshot and the plugins; the loop in
// scheduler.ts feeds it and acts on the answer.
import type { Pod } from "@bosun/api";
import { fitErrorMessage, preFilterFitErrorMessage, type FitError } from "./fit-error.js";
import {
  CycleState,
  maxNodeScore,
  type FilterPlugin,
  type PostFilterPlugin,
  type PreBindPlugin,
  type PreEnqueuePlugin,
  type PreFilterPlugin,
  type ScorePlugin,
  type Status,
} from "./interface.js";
import type { NodeInfo } from "./node-info.js";

export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

/** The plugins of one scheduler profile, in the order they run. */
export interface Profile {
  preEnqueues: readonly PreEnqueuePlugin[];
  preFilters: readonly PreFilterPlugin[];
  filters: readonly FilterPlugin[];
  postFilters: readonly PostFilterPlugin[];
  scores: readonly WeightedScorePlugin[];
  preBinds: readonly PreBindPlugin[];
}

export type ScheduleResult = { node: string; score: number } | { fitError: FitError };

export interface ScheduleOptions {
  /** Picks among equally good nodes; injectable so tests are deterministic. */
  random?: () => number;
}

export function scheduleOne(
  pod: Pod,
  nodeInfos: readonly NodeInfo[],
  profile: Profile,
  opts: ScheduleOptions = {},
): ScheduleResult {
  const state = new CycleState();
  for (const p of profile.preFilters) {
    const status = p.preFilter(pod, state, nodeInfos);
    if (status.code !== "Success") {
      return { fitError: { numAllNodes: nodeInfos.length, nodeStatuses: new Map(), message: preFilterFitErrorMessage(nodeInfos.length, status.reasons) } };
    }
  }
  const feasible: NodeInfo[] = [];
  const nodeStatuses = new Map<string, Status>();
  for (const info of nodeInfos) {
    const status = runFilters(profile.filters, pod, info, state);
    if (status.code === "Success") feasible.push(info);
    else nodeStatuses.set(info.name, status);
  }
  if (feasible.length === 0) {
    return {
      fitError: {
        numAllNodes: nodeInfos.length,
        nodeStatuses,
        message: fitErrorMessage(nodeInfos.length, nodeStatuses.values()),
      },
    };
  }
  // As kube-scheduler does: with one candidate there is nothing to rank.
  if (feasible.length === 1) return { node: feasible[0]!.name, score: 0 };
  const totals = scoreNodes(profile.scores, pod, feasible, state, nodeInfos);
  return selectHost(totals, opts.random ?? Math.random);
}

/** The first failing filter decides, so each node reports the reasons of one plugin. */
export function runFilters(filters: readonly FilterPlugin[], pod: Pod, info: NodeInfo, state: CycleState): Status {
  for (const f of filters) {
    const status = f.filter(pod, info, state);
    if (status.code !== "Success") return status;
  }
  return { code: "Success" };
}

/**
 * The PreFilter and Filter plugins for one node, with `nodes` as the whole cluster:
 * what preemption asks of a node it took pods off in a dry run. The PreFilter
 * plugins count again over `nodes`, so cluster-wide rules (topology spread, pod
 * affinity) see the change too.
 */
export function filterOnNodes(profile: Profile, pod: Pod, node: NodeInfo, nodes: readonly NodeInfo[]): Status {
  const state = new CycleState();
  const cluster = nodes.map((n) => (n.name === node.name ? node : n));
  for (const p of profile.preFilters) {
    const status = p.preFilter(pod, state, cluster);
    if (status.code !== "Success") return status;
  }
  return runFilters(profile.filters, pod, node, state);
}

/**
 * Weighted sum of every score plugin's (normalized) score, per node name. `all` are
 * every node (the feasible ones and those filtered out), for plugins that count
 * pods across the cluster before they score.
 */
export function scoreNodes(
  scores: readonly WeightedScorePlugin[],
  pod: Pod,
  feasible: readonly NodeInfo[],
  state: CycleState = new CycleState(),
  all: readonly NodeInfo[] = feasible,
): Map<string, number> {
  const totals = new Map<string, number>(feasible.map((n) => [n.name, 0]));
  for (const { plugin } of scores) plugin.preScore?.(pod, state, feasible, all);
  for (const { plugin, weight } of scores) {
    const raw = new Map<string, number>(feasible.map((n) => [n.name, plugin.score(pod, n, state)]));
    plugin.normalize?.(pod, raw, state);
    for (const [node, s] of raw) {
      if (!(s >= 0 && s <= maxNodeScore)) {
        throw new Error(
          `score plugin ${plugin.name} gave node ${node} the score ${s}, outside 0..${maxNodeScore}; the plugin is broken`,
        );
      }
      totals.set(node, totals.get(node)! + s * weight);
    }
  }
  return totals;
}

/** The highest total wins; among equals each is equally likely (reservoir sampling). */
export function selectHost(totals: Map<string, number>, random: () => number): { node: string; score: number } {
  let best: string | undefined;
  let bestScore = -Infinity;
  let ties = 0;
  for (const [node, s] of totals) {
    if (s > bestScore) {
      best = node;
      bestScore = s;
      ties = 1;
    } else if (s === bestScore) {
      ties++;
      if (random() * ties < 1) best = node;
    }
  }
  if (best === undefined) throw new Error("selectHost needs at least one scored node");
  return { node: best, score: bestScore };
}
