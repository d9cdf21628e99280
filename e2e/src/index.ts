export * from "./cluster.js";
export * from "./docker.js";
export * from "./exec.js";
export * from "./pods.js";
export * from "./table.js";
export * from "./testing.js";
export * from "./wait.js";
export * from "./workloads.js";
export { repoRoot } from "./paths.js";
