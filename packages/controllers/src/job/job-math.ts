// The arithmetic of a Job, after pkg/controller/job/job_controller.go: what its pods
// add up to, whether it has failed, and how many pods it wants running. Pure, so
// the rules are tested without an API server.
import { isPodTerminal, type Pod } from "@bosun/api";
import { isPodActive, isPodReady } from "../common/index.js";
import type { DefaultedJob } from "./defaults.js";
import { isIndexedJob, validIndexOf } from "./indexed.js";
import { matchPodFailurePolicy } from "./pod-failure-policy.js";

export interface PodCounts {
  /** Not finished and not being deleted. */
  active: Pod[];
  /** Being deleted and not finished (status.terminating). */
  terminating: Pod[];
  succeeded: number;
  /** Failed pods that count toward backoffLimit: not those a pod failure policy ignores. */
  failed: number;
  /** Active pods whose Ready condition is True. */
  ready: number;
}

/**
 * Counts the pods that exist. Bosun has no job-tracking finalizers, so finished
 * pods are never deleted while their Job runs: they are the record of its progress.
 * An Indexed Job counts only the finished pods of its indexes.
 */
export function countPods(pods: readonly Pod[], job?: DefaultedJob): PodCounts {
  const active = pods.filter(isPodActive);
  const completions = job?.spec.completions ?? 0;
  const counted = job && isIndexedJob(job) ? pods.filter((p) => validIndexOf(p, completions) !== undefined) : pods;
  const policy = job?.spec.podFailurePolicy;
  return {
    active,
    terminating: pods.filter(isPodTerminating),
    succeeded: counted.filter((p) => p.status?.phase === "Succeeded").length,
    failed: counted.filter((p) => p.status?.phase === "Failed" && matchPodFailurePolicy(policy, p).counts).length,
    ready: active.filter(isPodReady).length,
  };
}

/** Being deleted but not yet finished: its containers may still run (controller.IsPodTerminating). */
export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && !isPodTerminal(pod);
}

/**
 * Whether a pod that is being deleted must be gone before it is replaced: with
 * podReplacementPolicy Failed, and always with a pod failure policy, which needs
 * to know how the pod ended (onlyReplaceFailedPods).
 */
export function onlyReplaceFailedPods(job: DefaultedJob): boolean {
  return job.spec.podReplacementPolicy === "Failed" || job.spec.podFailurePolicy !== undefined;
}

/**
 * The FailJob message of the first pod a FailJob rule matches: a failed pod by its
 * exit codes or conditions, or a pod being deleted by its conditions (an evicted
 * pod's DisruptionTarget), since Bosun removes deleted pods without a final phase.
 */
export function failJobMessage(job: DefaultedJob, pods: readonly Pod[]): string | undefined {
  const policy = job.spec.podFailurePolicy;
  if (!policy) return undefined;
  for (const pod of pods) {
    const failed = pod.status?.phase === "Failed";
    if (!failed && !isPodTerminating(pod)) continue;
    const match = matchPodFailurePolicy(policy, pod, { conditionsOnly: !failed });
    if (match.message !== undefined) return match.message;
  }
  return undefined;
}

/** Container restarts of pods still running or pending: retries of restartPolicy OnFailure. */
export function restartsOfLivePods(pods: readonly Pod[]): number {
  let restarts = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase !== "Running" && phase !== "Pending") continue;
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += c.restartCount;
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
