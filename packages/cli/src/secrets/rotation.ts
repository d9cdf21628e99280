// What `bosun secrets rotate` does, step by step, as Kubernetes' documented rotation:
// a new aesgcm key is added to every master's encryption configuration (the files
// must agree) as a key that only reads; once the API reads with it, it is made the
// key that writes; once the API writes with it, every Secret is written back
// unchanged, which stores it with that key. The older keys stay, so whatever any
// master wrote meanwhile reads everywhere.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { mustResource, type KubeObject } from "@bosun/api";
import { encryptionStatusPath, formatEncryptionConfig, newAesGcmKey, parseEncryptionConfig, type EncryptionConfiguration, type EncryptionStatus, type ResourceEncryption } from "@bosun/apiserver";
import { isConflict, isNotFound, sleep, type ApiClient } from "@bosun/client";
import { writeFileAtomic } from "@bosun/pki";
import { CliError } from "../context.js";

const secrets = mustResource("secrets");

/** The configurations of `files`, which must all say the same. */
export function readAgreeingConfigs(files: readonly string[]): EncryptionConfiguration {
  if (files.length === 0) throw new CliError("name the masters' encryption configuration files with --encryption-config");
  const configs = files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (err) {
      throw new CliError(`cannot read the encryption configuration ${f}: ${(err as Error).message}`);
    }
    try {
      return parseEncryptionConfig(text, f);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  });
  for (const [i, c] of configs.entries()) {
    if (!isDeepStrictEqual(c, configs[0])) {
      throw new CliError(`the encryption configurations ${files[0]} and ${files[i]} differ; every master needs the same one: copy one over the others, then rotate`);
    }
  }
  return configs[0]!;
}

function secretsEntry(config: EncryptionConfiguration): ResourceEncryption {
  let entry = config.resources.find((r) => r.resources.includes("secrets"));
  if (!entry) {
    entry = { resources: ["secrets"], providers: [{ identity: {} }] };
    config.resources.push(entry);
  }
  return entry;
}

/**
 * Step one: the configuration with a new aesgcm key that reads Secrets but does not
 * write them yet, so that every master can read what any of them writes once the
 * key is promoted. Answers the key's provider name (`aesgcm:key2`).
 */
export function withNewSecretsKey(config: EncryptionConfiguration): { config: EncryptionConfiguration; name: string } {
  const next = structuredClone(config);
  const entry = secretsEntry(next);
  const used = next.resources.flatMap((r) => r.providers.flatMap((p) => ("aesgcm" in p ? p.aesgcm.keys.map((k) => k.name) : [])));
  const numbers = used.map((n) => /^key(\d+)$/.exec(n)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  const key = newAesGcmKey(`key${Math.max(0, ...numbers) + 1}`);
  const first = entry.providers[0];
  if (first && "aesgcm" in first) first.aesgcm.keys.splice(1, 0, key);
  else entry.providers.splice(1, 0, { aesgcm: { keys: [key] } });
  return { config: next, name: `aesgcm:${key.name}` };
}

/** Step two: the key named (`aesgcm:key2`) writes Secrets; every other key still reads. */
export function promoteSecretsKey(config: EncryptionConfiguration, name: string): EncryptionConfiguration {
  const next = structuredClone(config);
  const entry = secretsEntry(next);
  const keyName = name.replace(/^aesgcm:/, "");
  // One aesgcm provider first, holding every key with the promoted one first, as the file is usually written.
  const keys = entry.providers.flatMap((p) => ("aesgcm" in p ? p.aesgcm.keys : []));
  const promoted = keys.filter((k) => k.name === keyName);
  if (promoted.length === 0) throw new CliError(`no aesgcm key ${keyName} for secrets in the configuration`);
  entry.providers = [{ aesgcm: { keys: [...promoted, ...keys.filter((k) => k.name !== keyName)] } }, ...entry.providers.filter((p) => !("aesgcm" in p))];
  return next;
}

export function writeConfigs(files: readonly string[], config: EncryptionConfiguration): void {
  for (const f of files) writeFileAtomic(f, formatEncryptionConfig(config), 0o600);
}

async function secretsStatus(client: ApiClient): Promise<{ write: string; read: string[] }> {
  const status = (await (await client.request("GET", encryptionStatusPath)).json()) as EncryptionStatus;
  const s = status.resources.find((r) => r.resource === "secrets");
  return { write: s?.write ?? "identity", read: s?.read ?? ["identity"] };
}

/** Waits until the API server's Secrets providers say what `done` wants; `what` and `then` word the timeout. */
export async function waitForSecretsProviders(
  client: ApiClient,
  done: (s: { write: string; read: string[] }) => boolean,
  what: string,
  timeoutMs: number,
  pollMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await secretsStatus(client);
    if (done(s)) return;
    if (Date.now() >= deadline) {
      throw new CliError(
        `the API server at ${client.server} does not ${what} after ${Math.round(timeoutMs / 1000)}s (it writes Secrets with ${s.write} and reads ${s.read.join(", ")}): ` +
          "is the file you changed the one its --encryption-provider-config names? Nothing was rewritten; run rotate again once it is",
      );
    }
    await sleep(pollMs);
  }
}

/** Writes every Secret back as it is; answers how many were rewritten. */
export async function rewriteSecrets(client: ApiClient, onEach?: (namespace: string, name: string) => void): Promise<number> {
  let count = 0;
  for (const s of (await client.list<KubeObject>(secrets)).items) {
    const namespace = s.metadata.namespace ?? "";
    const name = s.metadata.name ?? "";
    for (let attempt = 0; ; attempt++) {
      try {
        const current = await client.get<KubeObject>(secrets, name, namespace);
        await client.update(secrets, current);
        break;
      } catch (err) {
        if (isNotFound(err)) break;
        // Written by someone else meanwhile: that write used the new key already, but read again and be sure.
        if (isConflict(err) && attempt < 5) continue;
        throw err;
      }
    }
    count++;
    onEach?.(namespace, name);
  }
  return count;
}
