// Tables of the apps/v1 kinds, as Kubernetes' printers compute them: replica
// counts as numbers, READY as "ready/desired", and the template's containers,
// images and selector for -o wide.
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from "../types/apps.js";
import { age } from "./age.js";
import {
  ageColumn,
  column,
  containerCells,
  labelsText,
  nameColumn,
  selectorColumn,
  selectorText,
  templateColumns,
  type Printer,
} from "./columns.js";

const readyPodsDescription = "Number of the pod with ready state";

export const deploymentPrinter: Printer<Deployment> = {
  columns: [
    nameColumn,
    column("Ready", "string", readyPodsDescription),
    column("Up-to-date", "string", "Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
    column("Available", "string", "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment."),
    ageColumn,
    ...templateColumns,
    selectorColumn("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."),
  ],
  cells(d, now) {
    const s = d.status;
    return [
      d.metadata.name ?? "",
      `${s?.readyReplicas ?? 0}/${d.spec.replicas ?? 0}`,
      s?.updatedReplicas ?? 0,
      s?.availableReplicas ?? 0,
      age(d.metadata.creationTimestamp, now),
      ...containerCells(d.spec.template.spec.containers),
      selectorText(d.spec.selector),
    ];
  },
};

export const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: [
    nameColumn,
    column("Desired", "integer", "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
    column("Current", "integer", "Replicas is the most recently observed number of non-terminating pods."),
    column("Ready", "integer", "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
    ageColumn,
    ...templateColumns,
    selectorColumn("Selector is a label query over pods that should match the replica count. It must match the pod template's labels."),
  ],
  cells(rs, now) {
    return [
      rs.metadata.name ?? "",
      rs.spec.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs.metadata.creationTimestamp, now),
      ...containerCells(rs.spec.template?.spec.containers ?? []),
      selectorText(rs.spec.selector),
    ];
  },
};

export const daemonSetPrinter: Printer<DaemonSet> = {
  columns: [
    nameColumn,
    column("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
    column("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
    column("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
    column("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    column("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    column("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    ageColumn,
    ...templateColumns,
    selectorColumn("A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels."),
  ],
  cells(ds, now) {
    const s = ds.status;
    return [
      ds.metadata.name ?? "",
      s?.desiredNumberScheduled ?? 0,
      s?.currentNumberScheduled ?? 0,
      s?.numberReady ?? 0,
      s?.updatedNumberScheduled ?? 0,
      s?.numberAvailable ?? 0,
      labelsText(ds.spec.template.spec.nodeSelector),
      age(ds.metadata.creationTimestamp, now),
      ...containerCells(ds.spec.template.spec.containers),
      selectorText(ds.spec.selector),
    ];
  },
};

export const statefulSetPrinter: Printer<StatefulSet> = {
  columns: [nameColumn, column("Ready", "string", readyPodsDescription), ageColumn, ...templateColumns],
  cells(sts, now) {
    return [
      sts.metadata.name ?? "",
      `${sts.status?.readyReplicas ?? 0}/${sts.spec.replicas ?? 0}`,
      age(sts.metadata.creationTimestamp, now),
      ...containerCells(sts.spec.template.spec.containers),
    ];
  },
};
