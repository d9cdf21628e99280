// The tokens of projected serviceAccountToken sources, after the kubelet's token
// manager (pkg/kubelet/token): the agent asks the API for a token of the pod's
// service account bound to the pod (TokenRequest), keeps it, and asks for a new
// one once 80% of its life has passed or it is 24 hours old, whichever is first,
// with up to 10 s of jitter so that a node's pods do not all ask at once. When the
// API cannot be reached, a token that has not expired yet is kept.
import type { Pod, ServiceAccountTokenProjection, TokenRequest } from "@bosun/api";
import { createLogger } from "@bosun/client";

const log = createLogger("agent/tokens");

/** Where tokens come from: the API's TokenRequest, with the node's credentials. */
export interface TokenSource {
  requestToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest>;
}

/** The kubelet's maxTTL and maxJitter. */
const maxTtlMs = 24 * 60 * 60 * 1000;
const maxJitterMs = 10_000;

interface Cached {
  podUid: string;
  request: TokenRequest;
}

export interface ServiceAccountTokenManagerOptions {
  now?: () => number;
  /** A fraction in [0, 1) of the jitter; Math.random by default. */
  random?: () => number;
}

export class ServiceAccountTokenManager {
  private readonly cache = new Map<string, Cached>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly source: TokenSource,
    opts: ServiceAccountTokenManagerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /** The token for the pod's projection: the kept one while it is fresh, else a new one. */
  async token(pod: Pod, projection: ServiceAccountTokenProjection): Promise<string> {
    this.dropExpired();
    const namespace = pod.metadata.namespace ?? "";
    const account = pod.spec.serviceAccountName ?? "";
    const request: TokenRequest = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: {},
      spec: {
        audiences: projection.audience ? [projection.audience] : [],
        ...(projection.expirationSeconds !== undefined ? { expirationSeconds: projection.expirationSeconds } : {}),
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" },
      },
    };
    const key = JSON.stringify([namespace, account, request.spec]);
    const kept = this.cache.get(key);
    if (kept && !this.requiresRefresh(kept.request)) return kept.request.status!.token;
    try {
      const answer = await this.source.requestToken(namespace, account, request);
      if (!answer.status?.token) throw new Error("the API answered without a token");
      this.cache.set(key, { podUid: pod.metadata.uid ?? "", request: answer });
      return answer.status.token;
    } catch (err) {
      const message = (err as Error).message;
      if (kept && !this.expired(kept.request)) {
        log.warn({ pod: `${namespace}/${pod.metadata.name ?? ""}`, serviceAccount: account, err: message }, "could not renew a service-account token; the current one is kept until it expires");
        return kept.request.status!.token;
      }
      throw new Error(`failed to fetch token: ${message}`);
    }
  }

  /** Forgets the pod's tokens (it has left the node). */
  forget(podUid: string): void {
    for (const [key, kept] of this.cache) if (kept.podUid === podUid) this.cache.delete(key);
  }

  /** The kubelet's requiresRefresh: past 80% of the token's life, or 24 hours after it was issued, less a jitter. */
  requiresRefresh(tr: TokenRequest): boolean {
    const seconds = tr.spec.expirationSeconds;
    const expires = Date.parse(tr.status?.expirationTimestamp ?? "");
    if (seconds === undefined || Number.isNaN(expires)) return true;
    const issued = expires - seconds * 1000;
    const jitter = Math.floor(this.random() * (maxJitterMs / 1000)) * 1000;
    const now = this.now();
    if (now > issued + maxTtlMs - jitter) return true;
    return now > expires - seconds * 200 - jitter;
  }

  private expired(tr: TokenRequest): boolean {
    const expires = Date.parse(tr.status?.expirationTimestamp ?? "");
    return Number.isNaN(expires) || this.now() >= expires;
  }

  private dropExpired(): void {
    for (const [key, kept] of this.cache) if (this.expired(kept.request)) this.cache.delete(key);
  }
}
