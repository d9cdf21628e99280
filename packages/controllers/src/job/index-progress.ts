// Which indexes of an Indexed Job succeeded and which failed, and each index's
// failures so far, after calculateSucceededIndexes, calculateFailedIndexes and the
// per-index failure counts of Kubernetes' indexed_job_utils.go. The indexes already
// in the Job's status are kept: a finished pod deleted by hand takes nothing back.
import { hasIndex, intervalsOf, jobIndexFailureCountAnnotation, jobIndexIgnoredFailureCountAnnotation, mergeIntervals, parseIndexes, type IndexInterval, type Pod } from "@bosun/api";
import type { DefaultedJob } from "./defaults.js";
import { validIndexOf, type IndexFailureCounts } from "./indexed.js";
import { isPodTerminating } from "./job-math.js";
import { podFinishedAt } from "./pod-failure-backoff.js";
import { matchPodFailurePolicy } from "./pod-failure-policy.js";

export interface IndexFailures extends IndexFailureCounts {
  /** A FailIndex rule matched one of the index's pods. */
  failIndex: boolean;
  /** When the index's last failed pod finished (ms since epoch). */
  lastFailureAt: number;
}

export interface IndexProgress {
  succeeded: IndexInterval[];
  /** With backoffLimitPerIndex only: the indexes that will not be retried. */
  failed?: IndexInterval[];
  /** Failures of each index that has any. */
  failures: Map<number, IndexFailures>;
}

export function indexProgress(job: DefaultedJob, pods: readonly Pod[]): IndexProgress {
  const completions = job.spec.completions ?? 0;
  const policy = job.spec.podFailurePolicy;
  const succeeded = new Set<number>();
  const failures = new Map<number, IndexFailures>();
  const tallies = new Map<number, IndexFailureCounts>();
  for (const pod of pods) {
    const ix = validIndexOf(pod, completions);
    if (ix === undefined) continue;
    const phase = pod.status?.phase;
    if (phase === "Succeeded") {
      succeeded.add(ix);
      continue;
    }
    const failed = phase === "Failed";
    if (!failed && !isPodTerminating(pod)) continue;
    const match = matchPodFailurePolicy(policy, pod, { conditionsOnly: !failed });
    const record = failures.get(ix) ?? { failed: 0, ignored: 0, failIndex: false, lastFailureAt: 0 };
    if (match.action === "FailIndex") record.failIndex = true;
    if (failed) {
      // A pod's annotations say how many failures came before it, also of pods that
      // are gone; with the pods still here, the index's count is the larger of the two.
      const before = { failed: annotationCount(pod, jobIndexFailureCountAnnotation), ignored: annotationCount(pod, jobIndexIgnoredFailureCountAnnotation) };
      const tally = tallies.get(ix) ?? { failed: 0, ignored: 0 };
      if (match.counts) tally.failed++;
      else tally.ignored++;
      tallies.set(ix, tally);
      const seen = match.counts ? { failed: before.failed + 1, ignored: before.ignored } : { failed: before.failed, ignored: before.ignored + 1 };
      record.failed = Math.max(record.failed, seen.failed, tally.failed);
      record.ignored = Math.max(record.ignored, seen.ignored, tally.ignored);
      record.lastFailureAt = Math.max(record.lastFailureAt, podFinishedAt(pod));
    }
    if (record.failIndex || failed) failures.set(ix, record);
  }
  const succeededIndexes = mergeIntervals(parseIndexes(job.status?.completedIndexes, completions), intervalsOf(succeeded));
  const progress: IndexProgress = { succeeded: succeededIndexes, failures };
  const limit = job.spec.backoffLimitPerIndex;
  if (limit !== undefined) {
    const failedNow = [...failures].filter(([ix, f]) => !hasIndex(succeededIndexes, ix) && (f.failIndex || f.failed > limit)).map(([ix]) => ix);
    progress.failed = mergeIntervals(parseIndexes(job.status?.failedIndexes, completions), intervalsOf(failedNow));
  }
  return progress;
}

/** A failure count annotation; 0 when missing or not a count, as Kubernetes falls back. */
function annotationCount(pod: Pod, annotation: string): number {
  const v = pod.metadata.annotations?.[annotation];
  return v !== undefined && /^[0-9]{1,9}$/.test(v) ? Number(v) : 0;
}

