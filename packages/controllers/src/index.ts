export {
  NodeLifecycleController,
  startNodeLifecycleController,
  unknownConditions,
  type NodeLifecycleApi,
  type NodeLifecycleOptions,
} from "./node-lifecycle/controller.js";
