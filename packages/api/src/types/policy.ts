// policy/v1 PodDisruptionBudget, with k8s.io/api/policy/v1 field names: how many
// of the pods a selector matches must stay up while they are disrupted on purpose
// (evictions, drains, preemption). The disruption controller writes the status;
// the eviction subresource reads it and records what it allows in disruptedPods.
import { Type, type Static } from "@sinclair/typebox";
import { Int32, Int64 } from "./integers.js";
import { ConditionStatus } from "./core.js";
import { IntOrString, kindSchema, LabelSelectorSchema, Time, strict } from "./meta.js";

/**
 * When an unhealthy (not Ready) pod may be evicted: IfHealthyBudget only while the
 * budget's healthy pods are enough, AlwaysAllow always. Unset means IfHealthyBudget.
 */
// Sorted, as Kubernetes lists them when it refuses another value ("supported values: ...").
export const UnhealthyPodEvictionPolicy = Type.Union([Type.Literal("AlwaysAllow"), Type.Literal("IfHealthyBudget")]);
export type UnhealthyPodEvictionPolicy = Static<typeof UnhealthyPodEvictionPolicy>;

export const PodDisruptionBudgetSpec = Type.Object(
  {
    /** At least this many (or this percentage) of the selected pods stay available. Exclusive with maxUnavailable. */
    minAvailable: Type.Optional(IntOrString),
    /** At most this many (or this percentage) of the expected pods may be unavailable. */
    maxUnavailable: Type.Optional(IntOrString),
    /** The pods of the budget; in policy/v1 an empty selector selects every pod of the namespace. */
    selector: Type.Optional(LabelSelectorSchema),
    unhealthyPodEvictionPolicy: Type.Optional(UnhealthyPodEvictionPolicy),
  },
  strict,
);
export type PodDisruptionBudgetSpec = Static<typeof PodDisruptionBudgetSpec>;

/** metav1.Condition, the shape policy/v1 (and newer APIs) use for conditions. */
export const MetaCondition = Type.Object(
  {
    type: Type.String(),
    status: ConditionStatus,
    observedGeneration: Type.Optional(Int64()),
    lastTransitionTime: Time,
    reason: Type.String(),
    message: Type.String(),
  },
  strict,
);
export type MetaCondition = Static<typeof MetaCondition>;

export const PodDisruptionBudgetStatus = Type.Object(
  {
    /** The generation of the spec this status was computed from; an eviction waits (429) until it catches up. */
    observedGeneration: Type.Optional(Int64()),
    /** Pods the eviction subresource let go, by name, with when; the controller drops an entry once the pod is deleting or after 2 minutes. */
    disruptedPods: Type.Optional(Type.Record(Type.String(), Time)),
    disruptionsAllowed: Type.Optional(Int32()),
    currentHealthy: Type.Optional(Int32()),
    desiredHealthy: Type.Optional(Int32()),
    expectedPods: Type.Optional(Int32()),
    conditions: Type.Optional(Type.Array(MetaCondition)),
  },
  strict,
);
export type PodDisruptionBudgetStatus = Static<typeof PodDisruptionBudgetStatus>;

export const PodDisruptionBudget = kindSchema("policy/v1", "PodDisruptionBudget", {
  spec: Type.Optional(PodDisruptionBudgetSpec),
  status: Type.Optional(PodDisruptionBudgetStatus),
});
export type PodDisruptionBudget = Static<typeof PodDisruptionBudget>;

/** The status condition that says whether the budget allows a disruption now. */
export const disruptionAllowedCondition = "DisruptionAllowed";
/** Reasons of that condition, as Kubernetes' policy/v1 names them. */
export const sufficientPodsReason = "SufficientPods";
export const insufficientPodsReason = "InsufficientPods";
export const syncFailedReason = "SyncFailed";

/** The StatusCause type of a 429 an eviction gets from a budget. */
export const disruptionBudgetCause = "DisruptionBudget";

/** The pod condition set on a pod about to be deleted by a disruption, and its reason when the eviction API does it. */
export const disruptionTargetCondition = "DisruptionTarget";
export const evictionByEvictionApiReason = "EvictionByEvictionAPI";

/** How long a disruptedPods entry protects the budget before the controller gives up on the pod's deletion. */
export const disruptedPodTimeoutMs = 2 * 60 * 1000;
