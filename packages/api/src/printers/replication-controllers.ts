// The ReplicationController table, as Kubernetes' printReplicationController:
// the ReplicaSet's columns, with the selector a plain label map.
import type { ReplicationController } from "../types/replication-controllers.js";
import { age } from "./age.js";
import { ageColumn, column, containerCells, labelsText, nameColumn, selectorColumn, templateColumns, type Printer } from "./columns.js";

export const replicationControllerPrinter: Printer<ReplicationController> = {
  columns: [
    nameColumn,
    column("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
    column("Current", "integer", "Replicas is the most recently observed number of replicas."),
    column("Ready", "integer", "The number of ready replicas for this replication controller."),
    ageColumn,
    ...templateColumns,
    selectorColumn(
      "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template.",
    ),
  ],
  cells(rc, now) {
    return [
      rc.metadata.name ?? "",
      rc.spec.replicas ?? 0,
      rc.status?.replicas ?? 0,
      rc.status?.readyReplicas ?? 0,
      age(rc.metadata.creationTimestamp, now),
      ...containerCells(rc.spec.template?.spec.containers ?? []),
      labelsText(rc.spec.selector),
    ];
  },
};
