// Defaults of PersistentVolumes, PersistentVolumeClaims and StorageClasses, as
// Kubernetes' SetDefaults_PersistentVolume, SetDefaults_PersistentVolumeClaim(Spec),
// SetDefaults_HostPathVolumeSource (pkg/apis/core/v1) and SetDefaults_StorageClass
// (pkg/apis/storage/v1) set them. Like the other defaults they tolerate malformed
// input: validation, not defaulting, reports problems.
import { isPlainObject, objectField } from "./objects.js";
import type { KubeObject } from "./types/meta.js";
import type {
  PersistentVolumeClaimSpec,
  PersistentVolumeClaimStatus,
  PersistentVolumeSpec,
  PersistentVolumeStatus,
} from "./types/persistent-volumes.js";
import type { StorageClass } from "./types/storage.js";

/** Fills in the defaults of the kinds this file knows; others are left alone. */
export function defaultStorage(kind: string, obj: KubeObject): void {
  switch (kind) {
    case "PersistentVolume":
      return defaultPersistentVolume(obj);
    case "PersistentVolumeClaim":
      return defaultPersistentVolumeClaim(obj);
    case "StorageClass":
      return defaultStorageClass(obj as StorageClass);
  }
}

function defaultPersistentVolume(pv: KubeObject): void {
  const spec = objectField<PersistentVolumeSpec>(pv, "spec");
  if (spec !== undefined) {
    spec.persistentVolumeReclaimPolicy ??= "Retain";
    spec.volumeMode ??= "Filesystem";
    if (isPlainObject(spec.hostPath)) spec.hostPath.type ??= "";
  }
  const status = objectField<PersistentVolumeStatus>(pv, "status");
  if (status !== undefined) status.phase ??= "Pending";
}

function defaultPersistentVolumeClaim(pvc: KubeObject): void {
  const spec = objectField<PersistentVolumeClaimSpec>(pvc, "spec");
  if (spec !== undefined) spec.volumeMode ??= "Filesystem";
  const status = objectField<PersistentVolumeClaimStatus>(pvc, "status");
  if (status !== undefined) status.phase ??= "Pending";
}

function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ??= "Delete";
  sc.volumeBindingMode ??= "Immediate";
}
