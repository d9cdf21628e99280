// The CLI's reusable parts, for tools that print or load objects the way
// `bosun` does (the e2e suite, benchmarks).
export * from "./config.js";
export * from "./manifests.js";
export * from "./merge.js";
export { printTable, tableHeader, tableRow, qualifiedKind, type TableOptions } from "./printers/tables.js";
export { printObjects, parseOutputFormat, type OutputFormat, type PrintOptions } from "./printers/output.js";
export { describePod, describeNode, describeGeneric } from "./printers/describe.js";
export {
  describeDeployment,
  describeReplicaSet,
  describeDaemonSet,
  describeStatefulSet,
  describeJob,
  describeCronJob,
} from "./printers/describe-workloads.js";
export { deploymentStatus, daemonSetStatus, statefulSetStatus, statusViewerFor, type RolloutStatus } from "./rollout/status-viewer.js";
export { defaultNodeName } from "./cluster/up.js";
export { removeNodeContainers } from "./cluster/down.js";
export { createJoinToken, type JoinTokenOptions } from "./join-tokens.js";
