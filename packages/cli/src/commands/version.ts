// bosun version: this CLI's version and the API server's /version.
import type { ApiClient } from "@bosun/client";
import { cliVersion, formatError } from "../context.js";
import type { Command } from "commander";
import { createClient, type GlobalOptions } from "../context.js";
import { io } from "../io.js";

interface ServerVersion {
  gitVersion?: string;
  platform?: string;
}

export async function runVersion(client: ApiClient, opts: { out: (line: string) => void; err: (line: string) => void }): Promise<number> {
  opts.out(`Client Version: ${cliVersion}`);
  try {
    const response = await client.request("GET", "/version");
    const info = (await response.json()) as ServerVersion;
    opts.out(`Server Version: ${info.gitVersion ?? "unknown"}`);
    return 0;
  } catch (err) {
    opts.err(formatError(err));
    return 1;
  }
}

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print the client and server versions")
    .action(async (_o: unknown, cmd: Command) => {
      process.exitCode = await runVersion(createClient(cmd.optsWithGlobals<GlobalOptions>()), { out: io.line, err: io.err });
    });
}
