// What plugins may read and call beyond the pod and the node, as kube-scheduler's
// framework.Handle gives them listers and a client: the volume objects from the
// scheduler's informers, and the API for the writes a pre-bind step makes.
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from "@bosun/api";
import type { ApiClient } from "@bosun/client";

export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

export interface Handle {
  listers: VolumeListers;
  client: ApiClient;
}
