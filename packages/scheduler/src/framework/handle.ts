// What plugins may read and call beyond the pod and the node, as kube-scheduler's
// framework.Handle gives them listers and a client: the volume objects, namespaces
// (for pod affinity's namespaceSelector) and the objects that select pods (for
// default topology spreading) from the scheduler's informers, and the API for the
// writes a pre-bind step makes.
import type { Namespace, PersistentVolume, PersistentVolumeClaim, ReplicaSet, Service, StatefulSet, StorageClass } from "@bosun/api";
import type { ApiClient } from "@bosun/client";

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
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  statefulSet(namespace: string, name: string): StatefulSet | undefined;
}

export interface Handle {
  listers: VolumeListers & NamespaceListers & SelectorListers;
  client: ApiClient;
}
