export { JobController, backoffLimitExceededMessage, deadlineExceededMessage, type JobControllerOptions } from "./controller.js";
export { TtlAfterFinishedController, ttlExpiresAt, type TtlAfterFinishedControllerOptions } from "./ttl-after-finished.js";
export { finishedCondition, isJobFinished, type JobFinishedType } from "./conditions.js";
export { withJobDefaults, type DefaultedJob } from "./defaults.js";
