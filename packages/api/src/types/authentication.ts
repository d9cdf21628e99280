// authentication.k8s.io/v1 TokenRequest: the body and answer of
// POST .../serviceaccounts/{name}/token, which issues a signed token for the
// service account, bound, if asked, to a pod so that it dies with the pod.
import { Type, type Static } from "@sinclair/typebox";
import { Int64 } from "./integers.js";
import { kindSchema, Time, strict } from "./meta.js";

/** The object a token is bound to: Bosun binds to pods (Kubernetes also to Secrets and Nodes). */
export const BoundObjectReference = Type.Object(
  {
    kind: Type.Optional(Type.String()),
    apiVersion: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
  },
  strict,
);
export type BoundObjectReference = Static<typeof BoundObjectReference>;

export const TokenRequestSpec = Type.Object(
  {
    /** Who the token is for; empty: the API server's own audiences. */
    audiences: Type.Optional(Type.Array(Type.String())),
    expirationSeconds: Type.Optional(Int64()),
    boundObjectRef: Type.Optional(BoundObjectReference),
  },
  strict,
);
export type TokenRequestSpec = Static<typeof TokenRequestSpec>;

export const TokenRequestStatus = Type.Object({ token: Type.String(), expirationTimestamp: Time }, strict);
export type TokenRequestStatus = Static<typeof TokenRequestStatus>;

export const TokenRequest = kindSchema("authentication.k8s.io/v1", "TokenRequest", {
  spec: TokenRequestSpec,
  status: Type.Optional(TokenRequestStatus),
});
export type TokenRequest = Static<typeof TokenRequest>;

/** Kubernetes' bounds on a requested token's life (ValidateTokenRequest) and its default (SetDefaults_TokenRequestSpec). */
export const minTokenExpirationSeconds = 10 * 60;
export const maxTokenExpirationSeconds = 2 ** 32;
export const defaultTokenExpirationSeconds = 60 * 60;
