// What plugins may read and call beyond the pod and the node, as kube-scheduler's
// framework.Handle gives them listers and a client: the volume objects, namespaces
// (for pod affinity's namespaceSelector) and the objects that select pods (for
// default topology spreading) from the scheduler's informers, and the API for the
// writes a pre-bind step makes (and preemption's deletions, with its events).
import type {
  Namespace,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  ReplicaSet,
  ReplicationController,
  Service,
  StatefulSet,
  StorageClass,
} from "@bosun/api";
import type { ApiClient, EventRecorder } from "@bosun/client";

export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

export interface NamespaceListers {
  namespace(name: string): Namespace | undefined;
  namespaces(): readonly Namespace[];
}

/** The objects whose selectors say which pods are "the same thing" (kube-scheduler's DefaultSelector). */
export interface SelectorListers {
  services(namespace: string): readonly Service[];
  replicationController(namespace: string, name: string): ReplicationController | undefined;
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  statefulSet(namespace: string, name: string): StatefulSet | undefined;
}

/** What preemption reads: every pod (for the pods nominated to a node) and the disruption budgets. */
export interface PreemptionListers {
  pods(): readonly Pod[];
  podDisruptionBudgets(): readonly PodDisruptionBudget[];
}

export interface Handle {
  listers: VolumeListers & NamespaceListers & SelectorListers & PreemptionListers;
  client: ApiClient;
  /** Where plugins record events about other objects (preemption's Preempted on its victims). */
  recorder: EventRecorder;
}
