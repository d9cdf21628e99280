// The encryption configuration's file on a master: made at first start when the
// default path is used (mode 0600, written whole), read at start, and followed
// afterwards so a changed file takes effect without a restart. A file that no
// longer parses leaves the providers in force as they were, and says why.
import { existsSync, readFileSync, unwatchFile, watchFile } from "node:fs";
import { createLogger } from "@bosun/client";
import { writeFileAtomic } from "@bosun/pki";
import { defaultEncryptionConfig, formatEncryptionConfig, parseEncryptionConfig, type EncryptionConfiguration } from "./encryption-config.js";

const log = createLogger("apiserver/encryption");

export function readEncryptionConfigFile(path: string): EncryptionConfiguration {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read the encryption configuration ${path}: ${(err as Error).message}`);
  }
  return parseEncryptionConfig(text, path);
}

/** Reads the file, making it with a fresh key first when it does not exist and `create` is set. */
export function ensureEncryptionConfigFile(path: string, create: boolean): EncryptionConfiguration {
  if (!existsSync(path)) {
    if (!create) throw new Error(`the encryption configuration ${path} does not exist; give an existing file to --encryption-provider-config`);
    writeFileAtomic(path, formatEncryptionConfig(defaultEncryptionConfig()), 0o600);
    log.info({ path }, "made the encryption configuration: Secrets are encrypted at rest with a new aesgcm key");
  }
  return readEncryptionConfigFile(path);
}

/** Calls onChange with each new, valid configuration of the file; returns how to stop following it. */
export function followEncryptionConfigFile(path: string, onChange: (config: EncryptionConfiguration) => void, intervalMs = 1000): () => void {
  const listener = (now: { mtimeMs: number; size: number }, before: { mtimeMs: number; size: number }) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    try {
      onChange(readEncryptionConfigFile(path));
      log.info({ path }, "reloaded the encryption configuration");
    } catch (err) {
      log.error({ path, err: (err as Error).message }, "the changed encryption configuration is not valid; the providers in force stay (fix the file)");
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
