// Who is asking: a client certificate signed by the cluster CA (CN = user, O =
// groups), else a bearer token — a static one from --token-auth-file or a
// bootstrap (join) token stored as a Secret, or a service account's signed token.
// Kubernetes' union authenticator tries them in the same order. A bad bearer token is a 401, never anonymous.
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { resourceByKind, unauthorized, type KubeObject } from "@bosun/api";
import {
  bootstrapTokenNamespace,
  bootstrapTokenSecretName,
  bootstrapTokenType,
  bootstrappersGroup,
  identityFromSubject,
  looksLikeJwt,
  parseBearer,
  secretsEqual,
  type Identity,
} from "@bosun/pki";
import { StatusError } from "../errors.js";
import type { Registry } from "../registry/registry.js";
import type { ServiceAccountTokenAuthenticator } from "./service-account-tokens.js";

export interface AuthenticatorOptions {
  registry: Registry;
  staticTokens?: Map<string, Identity>;
  /** Service-account JWTs (service-account-tokens.ts). */
  serviceAccountTokens?: ServiceAccountTokenAuthenticator;
  now?: () => Date;
}

interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

function decode(data: Record<string, string> | undefined, key: string): string | undefined {
  const v = data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

export class Authenticator {
  constructor(private readonly opts: AuthenticatorOptions) {}

  /** The requester's identity; undefined for an anonymous request; a 401 StatusError for bad credentials. */
  async authenticate(socket: Socket, authorization: string | undefined): Promise<Identity | undefined> {
    const tls = socket as TLSSocket;
    if (tls.encrypted && tls.authorized) {
      const peer = tls.getPeerCertificate();
      if (peer?.subject) {
        const identity = identityFromSubject(peer.subject as unknown as Record<string, string | string[]>);
        if (identity.user !== "") return identity;
      }
    }
    if (authorization === undefined) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new StatusError(unauthorized());
    const token = m[1]!;
    const fromFile = this.opts.staticTokens?.get(token);
    if (fromFile) return fromFile;
    const bootstrap = await this.bootstrapIdentity(token);
    if (bootstrap) return bootstrap;
    if (this.opts.serviceAccountTokens && looksLikeJwt(token)) {
      const account = await this.opts.serviceAccountTokens.authenticate(token);
      if (account) return account;
    }
    throw new StatusError(unauthorized());
  }

  /** kubeadm's bootstrap token authenticator: `<id>.<secret>` against Secret kube-system/bootstrap-token-<id>. */
  private async bootstrapIdentity(token: string): Promise<Identity | undefined> {
    const parsed = parseBearer(token);
    const secrets = resourceByKind("v1", "Secret");
    if (!parsed || !secrets) return undefined;
    let secret: SecretObject;
    try {
      secret = (await this.opts.registry.get(secrets, bootstrapTokenNamespace, bootstrapTokenSecretName(parsed.id), false)) as SecretObject;
    } catch {
      return undefined;
    }
    if (secret.type !== bootstrapTokenType || secret.metadata.deletionTimestamp) return undefined;
    const stored = decode(secret.data, "token-secret");
    if (stored === undefined || !secretsEqual(stored, parsed.secret)) return undefined;
    if (decode(secret.data, "usage-bootstrap-authentication") !== "true") return undefined;
    const expiration = decode(secret.data, "expiration");
    if (expiration !== undefined && Date.parse(expiration) <= (this.opts.now?.() ?? new Date()).getTime()) return undefined;
    const extra = (decode(secret.data, "auth-extra-groups") ?? "").split(",").map((g) => g.trim()).filter((g) => g.startsWith("system:bootstrappers:"));
    return { user: `system:bootstrap:${parsed.id}`, groups: [bootstrappersGroup, ...extra] };
  }
}
