// The kinds the ReplicaSet controller keeps: apps/v1 ReplicaSets and core/v1
// ReplicationControllers. Kubernetes runs RCs through the ReplicaSet controller by
// converting each RC to a ReplicaSet (pkg/controller/replication/conversion.go);
// here too one code path serves both. The controller reads every owner through
// its ReplicaSet view, which keeps the owner's apiVersion, kind and metadata, so
// pods' controller references, events and status writes still name the owner as
// it is.
import { mustResource, type KubeObject, type ReplicaSet, type ReplicationController, type ResourceInfo } from "@bosun/api";

export interface ReplicatedKind {
  /** The owners' resource. */
  res: ResourceInfo;
  /** The controller's name, in logs. */
  controllerName: string;
  /** The owner as a ReplicaSet. */
  view(owner: KubeObject): ReplicaSet;
}

export const replicaSetKind: ReplicatedKind = {
  res: mustResource("replicasets"),
  controllerName: "replicaset",
  view: (owner) => owner as ReplicaSet,
};

/** An RC's map selector is a ReplicaSet's matchLabels (Convert_v1_ReplicationControllerSpec_To_apps_ReplicaSetSpec). */
export const replicationControllerKind: ReplicatedKind = {
  res: mustResource("replicationcontrollers"),
  controllerName: "replicationcontroller",
  view(owner) {
    const rc = owner as ReplicationController;
    const { selector, ...rest } = rc.spec;
    return { ...(rc as unknown as ReplicaSet), spec: { ...rest, selector: { matchLabels: { ...(selector ?? {}) } } } };
  },
};
