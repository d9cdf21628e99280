// Runs a command to completion and captures its output, for the CLI, docker and
// kubectl. Never throws on a non-zero exit: the exit code is part of what tests assert.
import { spawn, type ChildProcess } from "node:child_process";
import { sleep } from "@bosun/client";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kills the command (SIGKILL) after this long; the result then says so in stderr. */
  timeoutMs?: number;
}

export function exec(command: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      let stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) stderr += `\n[e2e] ${command} ${args.join(" ")} killed after ${opts.timeoutMs ?? 60_000} ms`;
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** One line for failure messages: the command, its exit code and its output. */
export function formatResult(what: string, r: ExecResult): string {
  return `${what} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** Fails with the command's whole output unless it exited 0. */
export function expectSuccess(what: string, r: ExecResult): ExecResult {
  if (r.code !== 0) throw new Error(formatResult(what, r));
  return r;
}

/** A long-running command (kubectl port-forward, bosun port-forward): its output as it comes, until stopped. */
export class CommandStream {
  private out = "";
  private err = "";
  private exit: ExecResult | undefined;
  private readonly done: Promise<ExecResult>;

  constructor(
    readonly what: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on("data", (b: Buffer) => (this.out += b.toString("utf8")));
    child.stderr!.on("data", (b: Buffer) => (this.err += b.toString("utf8")));
    this.done = new Promise((resolve, reject) => {
      child.once("error", (e) => reject(new Error(`cannot run ${what}: ${e.message}`)));
      child.once("close", (code, signal) => {
        this.exit = { code: code ?? (signal ? 128 : 1), stdout: this.out, stderr: this.err };
        resolve(this.exit);
      });
    });
  }

  /**
   * Waits until `ok(stdout)` holds; fails at once (with the output) if the command exits
   * before, and after timeoutMs otherwise.
   */
  async waitForOutput(ok: (stdout: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (ok(this.out)) return this.out;
      // An exit is final: say so at once rather than poll out the timeout.
      if (this.exit) throw new Error(`${this.what} exited before it printed ${what}\n${formatResult(this.what, this.exit)}`);
      if (Date.now() >= deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${this.what} to print ${what}\n--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`);
      }
      await sleep(100);
    }
  }

  /** Stops the command (SIGTERM) and answers everything it printed. */
  async stop(): Promise<ExecResult> {
    if (!this.exit) this.child.kill("SIGTERM");
    return this.done;
  }
}
