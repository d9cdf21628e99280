// The encryption configuration: Kubernetes' EncryptionConfiguration file
// (apiserver.config.k8s.io/v1), which resources are encrypted at rest and with which
// providers and keys, in order (the first writes, every one reads). Bosun reads the
// aesgcm and identity providers; a master makes a file with one fresh aesgcm key for
// Secrets at first start, mode 0600, beside its PKI.
import { randomBytes } from "node:crypto";
import { parseDocument, stringify } from "yaml";
import { aesGcmKeyLengths, aesGcmProvider } from "./aes-gcm.js";
import { identityTransformer, PrefixTransformers, type PrefixedTransformer } from "./transformer.js";

export const encryptionConfigApiVersion = "apiserver.config.k8s.io/v1";

export interface AesGcmKey {
  name: string;
  /** base64 of 16, 24 or 32 random bytes. */
  secret: string;
}

export type ProviderSpec = { aesgcm: { keys: AesGcmKey[] } } | { identity: Record<string, never> };

export interface ResourceEncryption {
  /** `secrets`, or `<resource>.<group>` for other groups. */
  resources: string[];
  providers: ProviderSpec[];
}

export interface EncryptionConfiguration {
  apiVersion: typeof encryptionConfigApiVersion;
  kind: "EncryptionConfiguration";
  resources: ResourceEncryption[];
}

const unsupported = ["aescbc", "secretbox", "kms"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The configuration in `text` (from `source`, named in every error), checked whole. */
export function parseEncryptionConfig(text: string, source: string): EncryptionConfiguration {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${source}: not YAML: ${doc.errors[0]!.message}`);
  const raw: unknown = doc.toJS();
  const fail = (where: string, what: string): never => {
    throw new Error(`${source}: ${where}: ${what}`);
  };
  if (!isRecord(raw)) return fail("the document", "must be an EncryptionConfiguration object");
  if (raw.apiVersion !== encryptionConfigApiVersion || raw.kind !== "EncryptionConfiguration") {
    fail("apiVersion/kind", `must be ${encryptionConfigApiVersion} EncryptionConfiguration, not ${String(raw.apiVersion)} ${String(raw.kind)}`);
  }
  if (!Array.isArray(raw.resources) || raw.resources.length === 0) fail("resources", "must list at least one entry of resources and providers");
  const seen = new Set<string>();
  const keyNames = new Set<string>();
  const resources = (raw.resources as unknown[]).map((entry, i): ResourceEncryption => {
    const at = `resources[${i}]`;
    if (!isRecord(entry)) return fail(at, "must be an object with resources and providers");
    if (!Array.isArray(entry.resources) || entry.resources.length === 0) fail(`${at}.resources`, "must name at least one resource, e.g. secrets");
    const names = (entry.resources as unknown[]).map((r, j) => {
      if (typeof r !== "string" || !/^[a-z0-9][a-z0-9.-]*$/.test(r)) fail(`${at}.resources[${j}]`, `"${String(r)}" is not a resource name such as secrets or deployments.apps`);
      if ((r as string).includes("*")) fail(`${at}.resources[${j}]`, "wildcards are not supported; name each resource");
      if (seen.has(r as string)) fail(`${at}.resources[${j}]`, `${String(r)} is configured twice; give each resource one list of providers`);
      seen.add(r as string);
      return r as string;
    });
    if (!Array.isArray(entry.providers) || entry.providers.length === 0) fail(`${at}.providers`, "must list at least one provider (aesgcm or identity)");
    const providers = (entry.providers as unknown[]).map((p, j): ProviderSpec => {
      const pat = `${at}.providers[${j}]`;
      if (!isRecord(p) || Object.keys(p).length !== 1) return fail(pat, "must be exactly one of aesgcm or identity");
      const [type, body] = Object.entries(p)[0]!;
      if (type === "identity") return { identity: {} };
      if (unsupported.includes(type)) return fail(pat, `the ${type} provider is not supported by Bosun; use aesgcm (or identity for no encryption)`);
      if (type !== "aesgcm") return fail(pat, `unknown provider "${type}"; use aesgcm or identity`);
      if (!isRecord(body) || !Array.isArray(body.keys) || body.keys.length === 0) return fail(`${pat}.aesgcm.keys`, "must list at least one key with a name and a base64 secret");
      const keys = (body.keys as unknown[]).map((k, n): AesGcmKey => {
        const kat = `${pat}.aesgcm.keys[${n}]`;
        if (!isRecord(k) || typeof k.name !== "string" || typeof k.secret !== "string") return fail(kat, "must have a name and a secret");
        if (!/^[A-Za-z0-9_.-]+$/.test(k.name)) fail(`${kat}.name`, `"${k.name}" may hold only letters, digits, '-', '_' and '.'`);
        if (keyNames.has(`${names.join(",")}/${k.name}`)) fail(`${kat}.name`, `the key name ${k.name} is used twice`);
        keyNames.add(`${names.join(",")}/${k.name}`);
        const bytes = Buffer.from(k.secret, "base64");
        if (bytes.toString("base64") !== k.secret.replace(/\s/g, "") || !aesGcmKeyLengths.includes(bytes.length)) {
          fail(`${kat}.secret`, `must be the base64 of 16, 24 or 32 random bytes (got ${bytes.length} bytes); make one with: head -c 32 /dev/urandom | base64`);
        }
        return { name: k.name, secret: k.secret };
      });
      return { aesgcm: { keys } };
    });
    return { resources: names, providers };
  });
  return { apiVersion: encryptionConfigApiVersion, kind: "EncryptionConfiguration", resources };
}

/** The providers of one entry, flattened to one prefixed transformer per key, in order. */
export function providerChain(entry: ResourceEncryption): PrefixTransformers {
  const chain: PrefixedTransformer[] = entry.providers.flatMap((p) =>
    "identity" in p ? [{ prefix: "", name: "identity", transformer: identityTransformer }] : p.aesgcm.keys.map((k) => aesGcmProvider(k.name, Buffer.from(k.secret, "base64"))),
  );
  return new PrefixTransformers(chain);
}

export function newAesGcmKey(name: string): AesGcmKey {
  return { name, secret: randomBytes(32).toString("base64") };
}

/**
 * What a master starts with: Secrets written with one fresh aesgcm key; identity
 * after it, so Secrets stored before encryption was configured stay readable.
 */
export function defaultEncryptionConfig(): EncryptionConfiguration {
  return {
    apiVersion: encryptionConfigApiVersion,
    kind: "EncryptionConfiguration",
    resources: [{ resources: ["secrets"], providers: [{ aesgcm: { keys: [newAesGcmKey("key1")] } }, { identity: {} }] }],
  };
}

export function formatEncryptionConfig(config: EncryptionConfiguration): string {
  return "# Encryption at rest (Kubernetes' EncryptionConfiguration): the first key writes, every key reads.\n# Keep this file secret and the same on every master; `bosun secrets rotate` adds a key.\n" + stringify(config);
}
