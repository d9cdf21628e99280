// apps/v1 kinds: ReplicaSet, Deployment, DaemonSet, StatefulSet, ControllerRevision. Field names and
// nesting follow k8s.io/api/apps/v1; what is not here is not supported and is
// refused by path (StatefulSet ordinals and scaleStrategy, for one).
import { Type, type Static } from "@sinclair/typebox";
import { Int32, Int64 } from "./integers.js";
import { ConditionStatus, PodTemplateSpec } from "./core.js";
import { IntOrString, kindSchema, LabelSelectorSchema, Time, strict } from "./meta.js";
import { PersistentVolumeClaim } from "./persistent-volumes.js";

/** The condition shape apps/v1 status uses (DeploymentCondition and friends). */
export const AppsCondition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    lastUpdateTime: Type.Optional(Time),
    lastTransitionTime: Type.Optional(Time),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  strict,
);
export type AppsCondition = Static<typeof AppsCondition>;

// ---- ReplicaSet ----

export const ReplicaSetSpec = Type.Object(
  {
    replicas: Type.Optional(Int32()),
    minReadySeconds: Type.Optional(Int32()),
    selector: LabelSelectorSchema,
    template: Type.Optional(PodTemplateSpec),
  },
  strict,
);
export type ReplicaSetSpec = Static<typeof ReplicaSetSpec>;

export const ReplicaSetStatus = Type.Object(
  {
    replicas: Int32(),
    fullyLabeledReplicas: Type.Optional(Int32()),
    readyReplicas: Type.Optional(Int32()),
    availableReplicas: Type.Optional(Int32()),
    observedGeneration: Type.Optional(Int64()),
    conditions: Type.Optional(Type.Array(AppsCondition)),
  },
  strict,
);
export type ReplicaSetStatus = Static<typeof ReplicaSetStatus>;

export const ReplicaSet = kindSchema("apps/v1", "ReplicaSet", {
  spec: ReplicaSetSpec,
  status: Type.Optional(ReplicaSetStatus),
});
export type ReplicaSet = Static<typeof ReplicaSet>;

// ---- Deployment ----

export const RollingUpdateDeployment = Type.Object(
  { maxUnavailable: Type.Optional(IntOrString), maxSurge: Type.Optional(IntOrString) },
  strict,
);

export const DeploymentStrategy = Type.Object(
  {
    type: Type.Optional(Type.Union([Type.Literal("RollingUpdate"), Type.Literal("Recreate")])),
    rollingUpdate: Type.Optional(RollingUpdateDeployment),
  },
  strict,
);
export type DeploymentStrategy = Static<typeof DeploymentStrategy>;

export const DeploymentSpec = Type.Object(
  {
    replicas: Type.Optional(Int32()),
    selector: LabelSelectorSchema,
    template: PodTemplateSpec,
    strategy: Type.Optional(DeploymentStrategy),
    minReadySeconds: Type.Optional(Int32()),
    revisionHistoryLimit: Type.Optional(Int32()),
    paused: Type.Optional(Type.Boolean()),
    progressDeadlineSeconds: Type.Optional(Int32()),
  },
  strict,
);
export type DeploymentSpec = Static<typeof DeploymentSpec>;

export const DeploymentStatus = Type.Object(
  {
    observedGeneration: Type.Optional(Int64()),
    replicas: Type.Optional(Int32()),
    updatedReplicas: Type.Optional(Int32()),
    readyReplicas: Type.Optional(Int32()),
    availableReplicas: Type.Optional(Int32()),
    unavailableReplicas: Type.Optional(Int32()),
    conditions: Type.Optional(Type.Array(AppsCondition)),
    collisionCount: Type.Optional(Int32()),
  },
  strict,
);
export type DeploymentStatus = Static<typeof DeploymentStatus>;

export const Deployment = kindSchema("apps/v1", "Deployment", {
  spec: DeploymentSpec,
  status: Type.Optional(DeploymentStatus),
});
export type Deployment = Static<typeof Deployment>;

// ---- DaemonSet ----

export const DaemonSetUpdateStrategy = Type.Object(
  {
    type: Type.Optional(Type.Union([Type.Literal("RollingUpdate"), Type.Literal("OnDelete")])),
    rollingUpdate: Type.Optional(
      Type.Object({ maxUnavailable: Type.Optional(IntOrString), maxSurge: Type.Optional(IntOrString) }, strict),
    ),
  },
  strict,
);

export const DaemonSetSpec = Type.Object(
  {
    selector: LabelSelectorSchema,
    template: PodTemplateSpec,
    updateStrategy: Type.Optional(DaemonSetUpdateStrategy),
    minReadySeconds: Type.Optional(Int32()),
    revisionHistoryLimit: Type.Optional(Int32()),
  },
  strict,
);
export type DaemonSetSpec = Static<typeof DaemonSetSpec>;

export const DaemonSetStatus = Type.Object(
  {
    currentNumberScheduled: Int32(),
    numberMisscheduled: Int32(),
    desiredNumberScheduled: Int32(),
    numberReady: Int32(),
    observedGeneration: Type.Optional(Int64()),
    updatedNumberScheduled: Type.Optional(Int32()),
    numberAvailable: Type.Optional(Int32()),
    numberUnavailable: Type.Optional(Int32()),
    collisionCount: Type.Optional(Int32()),
    conditions: Type.Optional(Type.Array(AppsCondition)),
  },
  strict,
);
export type DaemonSetStatus = Static<typeof DaemonSetStatus>;

export const DaemonSet = kindSchema("apps/v1", "DaemonSet", {
  spec: DaemonSetSpec,
  status: Type.Optional(DaemonSetStatus),
});
export type DaemonSet = Static<typeof DaemonSet>;

// ---- StatefulSet ----

export const StatefulSetUpdateStrategy = Type.Object(
  {
    type: Type.Optional(Type.Union([Type.Literal("RollingUpdate"), Type.Literal("OnDelete")])),
    rollingUpdate: Type.Optional(
      Type.Object({ partition: Type.Optional(Int32()), maxUnavailable: Type.Optional(IntOrString) }, strict),
    ),
  },
  strict,
);

// Literals in the order Kubernetes lists them in "supported values".
export const PersistentVolumeClaimRetentionPolicyType = Type.Union([Type.Literal("Retain"), Type.Literal("Delete")]);
export type PersistentVolumeClaimRetentionPolicyType = Static<typeof PersistentVolumeClaimRetentionPolicyType>;

/** What happens to the claims made from volumeClaimTemplates when the set is deleted or scaled down. */
export const StatefulSetPersistentVolumeClaimRetentionPolicy = Type.Object(
  {
    whenDeleted: Type.Optional(PersistentVolumeClaimRetentionPolicyType),
    whenScaled: Type.Optional(PersistentVolumeClaimRetentionPolicyType),
  },
  strict,
);
export type StatefulSetPersistentVolumeClaimRetentionPolicy = Static<typeof StatefulSetPersistentVolumeClaimRetentionPolicy>;

export const StatefulSetSpec = Type.Object(
  {
    replicas: Type.Optional(Int32()),
    selector: LabelSelectorSchema,
    template: PodTemplateSpec,
    serviceName: Type.Optional(Type.String()),
    podManagementPolicy: Type.Optional(Type.Union([Type.Literal("OrderedReady"), Type.Literal("Parallel")])),
    updateStrategy: Type.Optional(StatefulSetUpdateStrategy),
    revisionHistoryLimit: Type.Optional(Int32()),
    minReadySeconds: Type.Optional(Int32()),
    // Whole claims, as in Kubernetes; defaulting gives each its apiVersion and kind,
    // which manifests leave out.
    volumeClaimTemplates: Type.Optional(Type.Array(PersistentVolumeClaim)),
    persistentVolumeClaimRetentionPolicy: Type.Optional(StatefulSetPersistentVolumeClaimRetentionPolicy),
  },
  strict,
);
export type StatefulSetSpec = Static<typeof StatefulSetSpec>;

export const StatefulSetStatus = Type.Object(
  {
    observedGeneration: Type.Optional(Int64()),
    replicas: Int32(),
    readyReplicas: Type.Optional(Int32()),
    currentReplicas: Type.Optional(Int32()),
    updatedReplicas: Type.Optional(Int32()),
    availableReplicas: Type.Optional(Int32()),
    currentRevision: Type.Optional(Type.String()),
    updateRevision: Type.Optional(Type.String()),
    collisionCount: Type.Optional(Int32()),
    conditions: Type.Optional(Type.Array(AppsCondition)),
  },
  strict,
);
export type StatefulSetStatus = Static<typeof StatefulSetStatus>;

export const StatefulSet = kindSchema("apps/v1", "StatefulSet", {
  spec: StatefulSetSpec,
  status: Type.Optional(StatefulSetStatus),
});
export type StatefulSet = Static<typeof StatefulSet>;

// ---- ControllerRevision ----

/**
 * An immutable snapshot of a DaemonSet's or StatefulSet's pod template, numbered
 * by `revision`. `data` is what Kubernetes stores: the strategic merge patch
 * {"spec":{"template":{..., "$patch":"replace"}}} that puts the template back,
 * which is how kubectl's rollout history and undo read and apply it.
 */
export const ControllerRevision = kindSchema("apps/v1", "ControllerRevision", {
  data: Type.Optional(Type.Unknown()),
  revision: Int64(),
});
export type ControllerRevision = Static<typeof ControllerRevision>;

/** The label of a ControllerRevision holding its hash (history.ControllerRevisionHashLabel). */
export const controllerRevisionHashLabel = "controller.kubernetes.io/hash";

/** The label of DaemonSet and StatefulSet pods naming their revision (apps.ControllerRevisionHashLabelKey). */
export const podRevisionLabel = "controller-revision-hash";

/** The label of DaemonSet pods naming the DaemonSet's generation they were made from (extensions.DaemonSetTemplateGenerationKey, kept by Kubernetes though deprecated). */
export const podTemplateGenerationLabel = "pod-template-generation";
