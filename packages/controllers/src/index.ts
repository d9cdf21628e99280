export {
  NodeLifecycleController,
  defaultPodEvictionTimeoutMs,
  startNodeLifecycleController,
  unknownConditions,
  type NodeLifecycleApi,
  type NodeLifecycleOptions,
} from "./node-lifecycle/controller.js";
export * from "./common/index.js";
