// core/v1 PersistentVolume and PersistentVolumeClaim, with k8s.io/api/core/v1
// field names and nesting. Of the volume sources Kubernetes knows, Bosun's agents
// can give containers a directory of their node only (hostPath, local). The other
// sources are in the schema as objects of any content, so that validation refuses
// them by name, saying why, rather than as unknown fields.
import { Type, type Static } from "@sinclair/typebox";
import { ConditionStatus, NodeSelector, ObjectReference, ResourceList } from "./core.js";
import { kindSchema, LabelSelectorSchema, strict, Time } from "./meta.js";
import { TypedLocalObjectReference } from "./networking.js";
import { HostPathVolumeSource, openSourceFields, unsupportedVolumeSources } from "./volumes.js";

// A pod's volumes share the hostPath source and the list of sources Bosun refuses.
export { HostPathType, HostPathVolumeSource, unsupportedVolumeSources } from "./volumes.js";

/** The annotation that named a volume's or claim's class before spec.storageClassName; it still wins where set. */
export const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

/**
 * Storage object in use protection: the apiserver puts these finalizers on every new
 * claim and volume; the pvc-protection and pv-protection controllers remove them once
 * no pod uses the claim, or the volume is no longer Bound.
 */
export const pvcProtectionFinalizer = "kubernetes.io/pvc-protection";
export const pvProtectionFinalizer = "kubernetes.io/pv-protection";

// Literals in the order Kubernetes lists them in "supported values" (sorted).
export const PersistentVolumeAccessMode = Type.Union([
  Type.Literal("ReadOnlyMany"),
  Type.Literal("ReadWriteMany"),
  Type.Literal("ReadWriteOnce"),
  Type.Literal("ReadWriteOncePod"),
]);
export type PersistentVolumeAccessMode = Static<typeof PersistentVolumeAccessMode>;

export const PersistentVolumeReclaimPolicy = Type.Union([Type.Literal("Delete"), Type.Literal("Recycle"), Type.Literal("Retain")]);
export type PersistentVolumeReclaimPolicy = Static<typeof PersistentVolumeReclaimPolicy>;

export const PersistentVolumeMode = Type.Union([Type.Literal("Block"), Type.Literal("Filesystem")]);
export type PersistentVolumeMode = Static<typeof PersistentVolumeMode>;

/** A directory of one node; the volume's nodeAffinity names the node. */
export const LocalVolumeSource = Type.Object({ path: Type.String() }, strict);
export type LocalVolumeSource = Static<typeof LocalVolumeSource>;

export const VolumeNodeAffinity = Type.Object({ required: Type.Optional(NodeSelector) }, strict);
export type VolumeNodeAffinity = Static<typeof VolumeNodeAffinity>;

export const PersistentVolumeSpec = Type.Object(
  {
    capacity: Type.Optional(ResourceList),
    accessModes: Type.Optional(Type.Array(PersistentVolumeAccessMode)),
    claimRef: Type.Optional(ObjectReference),
    persistentVolumeReclaimPolicy: Type.Optional(PersistentVolumeReclaimPolicy),
    storageClassName: Type.Optional(Type.String()),
    mountOptions: Type.Optional(Type.Array(Type.String())),
    volumeMode: Type.Optional(PersistentVolumeMode),
    nodeAffinity: Type.Optional(VolumeNodeAffinity),
    hostPath: Type.Optional(HostPathVolumeSource),
    local: Type.Optional(LocalVolumeSource),
    ...openSourceFields(unsupportedVolumeSources, "Not supported by Bosun, whose agents mount hostPath and local volumes only: a volume that sets it is refused."),
  },
  strict,
);
export type PersistentVolumeSpec = Static<typeof PersistentVolumeSpec>;

export const PersistentVolumePhase = Type.Union([
  Type.Literal("Pending"),
  Type.Literal("Available"),
  Type.Literal("Bound"),
  Type.Literal("Released"),
  Type.Literal("Failed"),
]);
export type PersistentVolumePhase = Static<typeof PersistentVolumePhase>;

export const PersistentVolumeStatus = Type.Object(
  {
    phase: Type.Optional(PersistentVolumePhase),
    message: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    lastPhaseTransitionTime: Type.Optional(Type.Union([Time, Type.Null()])),
  },
  strict,
);
export type PersistentVolumeStatus = Static<typeof PersistentVolumeStatus>;

export const PersistentVolume = kindSchema("v1", "PersistentVolume", {
  spec: Type.Optional(PersistentVolumeSpec),
  status: Type.Optional(PersistentVolumeStatus),
});
export type PersistentVolume = Static<typeof PersistentVolume>;

// ---- PersistentVolumeClaim ----

export const VolumeResourceRequirements = Type.Object(
  { limits: Type.Optional(ResourceList), requests: Type.Optional(ResourceList) },
  strict,
);
export type VolumeResourceRequirements = Static<typeof VolumeResourceRequirements>;

/** An object to fill a new claim from, possibly in another namespace. */
export const TypedObjectReference = Type.Object(
  { apiGroup: Type.Optional(Type.String()), kind: Type.String(), name: Type.String(), namespace: Type.Optional(Type.String()) },
  strict,
);
export type TypedObjectReference = Static<typeof TypedObjectReference>;

export const PersistentVolumeClaimSpec = Type.Object(
  {
    accessModes: Type.Optional(Type.Array(PersistentVolumeAccessMode)),
    selector: Type.Optional(LabelSelectorSchema),
    resources: Type.Optional(VolumeResourceRequirements),
    volumeName: Type.Optional(Type.String()),
    storageClassName: Type.Optional(Type.String()),
    volumeMode: Type.Optional(PersistentVolumeMode),
    dataSource: Type.Optional(TypedLocalObjectReference),
    dataSourceRef: Type.Optional(TypedObjectReference),
  },
  strict,
);
export type PersistentVolumeClaimSpec = Static<typeof PersistentVolumeClaimSpec>;

export const PersistentVolumeClaimCondition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    lastProbeTime: Type.Optional(Type.Union([Time, Type.Null()])),
    lastTransitionTime: Type.Optional(Type.Union([Time, Type.Null()])),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  strict,
);
export type PersistentVolumeClaimCondition = Static<typeof PersistentVolumeClaimCondition>;

export const PersistentVolumeClaimPhase = Type.Union([Type.Literal("Pending"), Type.Literal("Bound"), Type.Literal("Lost")]);
export type PersistentVolumeClaimPhase = Static<typeof PersistentVolumeClaimPhase>;

export const PersistentVolumeClaimStatus = Type.Object(
  {
    phase: Type.Optional(PersistentVolumeClaimPhase),
    accessModes: Type.Optional(Type.Array(PersistentVolumeAccessMode)),
    capacity: Type.Optional(ResourceList),
    conditions: Type.Optional(Type.Array(PersistentVolumeClaimCondition)),
  },
  strict,
);
export type PersistentVolumeClaimStatus = Static<typeof PersistentVolumeClaimStatus>;

export const PersistentVolumeClaim = kindSchema("v1", "PersistentVolumeClaim", {
  spec: Type.Optional(PersistentVolumeClaimSpec),
  status: Type.Optional(PersistentVolumeClaimStatus),
});
export type PersistentVolumeClaim = Static<typeof PersistentVolumeClaim>;
