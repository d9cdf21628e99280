// core/v1 ReplicationController: the ReplicaSet's predecessor, with an equality-only
// selector (a map of labels) that defaults to the template's labels. Its controller
// is the ReplicaSet controller's (controllers/src/replicaset), as in Kubernetes.
import { Type, type Static } from "@sinclair/typebox";
import { Int32, Int64 } from "./integers.js";
import { ConditionStatus, PodTemplateSpec } from "./core.js";
import { kindSchema, strict, Time } from "./meta.js";

export const ReplicationControllerSpec = Type.Object(
  {
    replicas: Type.Optional(Int32()),
    minReadySeconds: Type.Optional(Int32()),
    /** Pods with all these labels are the controller's; defaults to the template's labels. */
    selector: Type.Optional(Type.Record(Type.String(), Type.String())),
    template: Type.Optional(PodTemplateSpec),
  },
  strict,
);
export type ReplicationControllerSpec = Static<typeof ReplicationControllerSpec>;

export const ReplicationControllerCondition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    lastTransitionTime: Type.Optional(Time),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  strict,
);
export type ReplicationControllerCondition = Static<typeof ReplicationControllerCondition>;

export const ReplicationControllerStatus = Type.Object(
  {
    replicas: Int32(),
    fullyLabeledReplicas: Type.Optional(Int32()),
    readyReplicas: Type.Optional(Int32()),
    availableReplicas: Type.Optional(Int32()),
    observedGeneration: Type.Optional(Int64()),
    conditions: Type.Optional(Type.Array(ReplicationControllerCondition)),
  },
  strict,
);
export type ReplicationControllerStatus = Static<typeof ReplicationControllerStatus>;

export const ReplicationController = kindSchema("v1", "ReplicationController", {
  spec: ReplicationControllerSpec,
  status: Type.Optional(ReplicationControllerStatus),
});
export type ReplicationController = Static<typeof ReplicationController>;
