// A container's environment, with k8s.io/api/core/v1 field names and nesting:
// variables with a value or a source (a ConfigMap's or Secret's key, a field of the
// pod, a resource of a container), and whole ConfigMaps or Secrets imported under
// an optional prefix. The agent resolves them when it creates the container
// (agent/src/pod/env/), as the kubelet does.
import { Type, type Static } from "@sinclair/typebox";
import { Quantity, strict } from "./meta.js";

/** A key of a ConfigMap of the pod's namespace. `name` may be left out, as Kubernetes' LocalObjectReference allows (validation then refuses it). */
export const ConfigMapKeySelector = Type.Object(
  { name: Type.Optional(Type.String()), key: Type.String(), optional: Type.Optional(Type.Boolean()) },
  strict,
);
export type ConfigMapKeySelector = Static<typeof ConfigMapKeySelector>;

/** A key of a Secret of the pod's namespace. */
export const SecretKeySelector = Type.Object(
  { name: Type.Optional(Type.String()), key: Type.String(), optional: Type.Optional(Type.Boolean()) },
  strict,
);
export type SecretKeySelector = Static<typeof SecretKeySelector>;

/** A field of the pod (the downward API): "metadata.name", "metadata.labels['app']", "status.podIP", ... */
export const ObjectFieldSelector = Type.Object(
  { apiVersion: Type.Optional(Type.String()), fieldPath: Type.String() },
  strict,
);
export type ObjectFieldSelector = Static<typeof ObjectFieldSelector>;

/** A resource of a container ("limits.memory"), in units of `divisor` (default 1), rounded up. */
export const ResourceFieldSelector = Type.Object(
  { containerName: Type.Optional(Type.String()), resource: Type.String(), divisor: Type.Optional(Quantity) },
  strict,
);
export type ResourceFieldSelector = Static<typeof ResourceFieldSelector>;

/** Where a variable's value comes from: exactly one of the four. */
export const EnvVarSource = Type.Object(
  {
    fieldRef: Type.Optional(ObjectFieldSelector),
    resourceFieldRef: Type.Optional(ResourceFieldSelector),
    configMapKeyRef: Type.Optional(ConfigMapKeySelector),
    secretKeyRef: Type.Optional(SecretKeySelector),
  },
  strict,
);
export type EnvVarSource = Static<typeof EnvVarSource>;

export const EnvVar = Type.Object(
  {
    name: Type.String(),
    /** May reference earlier variables as $(NAME); $$ escapes a $. */
    value: Type.Optional(Type.String()),
    valueFrom: Type.Optional(EnvVarSource),
  },
  strict,
);
export type EnvVar = Static<typeof EnvVar>;

/** Every key of a ConfigMap's data as a variable. */
export const ConfigMapEnvSource = Type.Object(
  { name: Type.Optional(Type.String()), optional: Type.Optional(Type.Boolean()) },
  strict,
);
export type ConfigMapEnvSource = Static<typeof ConfigMapEnvSource>;

/** Every key of a Secret's data as a variable. */
export const SecretEnvSource = Type.Object(
  { name: Type.Optional(Type.String()), optional: Type.Optional(Type.Boolean()) },
  strict,
);
export type SecretEnvSource = Static<typeof SecretEnvSource>;

export const EnvFromSource = Type.Object(
  {
    /** Put before every key's name. */
    prefix: Type.Optional(Type.String()),
    configMapRef: Type.Optional(ConfigMapEnvSource),
    secretRef: Type.Optional(SecretEnvSource),
  },
  strict,
);
export type EnvFromSource = Static<typeof EnvFromSource>;
