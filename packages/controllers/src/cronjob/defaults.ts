// The defaults Kubernetes gives a CronJob (SetDefaults_CronJob), filled in here
// when the stored object lacks them so the controller behaves the same either way.
import type { CronJob, CronJobSpec } from "@bosun/api";

export const defaultSuccessfulJobsHistoryLimit = 3;
export const defaultFailedJobsHistoryLimit = 1;

export type DefaultedCronJob = CronJob & {
  spec: CronJobSpec & {
    concurrencyPolicy: NonNullable<CronJobSpec["concurrencyPolicy"]>;
    suspend: boolean;
    successfulJobsHistoryLimit: number;
    failedJobsHistoryLimit: number;
  };
};

export function withCronJobDefaults(cronJob: CronJob): DefaultedCronJob {
  const spec = cronJob.spec;
  return {
    ...cronJob,
    spec: {
      ...spec,
      concurrencyPolicy: spec.concurrencyPolicy ?? "Allow",
      suspend: spec.suspend ?? false,
      successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? defaultSuccessfulJobsHistoryLimit,
      failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? defaultFailedJobsHistoryLimit,
    },
  };
}
