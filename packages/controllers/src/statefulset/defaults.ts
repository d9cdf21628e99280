// The StatefulSet spec with Kubernetes' defaults filled in (pkg/apis/apps/v1
// defaults.go). The apiserver will default these fields when it stores a
// StatefulSet; until it does, this is the one place the controller fills what is missing.
import type { StatefulSet } from "@bosun/api";

export interface StatefulSetSettings {
  replicas: number;
  /** OrderedReady: one pod at a time, in ordinal order, each waiting for its predecessors. */
  monotonic: boolean;
  rollingUpdate: boolean;
  /** RollingUpdate only touches ordinals >= partition. */
  partition: number;
  minReadySeconds: number;
}

export function statefulSetSettings(set: StatefulSet): StatefulSetSettings {
  const strategy = set.spec.updateStrategy?.type ?? "RollingUpdate";
  return {
    replicas: set.spec.replicas ?? 1,
    monotonic: (set.spec.podManagementPolicy ?? "OrderedReady") === "OrderedReady",
    rollingUpdate: strategy === "RollingUpdate",
    partition: strategy === "RollingUpdate" ? (set.spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0,
    minReadySeconds: set.spec.minReadySeconds ?? 0,
  };
}
