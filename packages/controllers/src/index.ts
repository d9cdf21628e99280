export {
  NodeLifecycleController,
  defaultPodEvictionTimeoutMs,
  startNodeLifecycleController,
  unknownConditions,
  type NodeLifecycleApi,
  type NodeLifecycleOptions,
} from "./node-lifecycle/controller.js";
export * from "./common/index.js";
export { ReplicaSetController, newReplicationControllerController, type ReplicaSetControllerOptions } from "./replicaset/controller.js";
export { replicaSetKind, replicationControllerKind, type ReplicatedKind } from "./replicaset/kinds.js";
export { GarbageCollectorController, type GarbageCollectorOptions } from "./garbage-collector/controller.js";
export * from "./job/index.js";
export { DeploymentController, type DeploymentControllerOptions } from "./deployment/controller.js";
export { DaemonSetController, type DaemonSetControllerOptions } from "./daemonset/controller.js";
export { StatefulSetController, type StatefulSetControllerOptions } from "./statefulset/controller.js";
export * from "./cronjob/index.js";
export { CidrSet } from "./node-ipam/cidr-set.js";
export { NodeIpamController, checkClusterCidr, cidrNotAvailableReason, type NodeIpamOptions } from "./node-ipam/controller.js";
export { EndpointsController, overCapacityAnnotation, type EndpointsControllerOptions } from "./endpoints/controller.js";
export { EndpointSliceController, type EndpointSliceControllerOptions } from "./endpointslice/controller.js";
export { endpointSliceControllerName } from "./endpointslice/labels.js";
export { PersistentVolumeBinder, bindCompletedAnnotation, boundByControllerAnnotation } from "./persistentvolume/binder.js";
export * from "./volume-protection/index.js";
export { LocalPathProvisioner, provisionedVolumeName, type LocalPathOptions } from "./local-path/provisioner.js";
export { localPathClassName, localPathProvisionerName, localPathStorageClass } from "./local-path/storage-class.js";
export { helperPodLabel, helperPodNamespace } from "./local-path/helper-pod.js";
export * from "./serviceaccount/index.js";
export { DisruptionController, type DisruptionControllerOptions } from "./disruption/controller.js";
