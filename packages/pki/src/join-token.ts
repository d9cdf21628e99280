// Join tokens after k3s's secure token, `K10<sha256 of the CA>::<id>.<secret>`: the
// hash lets a joining agent check it talks to the right cluster before it sends
// the secret; id and secret are a kubeadm bootstrap token, stored by the cluster as
// a Secret `bootstrap-token-<id>` in kube-system.
import { createHash, randomInt, timingSafeEqual, X509Certificate } from "node:crypto";

export interface JoinToken {
  /** Hex SHA-256 of the cluster CA bundle as /cacerts serves it. */
  caHash: string;
  id: string;
  secret: string;
}

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
const idPattern = /^[a-z0-9]{6}$/;
const secretPattern = /^[a-z0-9]{16}$/;

export const bootstrapTokenType = "bootstrap.kubernetes.io/token";
export const bootstrapTokenNamespace = "kube-system";
export function bootstrapTokenSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

function randomString(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The hash a token pins: SHA-256 of the CA bundle's bytes, as k3s computes it. */
export function caHash(caBundle: string | Buffer): string {
  return createHash("sha256").update(caBundle).digest("hex");
}

export function newJoinToken(caBundle: string): JoinToken {
  // Parsing first makes a wrong file fail here, not at every join.
  new X509Certificate(caBundle);
  return { caHash: caHash(caBundle), id: randomString(6), secret: randomString(16) };
}

export function formatJoinToken(t: JoinToken): string {
  return `K10${t.caHash}::${t.id}.${t.secret}`;
}

/** The bearer token the API accepts for a join token: kubeadm's `<id>.<secret>`. */
export function bearerOf(t: Pick<JoinToken, "id" | "secret">): string {
  return `${t.id}.${t.secret}`;
}

const formHint = "a join token looks like K10<64 hex digits>::<6 characters>.<16 characters>; print one with 'bosun token create'";

export function parseJoinToken(text: string): JoinToken {
  const value = text.trim();
  const m = /^K10([0-9a-f]{64})::([^.]+)\.(.+)$/.exec(value);
  if (!m) throw new Error(`the join token is malformed: ${formHint}`);
  const [, hash, id, secret] = m as unknown as [string, string, string, string];
  if (!idPattern.test(id)) throw new Error(`the join token's id "${id}" must be 6 lower-case letters or digits: ${formHint}`);
  if (!secretPattern.test(secret)) throw new Error(`the join token's secret must be 16 lower-case letters or digits: ${formHint}`);
  return { caHash: hash, id, secret };
}

/** Parses kubeadm's `<id>.<secret>` bearer form; undefined when the text is not one. */
export function parseBearer(text: string): Pick<JoinToken, "id" | "secret"> | undefined {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function secretsEqual(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}
