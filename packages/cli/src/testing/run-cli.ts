// For the CLI's tests: the bosun binary run as users run it, in a child process,
// with what it printed and how it exited; and a fake API server with a BOSUN_HOME
// holding its admin kubeconfig, so the binary talks to that server and to nothing
// of the user's.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeClientConfig } from "../config.js";
import { startFakeApiServer, type FakeApiServer } from "./fake-apiserver.js";

const main = fileURLToPath(new URL("../main.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Written to the binary's stdin, which is then closed; without it stdin is empty. */
  stdin?: string;
  /** Set over this process's environment for the run. */
  env?: NodeJS.ProcessEnv;
}

/** Runs `bosun <args>` to completion; resolves with its exit code and output whatever the code. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

export interface CliAgainstFakeApi {
  api: FakeApiServer;
  /** The BOSUN_HOME the binary runs with. */
  home: string;
  /** Runs `bosun <args>` against `api`. */
  run(args: string[], stdin?: string): Promise<CliResult>;
  /** Stops the server and removes the home. */
  close(): Promise<void>;
}

/**
 * A fake API server and a home with its admin kubeconfig, as `bosun up` leaves it:
 * the binary finds server and credentials there. BOSUN_SERVER and KUBECONFIG are
 * emptied for each run, so a developer's own cluster settings never leak in.
 */
export async function startCliAgainstFakeApi(): Promise<CliAgainstFakeApi> {
  const api = await startFakeApiServer();
  const home = mkdtempSync(join(tmpdir(), "bosun-cli-test-"));
  writeClientConfig(home, api.kubeconfig);
  const env = { BOSUN_HOME: home, BOSUN_SERVER: "", KUBECONFIG: "" };
  return {
    api,
    home,
    run: (args, stdin) => runCli(args, { stdin, env }),
    close: async () => {
      await api.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
