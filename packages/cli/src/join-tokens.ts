// Join tokens as the cluster stores them (Secret kube-system/bootstrap-token-<id>,
// kubeadm's form) and prints them (k3s's K10<CA hash>::<id>.<secret>).
import { mustResource, type KubeObject } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import { bootstrapTokenNamespace, bootstrapTokenSecretName, bootstrapTokenType, formatJoinToken, newJoinToken } from "@bosun/pki";

const b64 = (s: string) => Buffer.from(s).toString("base64");

export interface JoinTokenOptions {
  /** 0: the token never expires. */
  ttlMs: number;
  description?: string;
  now?: Date;
}

/** Creates a join token on the cluster and answers it in the form agents take. */
export async function createJoinToken(client: ApiClient, opts: JoinTokenOptions): Promise<string> {
  // The CA as the server hands it to joining agents, read over the verified connection.
  const caBundle = await (await client.request("GET", "/cacerts", undefined, { accept: "text/plain" })).text();
  const token = newJoinToken(caBundle);
  const data: Record<string, string> = {
    "token-id": b64(token.id),
    "token-secret": b64(token.secret),
    "usage-bootstrap-authentication": b64("true"),
  };
  if (opts.ttlMs > 0) {
    const expiry = new Date((opts.now ?? new Date()).getTime() + opts.ttlMs);
    data.expiration = b64(expiry.toISOString().replace(/\.\d{3}Z$/, "Z"));
  }
  if (opts.description) data.description = b64(opts.description);
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: bootstrapTokenSecretName(token.id), namespace: bootstrapTokenNamespace },
    type: bootstrapTokenType,
    data,
  };
  await client.create(mustResource("secrets"), secret as KubeObject);
  return formatJoinToken(token);
}
