// The remaining fields of Kubernetes 1.33's PodSpec and Container, with
// k8s.io/api/core/v1 names and nesting: hostAliases and os, which Bosun serves, and
// those it refuses. A refused field is in the schema, typed as Kubernetes types it,
// so that validation-pod-fields.ts refuses it by name, saying why, rather than as an
// unknown field that a client asking for fieldValidation=Ignore would see dropped.
import { Type, type Static } from "@sinclair/typebox";
import { strict } from "./meta.js";

/** Lines the agent adds to the pod's /etc/hosts: `ip` and its names. */
export const HostAlias = Type.Object(
  {
    ip: Type.String(),
    hostnames: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);
export type HostAlias = Static<typeof HostAlias>;

/** The pod's operating system; Bosun's nodes run Linux containers only. */
export const PodOS = Type.Object({ name: Type.String() }, strict);
export type PodOS = Static<typeof PodOS>;

/** A condition the pod's Ready condition also waits for (refused: see validation-pod-fields.ts). */
export const PodReadinessGate = Type.Object({ conditionType: Type.String() }, strict);
export type PodReadinessGate = Static<typeof PodReadinessGate>;

/** A DynamicResourceAllocation claim of the pod (refused). */
export const PodResourceClaim = Type.Object(
  {
    name: Type.String(),
    resourceClaimName: Type.Optional(Type.String()),
    resourceClaimTemplateName: Type.Optional(Type.String()),
  },
  strict,
);
export type PodResourceClaim = Static<typeof PodResourceClaim>;

/** A container's use of one of the pod's resource claims (refused). */
export const ResourceClaim = Type.Object({ name: Type.String(), request: Type.Optional(Type.String()) }, strict);
export type ResourceClaim = Static<typeof ResourceClaim>;

/** A block device of a claim given to a container (refused: Docker gets directories only). */
export const VolumeDevice = Type.Object({ name: Type.String(), devicePath: Type.String() }, strict);
export type VolumeDevice = Static<typeof VolumeDevice>;

/** How a container takes an in-place resize of one resource (refused: no in-place resize). */
export const ContainerResizePolicy = Type.Object({ resourceName: Type.String(), restartPolicy: Type.String() }, strict);
export type ContainerResizePolicy = Static<typeof ContainerResizePolicy>;

