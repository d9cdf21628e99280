// The arithmetic of a Job, after pkg/controller/job/job_controller.go: what its pods
// add up to, whether it has failed, and how many pods it wants running. Pure, so
// the rules are tested without an API server.
import type { Pod } from "@bosun/api";
import { isPodActive, isPodReady } from "../common/index.js";
import type { DefaultedJob } from "./defaults.js";

export interface PodCounts {
  /** Not finished and not being deleted. */
  active: Pod[];
  succeeded: number;
  failed: number;
  /** Active pods whose Ready condition is True. */
  ready: number;
}

/**
 * Counts the pods that exist. Bosun has no job-tracking finalizers, so finished
 * pods are never deleted while their Job runs: they are the record of its progress.
 */
export function countPods(pods: readonly Pod[]): PodCounts {
  const active = pods.filter(isPodActive);
  return {
    active,
    succeeded: pods.filter((p) => p.status?.phase === "Succeeded").length,
    failed: pods.filter((p) => p.status?.phase === "Failed").length,
    ready: active.filter(isPodReady).length,
  };
}

/** Container restarts of pods still running or pending: retries of restartPolicy OnFailure. */
export function restartsOfLivePods(pods: readonly Pod[]): number {
  let restarts = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase !== "Running" && phase !== "Pending") continue;
    for (const c of pod.status?.containerStatuses ?? []) restarts += c.restartCount;
  }
  return restarts;
}

/**
 * Whether the Job used up its retries: more failed pods than backoffLimit or, for
 * restartPolicy OnFailure where the agent restarts containers in place, as many
 * container restarts as backoffLimit (any restart when it is 0), as Kubernetes counts.
 */
export function pastBackoffLimit(job: DefaultedJob, pods: readonly Pod[], failed: number): boolean {
  const limit = job.spec.backoffLimit;
  if (failed > limit) return true;
  if (job.spec.template.spec.restartPolicy !== "OnFailure") return false;
  const restarts = restartsOfLivePods(pods);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** When activeDeadlineSeconds runs out (ms since epoch), or undefined when it does not apply. */
export function activeDeadlineAt(job: DefaultedJob, startTime: string | undefined): number | undefined {
  const seconds = job.spec.activeDeadlineSeconds;
  if (seconds === undefined || startTime === undefined || job.spec.suspend === true) return undefined;
  const start = Date.parse(startTime);
  return Number.isNaN(start) ? undefined : start + seconds * 1000;
}

/**
 * How many pods should run: parallelism, but never more than the completions still
 * missing. A work-queue Job (no completions) stops adding pods after its first
 * success and lets the running ones finish.
 */
export function wantActive(job: DefaultedJob, succeeded: number, active: number): number {
  const parallelism = job.spec.parallelism;
  const completions = job.spec.completions;
  if (completions === undefined) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/** Whether enough pods succeeded and none is left running. */
export function isComplete(job: DefaultedJob, succeeded: number, active: number): boolean {
  if (active > 0) return false;
  const completions = job.spec.completions;
  return completions === undefined ? succeeded > 0 : succeeded >= completions;
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * The `count` pods to delete first, as controller.ActivePods orders them: not yet
 * scheduled, then pending before running, not ready before ready, newest first.
 * The least progress is lost.
 */
export function podsToDelete(active: readonly Pod[], count: number): Pod[] {
  const rank = (p: Pod): [number, number, number, number] => [
    p.spec.nodeName ? 1 : 0,
    phaseRank[p.status?.phase ?? "Pending"] ?? 0,
    isPodReady(p) ? 1 : 0,
    -Date.parse(p.metadata.creationTimestamp ?? "") || 0,
  ];
  const sorted = [...active].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return 0;
  });
  return sorted.slice(0, Math.max(0, count));
}
