// bosun secrets rotate: a new encryption key for Secrets, and every Secret written
// again with it (secrets/rotation.ts), as k3s's `secrets-encrypt rotate-keys` does in
// one step what Kubernetes' documentation does in five.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureEncryptionConfigFile } from "@bosun/apiserver";
import type { Command } from "commander";
import { bosunHome } from "../config.js";
import { createClient, type GlobalOptions } from "../context.js";
import { io } from "../io.js";
import { ClusterPaths } from "../cluster/state.js";
import { promoteSecretsKey, readAgreeingConfigs, rewriteSecrets, waitForSecretsProviders, withNewSecretsKey, writeConfigs } from "../secrets/rotation.js";
import { collect, duration } from "./options.js";

export interface RotateOptions {
  files: readonly string[];
  timeoutMs: number;
  out: (line: string) => void;
}

export async function runSecretsRotate(client: Parameters<typeof rewriteSecrets>[0], opts: RotateOptions): Promise<number> {
  const { config, name } = withNewSecretsKey(readAgreeingConfigs(opts.files));
  writeConfigs(opts.files, config);
  opts.out(`Added ${name} to ${opts.files.join(", ")}, for reading Secrets`);
  await waitForSecretsProviders(client, (s) => s.read.includes(name), `read Secrets with ${name}`, opts.timeoutMs);
  writeConfigs(opts.files, promoteSecretsKey(config, name));
  await waitForSecretsProviders(client, (s) => s.write === name, `write Secrets with ${name}`, opts.timeoutMs);
  opts.out(`The API server at ${client.server} writes Secrets with ${name}`);
  const count = await rewriteSecrets(client);
  opts.out(`Rewrote ${count} Secret${count === 1 ? "" : "s"} with ${name}; the older keys stay in the configuration to read anything written with them`);
  return 0;
}

export function registerSecrets(program: Command): void {
  const secrets = program.command("secrets").description("encryption of Secrets at rest");
  secrets
    .command("init")
    .description("write a new encryption configuration (one fresh aesgcm key for Secrets) for masters to share: copy it to each master's <data-dir>/encryption-config.yaml before its first start")
    .requiredOption("--out <file>", "where to write it (mode 0600); an existing file is left as it is")
    .action((o: { out: string }) => {
      const existed = existsSync(o.out);
      // The master's own first-start path: made with a fresh key, or an existing file checked.
      ensureEncryptionConfigFile(o.out, true);
      io.line(existed ? `${o.out} exists; left as it is` : `Wrote ${o.out}: give every master this same file`);
    });
  secrets
    .command("rotate")
    .description("add a new encryption key for Secrets to the masters' configuration and rewrite every Secret with it")
    .option(
      "--encryption-config <file>",
      "a master's encryption configuration (its --encryption-provider-config); repeat for every master (default: bosun up's, in $BOSUN_HOME/master)",
      collect,
    )
    .option("--timeout <duration>", "how long to wait for the API server to write with the new key", duration, 60_000)
    .action(async (o: { encryptionConfig?: string[]; timeout: number }, cmd: Command) => {
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const files = o.encryptionConfig ?? [join(new ClusterPaths(bosunHome()).masterDir, "encryption-config.yaml")];
      process.exitCode = await runSecretsRotate(client, { files, timeoutMs: o.timeout, out: io.line });
      await client.close();
    });
}
