export { startScheduler, type RunningScheduler, type SchedulerOptions } from "./scheduler.js";
export { defaultSchedulerConfig, defaultSchedulerName, resolveConfig, type SchedulerConfig } from "./config.js";
export * from "./framework/interface.js";
export * from "./framework/node-info.js";
export * from "./framework/fit-error.js";
export * from "./framework/schedule-one.js";
export * from "./framework/registry.js";
export { inTreeRegistry } from "./plugins/registry.js";
