// core/v1 ServiceAccount: an identity for processes that run in pods. Its tokens
// come from the TokenRequest subresource (types/authentication.ts); `secrets`
// and `imagePullSecrets` are references, as Kubernetes keeps them.
import { Type, type Static } from "@sinclair/typebox";
import { kindSchema } from "./meta.js";
import { ObjectReference } from "./core.js";
import { LocalObjectReference } from "./volumes.js";

export const ServiceAccount = kindSchema("v1", "ServiceAccount", {
  /** Secrets pods of this account may use (only with the kubernetes.io/enforce-mountable-secrets annotation does it limit them). */
  secrets: Type.Optional(Type.Array(ObjectReference)),
  /** Given to pods of this account that name no imagePullSecrets of their own. */
  imagePullSecrets: Type.Optional(Type.Array(LocalObjectReference)),
  /** Whether pods of this account get a token volume unless they say otherwise. */
  automountServiceAccountToken: Type.Optional(Type.Boolean()),
});
export type ServiceAccount = Static<typeof ServiceAccount>;

/** The account a pod runs as when it names none, and the one the serviceaccount controller keeps in every namespace. */
export const defaultServiceAccountName = "default";

/** Where every container of a pod finds its account's token, the cluster CA and its namespace. */
export const serviceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The ConfigMap every namespace holds with the cluster CA (key ca.crt), made by the root-ca-cert-publisher. */
export const rootCaConfigMapName = "kube-root-ca.crt";
