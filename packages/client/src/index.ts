export * from "./logger.js";
export * from "./backoff.js";
