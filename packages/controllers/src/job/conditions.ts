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

/**
 * The condition that says a Job will finish once its pods are gone, as Kubernetes
 * 1.33 writes it before Complete or Failed: SuccessCriteriaMet, or FailureTarget.
 */
export type JobInterimType = "SuccessCriteriaMet" | "FailureTarget";

/** The interim condition that is True, SuccessCriteriaMet first, as syncJob reads them. */
export function interimCondition(job: Job): (JobCondition & { type: JobInterimType }) | undefined {
  const conditions = job.status?.conditions ?? [];
  const c = conditions.find((c) => c.type === "SuccessCriteriaMet" && c.status === "True") ?? conditions.find((c) => c.type === "FailureTarget" && c.status === "True");
  return c as (JobCondition & { type: JobInterimType }) | undefined;
}

/** The final condition an interim one becomes: Complete or Failed. */
export function finalTypeOf(interim: JobInterimType): JobFinishedType {
  return interim === "SuccessCriteriaMet" ? "Complete" : "Failed";
}

export function newJobCondition(type: string, reason: string, message: string, nowIso: string): JobCondition {
  return { type, status: "True", reason, message, lastProbeTime: nowIso, lastTransitionTime: nowIso };
}
