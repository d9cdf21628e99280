export * from "./logger.js";
export * from "./backoff.js";
export * from "./rest.js";
export * from "./informer.js";
export * from "./workqueue.js";
export * from "./flush-soon.js";
export * from "./shared-informers.js";
export * from "./events.js";
