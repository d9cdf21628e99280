// storage.k8s.io/v1 StorageClass, with k8s.io/api/storage/v1 field names: the
// class a claim names (or gets by default) and how its volumes are made.
import { Type, type Static } from "@sinclair/typebox";
import { kindSchema, StringMap } from "./meta.js";
import { PersistentVolumeReclaimPolicy } from "./persistent-volumes.js";

/** The annotation that makes a StorageClass the one claims without a class get. */
export const defaultStorageClassAnnotation = "storageclass.kubernetes.io/is-default-class";
/** Its beta spelling, which kubectl and the admission plugin still honour. */
export const betaDefaultStorageClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

/** Immediate: bind or provision when the claim is made; WaitForFirstConsumer: once a pod using it is scheduled. */
export const VolumeBindingMode = Type.Union([Type.Literal("Immediate"), Type.Literal("WaitForFirstConsumer")]);
export type VolumeBindingMode = Static<typeof VolumeBindingMode>;

export const StorageClass = kindSchema("storage.k8s.io/v1", "StorageClass", {
  provisioner: Type.String(),
  parameters: Type.Optional(StringMap),
  reclaimPolicy: Type.Optional(PersistentVolumeReclaimPolicy),
  mountOptions: Type.Optional(Type.Array(Type.String())),
  allowVolumeExpansion: Type.Optional(Type.Boolean()),
  volumeBindingMode: Type.Optional(VolumeBindingMode),
});
export type StorageClass = Static<typeof StorageClass>;
