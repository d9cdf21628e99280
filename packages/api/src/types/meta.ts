// Object metadata, lists, watch events and Status: the parts every kind shares.
// Each schema is the single source of truth for its type: the TypeScript type is
// derived from it, and the apiserver validates request bodies against it, so an
// unknown field is refused by path rather than silently dropped.
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { Int32, Int64 } from "./integers.js";

/** Objects refuse fields they do not know, as Kubernetes' strict field validation does. */
export const strict = { additionalProperties: false } as const;

export const StringMap = Type.Record(Type.String(), Type.String());
export type StringMap = Static<typeof StringMap>;

/** RFC 3339 timestamp, as Kubernetes serialises metav1.Time. */
export const Time = Type.String({ format: "date-time" });

export const OwnerReference = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    uid: Type.String(),
    controller: Type.Optional(Type.Boolean()),
    blockOwnerDeletion: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type OwnerReference = Static<typeof OwnerReference>;

/**
 * Who set which fields (server-side apply's field management). Every field is
 * optional, as in Kubernetes: a request may send `[{}]` to clear the list.
 */
export const ManagedFieldsEntry = Type.Object(
  {
    manager: Type.Optional(Type.String()),
    operation: Type.Optional(Type.Union([Type.Literal("Apply"), Type.Literal("Update")])),
    apiVersion: Type.Optional(Type.String()),
    time: Type.Optional(Time),
    fieldsType: Type.Optional(Type.Literal("FieldsV1")),
    fieldsV1: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    subresource: Type.Optional(Type.String()),
  },
  strict,
);
export type ManagedFieldsEntry = Static<typeof ManagedFieldsEntry>;

export const ObjectMeta = Type.Object(
  {
    name: Type.Optional(Type.String()),
    generateName: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    generation: Type.Optional(Int64()),
    creationTimestamp: Type.Optional(Type.Union([Time, Type.Null()])),
    deletionTimestamp: Type.Optional(Type.Union([Time, Type.Null()])),
    deletionGracePeriodSeconds: Type.Optional(Int64()),
    labels: Type.Optional(StringMap),
    annotations: Type.Optional(StringMap),
    ownerReferences: Type.Optional(Type.Array(OwnerReference)),
    finalizers: Type.Optional(Type.Array(Type.String())),
    managedFields: Type.Optional(Type.Array(ManagedFieldsEntry)),
    selfLink: Type.Optional(Type.String()),
  },
  strict,
);
export type ObjectMeta = Static<typeof ObjectMeta>;

/** metav1.LabelSelector: matchLabels AND matchExpressions; empty selects everything. */
export const LabelSelectorRequirementSchema = Type.Object(
  {
    key: Type.String(),
    operator: Type.Union([Type.Literal("In"), Type.Literal("NotIn"), Type.Literal("Exists"), Type.Literal("DoesNotExist")]),
    values: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);
export const LabelSelectorSchema = Type.Object(
  {
    matchLabels: Type.Optional(StringMap),
    matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirementSchema)),
  },
  strict,
);
export type LabelSelectorSpec = Static<typeof LabelSelectorSchema>;

/** intstr.IntOrString: 1 or "25%". */
export const IntOrString = Type.Union([Int32(), Type.String()]);
export type IntOrString = Static<typeof IntOrString>;

/** resource.Quantity: "500m", "1", 2, "64Mi". Parsed by quantity.ts. */
export const Quantity = Type.Union([Type.String(), Type.Number()]);
export type Quantity = Static<typeof Quantity>;

export const ListMeta = Type.Object(
  {
    resourceVersion: Type.Optional(Type.String()),
    continue: Type.Optional(Type.String()),
    remainingItemCount: Type.Optional(Int64()),
    selfLink: Type.Optional(Type.String()),
  },
  strict,
);
export type ListMeta = Static<typeof ListMeta>;

/** Every stored object: apiVersion, kind and metadata, whatever else it holds. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface KubeList<T extends KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  /** The object; for ERROR, a Status. */
  object: T;
}

export const StatusCause = Type.Object({
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
});
export type StatusCause = Static<typeof StatusCause>;

export const Status = Type.Object({
  apiVersion: Type.Literal("v1"),
  kind: Type.Literal("Status"),
  metadata: Type.Object({}),
  status: Type.Union([Type.Literal("Success"), Type.Literal("Failure")]),
  message: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  code: Int32(),
  details: Type.Optional(
    Type.Object({
      name: Type.Optional(Type.String()),
      group: Type.Optional(Type.String()),
      kind: Type.Optional(Type.String()),
      uid: Type.Optional(Type.String()),
      causes: Type.Optional(Type.Array(StatusCause)),
      retryAfterSeconds: Type.Optional(Int32()),
    }),
  ),
});
export type Status = Static<typeof Status>;

export const Preconditions = Type.Object(
  { uid: Type.Optional(Type.String()), resourceVersion: Type.Optional(Type.String()) },
  strict,
);

export const DeleteOptions = Type.Object(
  {
    apiVersion: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    gracePeriodSeconds: Type.Optional(Int64({ minimum: 0 })),
    preconditions: Type.Optional(Preconditions),
    propagationPolicy: Type.Optional(
      Type.Union([Type.Literal("Orphan"), Type.Literal("Background"), Type.Literal("Foreground")]),
    ),
    orphanDependents: Type.Optional(Type.Boolean()),
    dryRun: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);
export type DeleteOptions = Static<typeof DeleteOptions>;

/** Builds the schema of a top-level kind: apiVersion, kind, metadata and its own fields. */
export function kindSchema<P extends Record<string, TSchema>>(apiVersion: string, kind: string, props: P) {
  return Type.Object(
    {
      apiVersion: Type.Literal(apiVersion),
      kind: Type.Literal(kind),
      metadata: ObjectMeta,
      ...props,
    },
    strict,
  );
}
