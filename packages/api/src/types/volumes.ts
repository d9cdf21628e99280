// A pod's volumes and its containers' volume mounts, with k8s.io/api/core/v1 field
// names and nesting. The agent makes each volume a directory of its node and binds
// it into the containers that mount it (agent/src/volumes/): emptyDir (disk, or a
// tmpfs with medium Memory), hostPath, configMap, secret, downwardAPI, projected
// (configMap, secret and downwardAPI sources) and persistentVolumeClaim. The other
// sources Kubernetes knows are in the schema as objects of any content, so that
// validation refuses them by name, saying why, rather than as unknown fields.
// This file imports no other kind's types: the pod (core.ts) and the persistent
// volume (persistent-volumes.ts) both build on it.
import { Type, type Static, type TObject, type TOptional } from "@sinclair/typebox";
import { Int32, Int64 } from "./integers.js";
import { ObjectFieldSelector, ResourceFieldSelector } from "./env.js";
import { Quantity, strict } from "./meta.js";

// ---- sources shared with PersistentVolumes ----

/** What must be at a hostPath before the volume is mounted; "" checks nothing. */
export const HostPathType = Type.Union([
  Type.Literal(""),
  Type.Literal("BlockDevice"),
  Type.Literal("CharDevice"),
  Type.Literal("Directory"),
  Type.Literal("DirectoryOrCreate"),
  Type.Literal("File"),
  Type.Literal("FileOrCreate"),
  Type.Literal("Socket"),
]);
export type HostPathType = Static<typeof HostPathType>;

export const HostPathVolumeSource = Type.Object({ path: Type.String(), type: Type.Optional(HostPathType) }, strict);
export type HostPathVolumeSource = Static<typeof HostPathVolumeSource>;

/** The sources of Kubernetes' PersistentVolumeSource that Bosun's agents cannot mount. */
export const unsupportedVolumeSources = [
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "glusterfs",
  "nfs",
  "rbd",
  "iscsi",
  "cinder",
  "cephfs",
  "fc",
  "flocker",
  "flexVolume",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
] as const;

/** A pod's volume sources Bosun's agents cannot mount: the persistent ones above, and those only a pod has. */
export const unsupportedPodVolumeSources = [...unsupportedVolumeSources, "gitRepo", "ephemeral", "image"] as const;

/** An optional field of any content. */
export type OpenSource = TOptional<TObject>;

/**
 * Optional fields of any content for sources Bosun refuses by name. Each call
 * makes its own schema, not exported: an open object has no Kubernetes name of its
 * own in the OpenAPI documents.
 */
export function openSourceFields<const N extends string>(names: readonly N[], description: string): { [name in N]: OpenSource } {
  const open = Type.Object({}, { additionalProperties: true, description });
  return Object.fromEntries(names.map((name) => [name, Type.Optional(open)])) as { [name in N]: OpenSource };
}

// ---- a pod's own sources ----

/** A key of a ConfigMap or Secret as a file of the volume: at `path`, with `mode` (else the volume's defaultMode). */
export const KeyToPath = Type.Object({ key: Type.String(), path: Type.String(), mode: Type.Optional(Int32()) }, strict);
export type KeyToPath = Static<typeof KeyToPath>;

/** A directory that lives as long as the pod: on the node's disk, or a tmpfs with medium Memory. */
export const EmptyDirVolumeSource = Type.Object({ medium: Type.Optional(Type.String()), sizeLimit: Type.Optional(Quantity) }, strict);
export type EmptyDirVolumeSource = Static<typeof EmptyDirVolumeSource>;

/** A Secret's keys as files (all of them, or `items`), kept current; on a tmpfs, never on the node's disk. */
export const SecretVolumeSource = Type.Object(
  {
    secretName: Type.Optional(Type.String()),
    items: Type.Optional(Type.Array(KeyToPath)),
    defaultMode: Type.Optional(Int32()),
    optional: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type SecretVolumeSource = Static<typeof SecretVolumeSource>;

/** A ConfigMap's keys (data and binaryData) as files, kept current. */
export const ConfigMapVolumeSource = Type.Object(
  {
    name: Type.Optional(Type.String()),
    items: Type.Optional(Type.Array(KeyToPath)),
    defaultMode: Type.Optional(Int32()),
    optional: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type ConfigMapVolumeSource = Static<typeof ConfigMapVolumeSource>;

/** A field of the pod or a resource of one of its containers, as a file. */
export const DownwardAPIVolumeFile = Type.Object(
  {
    path: Type.String(),
    fieldRef: Type.Optional(ObjectFieldSelector),
    resourceFieldRef: Type.Optional(ResourceFieldSelector),
    mode: Type.Optional(Int32()),
  },
  strict,
);
export type DownwardAPIVolumeFile = Static<typeof DownwardAPIVolumeFile>;

export const DownwardAPIVolumeSource = Type.Object(
  { items: Type.Optional(Type.Array(DownwardAPIVolumeFile)), defaultMode: Type.Optional(Int32()) },
  strict,
);
export type DownwardAPIVolumeSource = Static<typeof DownwardAPIVolumeSource>;

export const ConfigMapProjection = Type.Object(
  { name: Type.Optional(Type.String()), items: Type.Optional(Type.Array(KeyToPath)), optional: Type.Optional(Type.Boolean()) },
  strict,
);
export type ConfigMapProjection = Static<typeof ConfigMapProjection>;

export const SecretProjection = Type.Object(
  { name: Type.Optional(Type.String()), items: Type.Optional(Type.Array(KeyToPath)), optional: Type.Optional(Type.Boolean()) },
  strict,
);
export type SecretProjection = Static<typeof SecretProjection>;

export const DownwardAPIProjection = Type.Object({ items: Type.Optional(Type.Array(DownwardAPIVolumeFile)) }, strict);
export type DownwardAPIProjection = Static<typeof DownwardAPIProjection>;

/**
 * A token of the pod's ServiceAccount, bound to the pod, as a file; the agent asks
 * the API for it (TokenRequest) and writes a new one before this one expires.
 */
export const ServiceAccountTokenProjection = Type.Object(
  { audience: Type.Optional(Type.String()), expirationSeconds: Type.Optional(Int64()), path: Type.String() },
  strict,
);
export type ServiceAccountTokenProjection = Static<typeof ServiceAccountTokenProjection>;

/** The projection sources Bosun cannot fill: there are no cluster trust bundles yet. */
export const unsupportedProjections = ["clusterTrustBundle"] as const;

/** One source of a projected volume: exactly one of these. */
export const VolumeProjection = Type.Object(
  {
    secret: Type.Optional(SecretProjection),
    downwardAPI: Type.Optional(DownwardAPIProjection),
    configMap: Type.Optional(ConfigMapProjection),
    serviceAccountToken: Type.Optional(ServiceAccountTokenProjection),
    ...openSourceFields(unsupportedProjections, "Not supported by Bosun yet (it has no cluster trust bundles): a projection that sets it is refused."),
  },
  strict,
);
export type VolumeProjection = Static<typeof VolumeProjection>;

/** Several sources' files in one directory. */
export const ProjectedVolumeSource = Type.Object(
  { sources: Type.Optional(Type.Array(VolumeProjection)), defaultMode: Type.Optional(Int32()) },
  strict,
);
export type ProjectedVolumeSource = Static<typeof ProjectedVolumeSource>;

/** The PersistentVolume bound to a claim of the pod's namespace. */
export const PersistentVolumeClaimVolumeSource = Type.Object({ claimName: Type.String(), readOnly: Type.Optional(Type.Boolean()) }, strict);
export type PersistentVolumeClaimVolumeSource = Static<typeof PersistentVolumeClaimVolumeSource>;

/** The sources of a pod's volume that Bosun's agents fill; a volume has exactly one. */
export const podVolumeSources = ["hostPath", "emptyDir", "secret", "persistentVolumeClaim", "downwardAPI", "configMap", "projected"] as const;

export const Volume = Type.Object(
  {
    name: Type.String(),
    hostPath: Type.Optional(HostPathVolumeSource),
    emptyDir: Type.Optional(EmptyDirVolumeSource),
    secret: Type.Optional(SecretVolumeSource),
    persistentVolumeClaim: Type.Optional(PersistentVolumeClaimVolumeSource),
    downwardAPI: Type.Optional(DownwardAPIVolumeSource),
    configMap: Type.Optional(ConfigMapVolumeSource),
    projected: Type.Optional(ProjectedVolumeSource),
    ...openSourceFields(
      unsupportedPodVolumeSources,
      "Not supported by Bosun, whose agents bind directories of the node into containers through Docker: a volume that sets it is refused.",
    ),
  },
  strict,
);
export type Volume = Static<typeof Volume>;

export const VolumeMount = Type.Object(
  {
    name: Type.String(),
    readOnly: Type.Optional(Type.Boolean()),
    mountPath: Type.String(),
    subPath: Type.Optional(Type.String()),
    /** How mounts under the mount point propagate; Bosun binds every volume privately ("None"). */
    mountPropagation: Type.Optional(Type.String()),
    subPathExpr: Type.Optional(Type.String()),
  },
  strict,
);
export type VolumeMount = Static<typeof VolumeMount>;

/** A Secret of the pod's namespace, by name (a pod's imagePullSecrets). */
export const LocalObjectReference = Type.Object({ name: Type.Optional(Type.String()) }, strict);
export type LocalObjectReference = Static<typeof LocalObjectReference>;
