export { CronJobController, type CronJobControllerOptions } from "./controller.js";
export { jobNameFor, scheduledTimestampAnnotation } from "./job-template.js";
export { withCronJobDefaults, defaultSuccessfulJobsHistoryLimit, defaultFailedJobsHistoryLimit, type DefaultedCronJob } from "./defaults.js";
