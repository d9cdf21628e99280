// Service-account tokens, as kube-apiserver makes and checks them
// (pkg/serviceaccount): a JWT signed with the cluster's service-account key, its
// issuer the API's (--service-account-issuer), subject
// system:serviceaccount:NS:NAME, and Kubernetes' private claims under
// "kubernetes.io" (namespace, the account's name and uid, and the pod, with its
// node, a token is bound to). A token passes while it is within its lifetime, is
// for one of the API's audiences, its account still exists with the same uid and,
// when bound to a pod, that pod still exists with the same uid (a minute's leeway
// after its deletion time, as Kubernetes allows).
import { randomUUID } from "node:crypto";
import { mustResource, type KubeObject, type Node, type Pod, type ServiceAccount } from "@bosun/api";
import type { Identity, ServiceAccountTokenSigner, ServiceAccountTokenVerifier } from "@bosun/pki";
import { StatusError } from "../errors.js";
import type { Registry } from "../registry/registry.js";

/** kubeadm's --service-account-issuer, which is also the API's audience unless told otherwise. */
export const defaultServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local";

export const serviceAccountUserPrefix = "system:serviceaccount:";
export const serviceAccountsGroup = "system:serviceaccounts";
export const authenticatedGroup = "system:authenticated";

/** The user name of an account: system:serviceaccount:NS:NAME. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `${serviceAccountUserPrefix}${namespace}:${name}`;
}

/** What an account's token is worth: its user, and the groups Kubernetes gives every account. */
export function serviceAccountIdentity(namespace: string, name: string): Identity {
  return { user: serviceAccountUser(namespace, name), groups: [serviceAccountsGroup, `${serviceAccountsGroup}:${namespace}`, authenticatedGroup] };
}

interface Ref {
  name: string;
  uid: string;
}

/** Kubernetes' private claims ("kubernetes.io"). */
export interface KubernetesClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  node?: Ref;
}

export interface ServiceAccountTokenSettings {
  /** --service-account-issuer: the `iss` of every token. */
  issuer: string;
  /** The audiences the API accepts, and a token's when its request names none. */
  audiences: string[];
  /** Signs new tokens; absent in an apiserver that only checks them. */
  signer?: ServiceAccountTokenSigner;
  /** Checks tokens against the public keys of every master's signing key. */
  verifier: ServiceAccountTokenVerifier;
  now?: () => Date;
}

export interface TokenClaimsInput {
  account: ServiceAccount;
  pod?: Pod;
  node?: Node;
  audiences: string[];
  expirationSeconds: number;
  now: Date;
}

/** The claims of a token (Kubernetes' serviceaccount.Claims). */
export function tokenClaims(issuer: string, input: TokenClaimsInput): Record<string, unknown> {
  const { account, pod, node } = input;
  const namespace = account.metadata.namespace ?? "";
  const iat = Math.floor(input.now.getTime() / 1000);
  const kubernetes: KubernetesClaims = {
    namespace,
    serviceaccount: { name: account.metadata.name ?? "", uid: account.metadata.uid ?? "" },
    ...(pod ? { pod: { name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" } } : {}),
    ...(pod && node ? { node: { name: node.metadata.name ?? "", uid: node.metadata.uid ?? "" } } : {}),
  };
  return {
    iss: issuer,
    sub: serviceAccountUser(namespace, account.metadata.name ?? ""),
    aud: input.audiences,
    exp: iat + input.expirationSeconds,
    iat,
    nbf: iat,
    jti: randomUUID(),
    "kubernetes.io": kubernetes,
  };
}

const leewayMs = 60_000;

/** Bearer tokens that are service-account JWTs: the identity of a valid one, undefined for any other. */
export class ServiceAccountTokenAuthenticator {
  constructor(
    private readonly settings: ServiceAccountTokenSettings,
    private readonly registry: Registry,
  ) {}

  async authenticate(token: string): Promise<Identity | undefined> {
    const now = this.settings.now?.() ?? new Date();
    let payload: Record<string, unknown>;
    try {
      payload = await this.settings.verifier.verify(token, { issuer: this.settings.issuer, audiences: this.settings.audiences, now });
    } catch {
      return undefined;
    }
    const claims = kubernetesClaims(payload);
    if (claims === undefined) return undefined;
    const account = await this.lookup<ServiceAccount>("serviceaccounts", claims.namespace, claims.serviceaccount.name);
    if (!account || account.metadata.uid !== claims.serviceaccount.uid || account.metadata.deletionTimestamp) return undefined;
    if (claims.pod !== undefined) {
      const pod = await this.lookup<Pod>("pods", claims.namespace, claims.pod.name);
      if (!pod || pod.metadata.uid !== claims.pod.uid) return undefined;
      const deletion = pod.metadata.deletionTimestamp;
      if (deletion && Date.parse(deletion) < now.getTime() - leewayMs) return undefined;
    }
    return serviceAccountIdentity(claims.namespace, claims.serviceaccount.name);
  }

  /** The object, from the watch cache when it has it; undefined when it does not exist. */
  private async lookup<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.registry.get(mustResource(resource), namespace, name, true)) as T;
    } catch (err) {
      if (err instanceof StatusError && err.status.code === 404) return undefined;
      throw err;
    }
  }
}

function isRef(value: unknown): value is Ref {
  return typeof value === "object" && value !== null && typeof (value as Ref).name === "string" && typeof (value as Ref).uid === "string";
}

/** The private claims of a token this cluster signed, undefined when they are not there or not whole. */
export function kubernetesClaims(payload: Record<string, unknown>): KubernetesClaims | undefined {
  const k = payload["kubernetes.io"] as Partial<KubernetesClaims> | undefined;
  if (typeof k !== "object" || k === null || typeof k.namespace !== "string" || !isRef(k.serviceaccount)) return undefined;
  if (k.pod !== undefined && !isRef(k.pod)) return undefined;
  if (payload.sub !== serviceAccountUser(k.namespace, k.serviceaccount.name)) return undefined;
  return k as KubernetesClaims;
}
