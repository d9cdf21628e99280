// Which StorageClass is the default, as Kubernetes' storage util and its
// DefaultStorageClass admission decide: a class annotated
// storageclass.kubernetes.io/is-default-class=true (or the beta spelling), the
// newest when several are, and which claims ask for a class at all.
import type { KubeObject } from "./types/meta.js";
import { betaStorageClassAnnotation, type PersistentVolume, type PersistentVolumeClaim } from "./types/persistent-volumes.js";
import { betaDefaultStorageClassAnnotation, defaultStorageClassAnnotation, type StorageClass } from "./types/storage.js";

/** IsDefaultAnnotation: a class claims without one get. */
export function isDefaultStorageClass(sc: KubeObject): boolean {
  const annotations = sc.metadata.annotations ?? {};
  return annotations[defaultStorageClassAnnotation] === "true" || annotations[betaDefaultStorageClassAnnotation] === "true";
}

/** GetDefaultClass: of the default classes, the most recently created (then the first by name); undefined when none is. */
export function defaultStorageClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const created = (sc: StorageClass) => Date.parse(sc.metadata.creationTimestamp ?? "") || 0;
  return classes
    .filter(isDefaultStorageClass)
    .sort((a, b) => created(b) - created(a) || ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1))[0];
}

/**
 * PersistentVolumeClaimHasClass: whether a claim names its class, by the beta
 * annotation or spec.storageClassName; "" names "no class" and counts.
 */
export function claimNamesClass(pvc: PersistentVolumeClaim): boolean {
  return pvc.metadata.annotations?.[betaStorageClassAnnotation] !== undefined || pvc.spec?.storageClassName !== undefined;
}

/** GetPersistentVolumeClass: the beta annotation first, then spec.storageClassName. */
export function persistentVolumeClass(pv: PersistentVolume): string {
  return pv.metadata.annotations?.[betaStorageClassAnnotation] ?? pv.spec?.storageClassName ?? "";
}

/** GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName. */
export function persistentVolumeClaimClass(pvc: PersistentVolumeClaim): string {
  return pvc.metadata.annotations?.[betaStorageClassAnnotation] ?? pvc.spec?.storageClassName ?? "";
}
