// bosun token create: a join token for agents (see join-tokens.ts).
import type { Command } from "commander";
import { createClient, type GlobalOptions } from "../context.js";
import { createJoinToken } from "../join-tokens.js";
import { duration } from "./options.js";

export function registerToken(program: Command): void {
  const token = program.command("token").description("join tokens for agents");
  token
    .command("create")
    .description("create a join token: bosun-agent --server URL --token <printed token>")
    .option("--ttl <duration>", "how long the token can be used to join (24h as kubeadm; 0 never expires)", duration, 24 * 3_600_000)
    .option("--description <text>", "what the token is for")
    .action(async (opts: { ttl: number; description?: string }, cmd: Command) => {
      const client = createClient(cmd.optsWithGlobals<GlobalOptions>());
      const printed = await createJoinToken(client, { ttlMs: opts.ttl, ...(opts.description ? { description: opts.description } : {}) });
      process.stdout.write(`${printed}\n`);
    });
}
