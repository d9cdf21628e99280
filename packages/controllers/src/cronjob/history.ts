// Which finished Jobs of a CronJob to delete to keep its history limits
// (cleanupFinishedJobs and removeOldestJobs in cronjob_controllerv2.go): the
// oldest by start time go first; Jobs without a start time count as newest.
import type { Job } from "@bosun/api";
import { finishedCondition } from "../job/conditions.js";

function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  const ta = sa === undefined ? 0 : Date.parse(sa);
  const tb = sb === undefined ? 0 : Date.parse(sb);
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? "";
  const nb = b.metadata.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function oldestBeyond(jobs: Job[], limit: number): Job[] {
  if (jobs.length <= limit) return [];
  return [...jobs].sort(byStartTime).slice(0, jobs.length - Math.max(0, limit));
}

/** Finished Jobs beyond the limits; Jobs already being deleted neither count nor are chosen. */
export function jobsToPrune(jobs: readonly Job[], successfulLimit: number, failedLimit: number): Job[] {
  const succeeded: Job[] = [];
  const failed: Job[] = [];
  for (const job of jobs) {
    if (job.metadata.deletionTimestamp) continue;
    const type = finishedCondition(job)?.type;
    if (type === "Complete") succeeded.push(job);
    else if (type === "Failed") failed.push(job);
  }
  return [...oldestBeyond(succeeded, successfulLimit), ...oldestBeyond(failed, failedLimit)];
}
