// The printers of every served kind, by kind: the one source of the columns the
// apiserver's Tables carry and `bosun get` prints.
import type { KubeObject } from "../types/meta.js";
import { column, nameColumn, creationTimestampDescription, type Printer } from "./columns.js";
import { configMapPrinter } from "./configmaps.js";
import { controllerRevisionPrinter } from "./controller-revisions.js";
import { eventPrinter } from "./events.js";
import { cronJobPrinter, jobPrinter } from "./jobs.js";
import { namespacePrinter } from "./namespaces.js";
import { nodePrinter } from "./nodes.js";
import { podPrinter } from "./pods.js";
import { podDisruptionBudgetPrinter } from "./policy.js";
import { ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from "./networking.js";
import { replicationControllerPrinter } from "./replication-controllers.js";
import { secretPrinter } from "./secrets.js";
import { priorityClassPrinter } from "./scheduling.js";
import { serviceAccountPrinter } from "./service-accounts.js";
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from "./services.js";
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.js";
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from "./workloads.js";

export { humanDuration, age } from "./age.js";
export { labelsText, selectorText, type Printer, type TableCell, type TableColumnDefinition, type TableRowCondition } from "./columns.js";
export { podColumns, type PodColumns } from "./pods.js";
export { nodeRoles, nodeStatus } from "./nodes.js";
export { eventFirstSeen, eventLastSeen } from "./events.js";
export { jobCompletions, jobDuration, jobStatus } from "./jobs.js";
export { endpointSliceAddressesText, endpointSlicePortsText, endpointsText, loadBalancerText, serviceExternalIP, servicePortsText } from "./services.js";
export { ingressHostsText, ingressPortsText } from "./networking.js";
export { accessModesText } from "./storage.js";

const printers: Record<string, Printer> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  Event: eventPrinter,
  Secret: secretPrinter,
  ConfigMap: configMapPrinter,
  ServiceAccount: serviceAccountPrinter,
  PersistentVolume: persistentVolumePrinter,
  PersistentVolumeClaim: persistentVolumeClaimPrinter,
  StorageClass: storageClassPrinter,
  PriorityClass: priorityClassPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  EndpointSlice: endpointSlicePrinter,
  Ingress: ingressPrinter,
  IngressClass: ingressClassPrinter,
  NetworkPolicy: networkPolicyPrinter,
  PodDisruptionBudget: podDisruptionBudgetPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  ReplicationController: replicationControllerPrinter,
  ControllerRevision: controllerRevisionPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
};

/** Kubernetes' default table (rest.NewDefaultTableConvertor), for a kind without a printer of its own. */
const defaultPrinter: Printer = {
  columns: [nameColumn, column("Created At", "date", creationTimestampDescription)],
  cells: (obj: KubeObject) => [obj.metadata.name ?? "", obj.metadata.creationTimestamp ?? ""],
};

export function printerFor(kind: string): Printer {
  return printers[kind] ?? defaultPrinter;
}
