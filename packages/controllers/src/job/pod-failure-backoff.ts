// The delay before a Job replaces failed pods (pkg/controller/job/backoff_utils.go):
// 10 s after the first failure, doubled for each further failure since the last
// success, capped at 6 minutes, counted from the last failure. It is derived from
// the pods themselves, which Bosun keeps until the Job finishes, so a restarted
// controller computes the same delay.
import { getPodCondition, type Pod } from "@bosun/api";

export const defaultPodFailureBackoffMs = 10_000;
export const maxPodFailureBackoffMs = 6 * 60_000;

/**
 * When a finished pod finished: its containers' last termination, else when it
 * stopped being ready, else when it was deleted, else when it was created — the
 * fallbacks Kubernetes' getFinishedTime uses.
 */
export function podFinishedAt(pod: Pod): number {
  let latest = NaN;
  for (const c of pod.status?.containerStatuses ?? []) {
    const t = Date.parse(c.state?.terminated?.finishedAt ?? "");
    if (!Number.isNaN(t) && (Number.isNaN(latest) || t > latest)) latest = t;
  }
  if (!Number.isNaN(latest)) return latest;
  const ready = getPodCondition(pod.status, "Ready");
  if (ready?.status === "False") {
    const t = Date.parse(ready.lastTransitionTime ?? "");
    if (!Number.isNaN(t)) return t;
  }
  const deleted = Date.parse(pod.metadata.deletionTimestamp ?? "");
  if (!Number.isNaN(deleted)) return deleted;
  return Date.parse(pod.metadata.creationTimestamp ?? "") || 0;
}

export interface FailureRecord {
  /** Failed pods that finished after the last succeeded one. */
  failuresAfterLastSuccess: number;
  lastFailureAt?: number;
}

export function failureRecord(pods: readonly Pod[]): FailureRecord {
  const finished = pods
    .filter((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed")
    .map((p) => ({ failed: p.status?.phase === "Failed", at: podFinishedAt(p) }))
    .sort((a, b) => a.at - b.at);
  let failuresAfterLastSuccess = 0;
  let lastFailureAt: number | undefined;
  for (const f of finished) {
    if (f.failed) {
      failuresAfterLastSuccess++;
      lastFailureAt = f.at;
    } else {
      failuresAfterLastSuccess = 0;
    }
  }
  return lastFailureAt === undefined ? { failuresAfterLastSuccess } : { failuresAfterLastSuccess, lastFailureAt };
}

/** Milliseconds to wait before creating pods again; 0 when there is no need to wait. */
export function remainingBackoffMs(record: FailureRecord, nowMs: number, baseMs: number, maxMs: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureAt === undefined) return 0;
  let delay = baseMs;
  for (let i = 1; i < record.failuresAfterLastSuccess && delay < maxMs; i++) delay *= 2;
  delay = Math.min(delay, maxMs);
  return Math.max(0, delay - (nowMs - record.lastFailureAt));
}
