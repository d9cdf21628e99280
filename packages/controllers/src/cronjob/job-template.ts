// The Job a CronJob starts for one schedule time (getJobFromTemplate2 in
// pkg/controller/cronjob/utils.go). Its name is derived from the schedule time, so
// a controller that crashes after creating it and starts again finds it instead of
// creating a second one.
import type { CronJob, Job, ObjectReference } from "@bosun/api";
import { newControllerRef } from "../common/index.js";

export const scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/**
 * "<cronjob>-<minutes since the epoch>" as Kubernetes names them; schedules with a
 * seconds field (Bosun's extension) may fire more than once a minute and use
 * seconds, so names stay unique.
 */
export function jobNameFor(cronJobName: string, scheduledMs: number, withSeconds: boolean): string {
  const suffix = withSeconds ? Math.floor(scheduledMs / 1000) : Math.floor(scheduledMs / 60_000);
  return `${cronJobName}-${suffix}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** RFC 3339 in `timeZone` (UTC when unset), as Go formats time.RFC3339: "Z" for a zero offset. */
export function formatInTimeZone(ms: number, timeZone = "UTC"): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wallMs = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  const offsetMinutes = Math.round((wallMs - Math.floor(ms / 1000) * 1000) / 60_000);
  const date = `${pad(get("year"), 4)}-${pad(get("month"))}-${pad(get("day"))}T${pad(get("hour"))}:${pad(get("minute"))}:${pad(get("second"))}`;
  if (offsetMinutes === 0) return `${date}Z`;
  const sign = offsetMinutes > 0 ? "+" : "-";
  const abs = Math.abs(offsetMinutes);
  return `${date}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function jobFromTemplate(cronJob: CronJob, scheduledMs: number, withSeconds: boolean): Job {
  const template = cronJob.spec.jobTemplate;
  const owner = { ...cronJob, apiVersion: "batch/v1", kind: "CronJob" };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobNameFor(cronJob.metadata.name ?? "", scheduledMs, withSeconds),
      namespace: cronJob.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: {
        ...(template.metadata?.annotations ?? {}),
        [scheduledTimestampAnnotation]: formatInTimeZone(scheduledMs, cronJob.spec.timeZone),
      },
      ownerReferences: [newControllerRef(owner)],
    },
    spec: structuredClone(template.spec),
  };
}

/** The reference status.active keeps to a Job. */
export function jobReference(job: Job): ObjectReference {
  const ref: ObjectReference = { apiVersion: "batch/v1", kind: "Job", namespace: job.metadata.namespace ?? "", name: job.metadata.name ?? "" };
  if (job.metadata.uid) ref.uid = job.metadata.uid;
  if (job.metadata.resourceVersion) ref.resourceVersion = job.metadata.resourceVersion;
  return ref;
}
