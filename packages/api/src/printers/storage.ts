// The PersistentVolume, PersistentVolumeClaim and StorageClass tables, as
// Kubernetes' printPersistentVolume, printPersistentVolumeClaim and
// printStorageClass compute them, and the helpers kubectl's describers share
// with them (access modes as RWO,ROX,RWX,RWOP; a volume's or claim's class).
import type { KubeObject } from "../types/meta.js";
import {
  type PersistentVolume,
  type PersistentVolumeAccessMode,
  type PersistentVolumeClaim,
} from "../types/persistent-volumes.js";
import { isDefaultStorageClass, persistentVolumeClaimClass, persistentVolumeClass } from "../storage-classes.js";
import type { StorageClass } from "../types/storage.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, type Printer } from "./columns.js";

/** Bosun serves no VolumeAttributesClasses, so the column Kubernetes prints for them is always unset. */
const unset = "<unset>";

const accessModeAbbreviations: [PersistentVolumeAccessMode, string][] = [
  ["ReadWriteOnce", "RWO"],
  ["ReadOnlyMany", "ROX"],
  ["ReadWriteMany", "RWX"],
  ["ReadWriteOncePod", "RWOP"],
];

/** GetAccessModesAsString: "RWO,ROX", always in that order, each once. */
export function accessModesText(modes: readonly PersistentVolumeAccessMode[] | undefined): string {
  return accessModeAbbreviations
    .filter(([mode]) => modes?.includes(mode))
    .map(([, short]) => short)
    .join(",");
}

/** "Terminating" for an object being deleted, else its phase: the STATUS of volumes and claims. */
function phaseText(obj: KubeObject, phase: string | undefined): string {
  return obj.metadata.deletionTimestamp ? "Terminating" : (phase ?? "");
}

export const persistentVolumePrinter: Printer<PersistentVolume> = {
  columns: [
    nameColumn,
    column("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    column("Access Modes", "string", "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
    column(
      "Reclaim Policy",
      "string",
      "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming",
    ),
    column("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
    column(
      "Claim",
      "string",
      "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding",
    ),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
    ageColumn,
    column(
      "VolumeMode",
      "string",
      "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.",
      { priority: 1 },
    ),
  ],
  cells: (pv, now) => {
    const claim = pv.spec?.claimRef;
    return [
      pv.metadata.name ?? "",
      String(pv.spec?.capacity?.storage ?? ""),
      accessModesText(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? "",
      phaseText(pv, pv.status?.phase),
      claim ? `${claim.namespace ?? ""}/${claim.name ?? ""}` : "",
      persistentVolumeClass(pv),
      unset,
      pv.status?.reason ?? "",
      age(pv.metadata.creationTimestamp, now),
      pv.spec?.volumeMode ?? unset,
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer<PersistentVolumeClaim> = {
  columns: [
    nameColumn,
    column("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
    column("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
    column("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
    column(
      "Access Modes",
      "string",
      "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
    ),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    ageColumn,
    column(
      "VolumeMode",
      "string",
      "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.",
      { priority: 1 },
    ),
  ],
  cells: (pvc, now) => {
    // Capacity and access modes are the bound volume's, so an unbound claim shows neither.
    const bound = (pvc.spec?.volumeName ?? "") !== "";
    return [
      pvc.metadata.name ?? "",
      phaseText(pvc, pvc.status?.phase),
      pvc.spec?.volumeName ?? "",
      bound ? String(pvc.status?.capacity?.storage ?? "") : "",
      bound ? accessModesText(pvc.status?.accessModes) : "",
      persistentVolumeClaimClass(pvc),
      unset,
      age(pvc.metadata.creationTimestamp, now),
      pvc.spec?.volumeMode ?? unset,
    ];
  },
};

export const storageClassPrinter: Printer<StorageClass> = {
  columns: [
    nameColumn,
    column("Provisioner", "string", "provisioner indicates the type of the provisioner."),
    column("ReclaimPolicy", "string", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
    column(
      "VolumeBindingMode",
      "string",
      "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.",
    ),
    column("AllowVolumeExpansion", "string", "allowVolumeExpansion shows whether the storage class allow volume expand."),
    ageColumn,
  ],
  cells: (sc, now) => [
    `${sc.metadata.name ?? ""}${isDefaultStorageClass(sc) ? " (default)" : ""}`,
    sc.provisioner,
    sc.reclaimPolicy ?? "Delete",
    sc.volumeBindingMode ?? "Immediate",
    sc.allowVolumeExpansion ?? false,
    age(sc.metadata.creationTimestamp, now),
  ],
};
