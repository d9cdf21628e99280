// batch/v1 kinds: Job and CronJob, with k8s.io/api/batch/v1 field names. Indexed
// completion, pod failure policies and success policies are not supported and are
// refused by path.
import { Type, type Static } from "@sinclair/typebox";
import { ConditionStatus, ObjectReference, PodTemplateSpec } from "./core.js";
import { kindSchema, LabelSelectorSchema, ObjectMeta, Time, strict } from "./meta.js";

export const JobCondition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    lastProbeTime: Type.Optional(Time),
    lastTransitionTime: Type.Optional(Time),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  strict,
);
export type JobCondition = Static<typeof JobCondition>;

export const JobSpec = Type.Object(
  {
    parallelism: Type.Optional(Type.Integer()),
    completions: Type.Optional(Type.Integer()),
    activeDeadlineSeconds: Type.Optional(Type.Integer()),
    backoffLimit: Type.Optional(Type.Integer()),
    selector: Type.Optional(LabelSelectorSchema),
    manualSelector: Type.Optional(Type.Boolean()),
    template: PodTemplateSpec,
    ttlSecondsAfterFinished: Type.Optional(Type.Integer()),
    completionMode: Type.Optional(Type.Literal("NonIndexed")),
    suspend: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type JobSpec = Static<typeof JobSpec>;

export const JobStatus = Type.Object(
  {
    conditions: Type.Optional(Type.Array(JobCondition)),
    startTime: Type.Optional(Time),
    completionTime: Type.Optional(Time),
    active: Type.Optional(Type.Integer()),
    succeeded: Type.Optional(Type.Integer()),
    failed: Type.Optional(Type.Integer()),
    ready: Type.Optional(Type.Integer()),
  },
  strict,
);
export type JobStatus = Static<typeof JobStatus>;

export const Job = kindSchema("batch/v1", "Job", {
  spec: JobSpec,
  status: Type.Optional(JobStatus),
});
export type Job = Static<typeof Job>;

export const JobTemplateSpec = Type.Object({ metadata: Type.Optional(ObjectMeta), spec: JobSpec }, strict);
export type JobTemplateSpec = Static<typeof JobTemplateSpec>;

export const CronJobSpec = Type.Object(
  {
    schedule: Type.String(),
    timeZone: Type.Optional(Type.String()),
    startingDeadlineSeconds: Type.Optional(Type.Integer()),
    concurrencyPolicy: Type.Optional(Type.Union([Type.Literal("Allow"), Type.Literal("Forbid"), Type.Literal("Replace")])),
    suspend: Type.Optional(Type.Boolean()),
    jobTemplate: JobTemplateSpec,
    successfulJobsHistoryLimit: Type.Optional(Type.Integer()),
    failedJobsHistoryLimit: Type.Optional(Type.Integer()),
  },
  strict,
);
export type CronJobSpec = Static<typeof CronJobSpec>;

export const CronJobStatus = Type.Object(
  {
    active: Type.Optional(Type.Array(ObjectReference)),
    lastScheduleTime: Type.Optional(Time),
    lastSuccessfulTime: Type.Optional(Time),
  },
  strict,
);
export type CronJobStatus = Static<typeof CronJobStatus>;

export const CronJob = kindSchema("batch/v1", "CronJob", {
  spec: CronJobSpec,
  status: Type.Optional(CronJobStatus),
});
export type CronJob = Static<typeof CronJob>;
