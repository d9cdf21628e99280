// batch/v1 kinds: Job and CronJob, with k8s.io/api/batch/v1 field names. managedBy
// (Jobs run by another controller) is not supported and is refused by path.
import { Type, type Static } from "@sinclair/typebox";
import { Int32, Int64 } from "./integers.js";
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

/** The actions validation lets a pod failure policy rule take. */
export type PodFailurePolicyAction = "FailJob" | "FailIndex" | "Ignore" | "Count";

export const PodFailurePolicyOnExitCodesRequirement = Type.Object(
  {
    containerName: Type.Optional(Type.String()),
    operator: Type.String(),
    values: Type.Array(Int32()),
  },
  strict,
);
export type PodFailurePolicyOnExitCodesRequirement = Static<typeof PodFailurePolicyOnExitCodesRequirement>;

export const PodFailurePolicyOnPodConditionsPattern = Type.Object(
  {
    type: Type.String(),
    // Defaulted to True by the apiserver (SetDefaults_PodFailurePolicyOnPodConditionsPattern), in Jobs and CronJobs.
    status: Type.Optional(Type.String()),
  },
  strict,
);
export type PodFailurePolicyOnPodConditionsPattern = Static<typeof PodFailurePolicyOnPodConditionsPattern>;

export const PodFailurePolicyRule = Type.Object(
  {
    // A string, not the union, so an unknown action gets validation's message listing the supported ones.
    action: Type.String(),
    onExitCodes: Type.Optional(PodFailurePolicyOnExitCodesRequirement),
    onPodConditions: Type.Optional(Type.Array(PodFailurePolicyOnPodConditionsPattern)),
  },
  strict,
);
export type PodFailurePolicyRule = Static<typeof PodFailurePolicyRule>;

export const PodFailurePolicy = Type.Object({ rules: Type.Array(PodFailurePolicyRule) }, strict);
export type PodFailurePolicy = Static<typeof PodFailurePolicy>;

export const SuccessPolicyRule = Type.Object(
  {
    succeededIndexes: Type.Optional(Type.String()),
    succeededCount: Type.Optional(Int32()),
  },
  strict,
);
export type SuccessPolicyRule = Static<typeof SuccessPolicyRule>;

export const SuccessPolicy = Type.Object({ rules: Type.Array(SuccessPolicyRule) }, strict);
export type SuccessPolicy = Static<typeof SuccessPolicy>;

export const JobSpec = Type.Object(
  {
    parallelism: Type.Optional(Int32()),
    completions: Type.Optional(Int32()),
    activeDeadlineSeconds: Type.Optional(Int64()),
    backoffLimit: Type.Optional(Int32()),
    selector: Type.Optional(LabelSelectorSchema),
    manualSelector: Type.Optional(Type.Boolean()),
    template: PodTemplateSpec,
    ttlSecondsAfterFinished: Type.Optional(Int32()),
    // Strings, so that an unknown value gets validation's message listing the supported ones.
    completionMode: Type.Optional(Type.String()),
    suspend: Type.Optional(Type.Boolean()),
    podFailurePolicy: Type.Optional(PodFailurePolicy),
    successPolicy: Type.Optional(SuccessPolicy),
    backoffLimitPerIndex: Type.Optional(Int32()),
    maxFailedIndexes: Type.Optional(Int32()),
    podReplacementPolicy: Type.Optional(Type.String()),
  },
  strict,
);
export type JobSpec = Static<typeof JobSpec>;

// Kubernetes tracks finished pods through it; Bosun, which keeps finished pods while
// the Job runs, never sets it, but accepts it in a manifest copied from a cluster.
export const UncountedTerminatedPods = Type.Object(
  { succeeded: Type.Optional(Type.Array(Type.String())), failed: Type.Optional(Type.Array(Type.String())) },
  strict,
);
export type UncountedTerminatedPods = Static<typeof UncountedTerminatedPods>;

export const JobStatus = Type.Object(
  {
    conditions: Type.Optional(Type.Array(JobCondition)),
    startTime: Type.Optional(Time),
    completionTime: Type.Optional(Time),
    active: Type.Optional(Int32()),
    succeeded: Type.Optional(Int32()),
    failed: Type.Optional(Int32()),
    ready: Type.Optional(Int32()),
    terminating: Type.Optional(Int32()),
    /** Compressed ranges of the succeeded indexes of an Indexed Job: "1,3-5,7". */
    completedIndexes: Type.Optional(Type.String()),
    /** The indexes that used up backoffLimitPerIndex, in the same form. */
    failedIndexes: Type.Optional(Type.String()),
    uncountedTerminatedPods: Type.Optional(UncountedTerminatedPods),
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
    startingDeadlineSeconds: Type.Optional(Int64()),
    concurrencyPolicy: Type.Optional(Type.Union([Type.Literal("Allow"), Type.Literal("Forbid"), Type.Literal("Replace")])),
    suspend: Type.Optional(Type.Boolean()),
    jobTemplate: JobTemplateSpec,
    successfulJobsHistoryLimit: Type.Optional(Int32()),
    failedJobsHistoryLimit: Type.Optional(Int32()),
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
