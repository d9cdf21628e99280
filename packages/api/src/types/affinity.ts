// Where a pod may and would rather run, as k8s.io/api/core/v1 says it: node
// selectors (also a PersistentVolume's node affinity), the pod's node affinity and
// inter-pod (anti-)affinity, topology spread constraints and scheduling gates.
// Fields follow Kubernetes exactly; the scheduler's plugins give them meaning.
// This file imports nothing from core.ts (which re-exports the node selectors), so
// the PodSpec there can use these schemas without a cycle.
import { Type, type Static } from "@sinclair/typebox";
import { Int32 } from "./integers.js";
import { LabelSelectorSchema, strict } from "./meta.js";

// ---- Node selectors ----

export const NodeSelectorOperator = Type.Union([
  Type.Literal("In"),
  Type.Literal("NotIn"),
  Type.Literal("Exists"),
  Type.Literal("DoesNotExist"),
  Type.Literal("Gt"),
  Type.Literal("Lt"),
]);
export type NodeSelectorOperator = Static<typeof NodeSelectorOperator>;

/** A node's label (matchExpressions) or field (matchFields, only metadata.name) compared with values. */
export const NodeSelectorRequirement = Type.Object(
  { key: Type.String(), operator: NodeSelectorOperator, values: Type.Optional(Type.Array(Type.String())) },
  strict,
);
export type NodeSelectorRequirement = Static<typeof NodeSelectorRequirement>;

/** Requirements that must all hold. */
export const NodeSelectorTerm = Type.Object(
  {
    matchExpressions: Type.Optional(Type.Array(NodeSelectorRequirement)),
    matchFields: Type.Optional(Type.Array(NodeSelectorRequirement)),
  },
  strict,
);
export type NodeSelectorTerm = Static<typeof NodeSelectorTerm>;

/** Terms of which at least one must hold. */
export const NodeSelector = Type.Object({ nodeSelectorTerms: Type.Array(NodeSelectorTerm) }, strict);
export type NodeSelector = Static<typeof NodeSelector>;

// ---- Node affinity ----

/** A term the scheduler prefers, worth `weight` (1-100) on the nodes that satisfy it. */
export const PreferredSchedulingTerm = Type.Object({ weight: Int32(), preference: NodeSelectorTerm }, strict);
export type PreferredSchedulingTerm = Static<typeof PreferredSchedulingTerm>;

export const NodeAffinity = Type.Object(
  {
    requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(NodeSelector),
    preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(PreferredSchedulingTerm)),
  },
  strict,
);
export type NodeAffinity = Static<typeof NodeAffinity>;

// ---- Inter-pod affinity ----

/**
 * The pods (labelSelector, in namespaces and/or namespaceSelector) whose topology
 * domain (the value of the node label topologyKey) the pod should share, or avoid.
 * matchLabelKeys and mismatchLabelKeys add "key in/notin (the pod's own value)".
 */
export const PodAffinityTerm = Type.Object(
  {
    labelSelector: Type.Optional(LabelSelectorSchema),
    namespaces: Type.Optional(Type.Array(Type.String())),
    topologyKey: Type.String(),
    namespaceSelector: Type.Optional(LabelSelectorSchema),
    matchLabelKeys: Type.Optional(Type.Array(Type.String())),
    mismatchLabelKeys: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);
export type PodAffinityTerm = Static<typeof PodAffinityTerm>;

export const WeightedPodAffinityTerm = Type.Object({ weight: Int32(), podAffinityTerm: PodAffinityTerm }, strict);
export type WeightedPodAffinityTerm = Static<typeof WeightedPodAffinityTerm>;

export const PodAffinity = Type.Object(
  {
    requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(PodAffinityTerm)),
    preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(WeightedPodAffinityTerm)),
  },
  strict,
);
export type PodAffinity = Static<typeof PodAffinity>;

export const PodAntiAffinity = Type.Object(
  {
    requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(PodAffinityTerm)),
    preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(Type.Array(WeightedPodAffinityTerm)),
  },
  strict,
);
export type PodAntiAffinity = Static<typeof PodAntiAffinity>;

export const Affinity = Type.Object(
  {
    nodeAffinity: Type.Optional(NodeAffinity),
    podAffinity: Type.Optional(PodAffinity),
    podAntiAffinity: Type.Optional(PodAntiAffinity),
  },
  strict,
);
export type Affinity = Static<typeof Affinity>;

// ---- Topology spread ----

export const UnsatisfiableConstraintAction = Type.Union([Type.Literal("DoNotSchedule"), Type.Literal("ScheduleAnyway")]);
export type UnsatisfiableConstraintAction = Static<typeof UnsatisfiableConstraintAction>;

/** Whether a node's affinity or taints decide if it counts as a domain of a spread constraint. */
export const NodeInclusionPolicy = Type.Union([Type.Literal("Honor"), Type.Literal("Ignore")]);
export type NodeInclusionPolicy = Static<typeof NodeInclusionPolicy>;

export const TopologySpreadConstraint = Type.Object(
  {
    maxSkew: Int32(),
    topologyKey: Type.String(),
    whenUnsatisfiable: UnsatisfiableConstraintAction,
    labelSelector: Type.Optional(LabelSelectorSchema),
    minDomains: Type.Optional(Int32()),
    nodeAffinityPolicy: Type.Optional(NodeInclusionPolicy),
    nodeTaintsPolicy: Type.Optional(NodeInclusionPolicy),
    matchLabelKeys: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);
export type TopologySpreadConstraint = Static<typeof TopologySpreadConstraint>;

// ---- Scheduling gates ----

/** While a pod has any, the scheduler leaves it alone; they may only be removed. */
export const PodSchedulingGate = Type.Object({ name: Type.String() }, strict);
export type PodSchedulingGate = Static<typeof PodSchedulingGate>;
