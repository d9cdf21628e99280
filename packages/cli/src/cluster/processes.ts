// Child processes of `bosun up`: started in their own process group (so a
// Ctrl-C in the terminal reaches only `bosun up`, which then stops them in
// order), output appended to a log file, stopped by pid with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { sleep } from "@bosun/client";

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Settles when the process exits, with its exit code or signal. */
  exited: Promise<string>;
}

/** `env` adds to this process's environment (secrets go there rather than into the visible command line). */
export function startChild(name: string, command: string, args: readonly string[], logFile: string, env: Record<string, string> = {}): Child {
  const fd = openSync(logFile, "a");
  writeSync(fd, `\n=== ${new Date().toISOString()} bosun up started ${name}: ${command} ${args.join(" ")}\n`);
  const child = spawn(command, args, { stdio: ["ignore", fd, fd], detached: true, env: { ...process.env, ...env } });
  closeSync(fd);
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once("error", (err) => resolve(`failed to start: ${err.message}`));
  });
  return { name, process: child, logFile, exited };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL. Answers once the process is gone. */
export async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!signal(pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  signal(pid, "SIGKILL");
  while (isAlive(pid)) await sleep(50);
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** The last lines of a log, to show why a child failed. */
export function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).map((l) => `    ${l}`).join("\n");
  } catch {
    return "    (no log)";
  }
}

/**
 * Polls `check` until it answers true; fails early, with the child's log tail,
 * when the child exits, and after timeoutMs.
 */
export async function waitFor(
  what: string,
  child: Child,
  check: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  let exit: string | undefined;
  void child.exited.then((e) => (exit = e));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new Error(`interrupted while waiting for ${what}`);
    if (exit !== undefined) {
      throw new Error(`${child.name} stopped (${exit}) before ${what}; its log ${child.logFile} ends with:\n${logTail(child.logFile)}`);
    }
    if (await check().catch(() => false)) return;
    await sleep(250, signal);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; see ${child.logFile}:\n${logTail(child.logFile)}`);
}
