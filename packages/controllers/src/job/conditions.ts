// Job conditions as Kubernetes keeps them (pkg/controller/job: IsJobFinished,
// ensureJobConditionStatus). The Job, CronJob and TTL controllers agree through
// these on when a Job is over.
import type { Job, JobCondition } from "@bosun/api";

export type JobFinishedType = "Complete" | "Failed";

/** The Complete or Failed condition that is True, if the Job is over. */
export function finishedCondition(job: Job): (JobCondition & { type: JobFinishedType }) | undefined {
  const c = job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  return c as (JobCondition & { type: JobFinishedType }) | undefined;
}

export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

/**
 * Sets the condition of `type` to `status`, returning the new list and whether it
 * changed. A condition that does not exist is only added when True, as in
 * Kubernetes: a Job that was never suspended gets no Suspended=False.
 */
export function ensureJobCondition(
  conditions: readonly JobCondition[] | undefined,
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  nowIso: string,
): { conditions: JobCondition[]; changed: boolean } {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === type);
  if (i === -1) {
    if (status === "False") return { conditions: list, changed: false };
    list.push({ type, status, reason, message, lastProbeTime: nowIso, lastTransitionTime: nowIso });
    return { conditions: list, changed: true };
  }
  const old = list[i]!;
  if (old.status !== status) {
    list[i] = { type, status, reason, message, lastProbeTime: nowIso, lastTransitionTime: nowIso };
    return { conditions: list, changed: true };
  }
  if (old.reason !== reason || old.message !== message) {
    list[i] = { ...old, reason, message, lastProbeTime: nowIso };
    return { conditions: list, changed: true };
  }
  return { conditions: list, changed: false };
}
