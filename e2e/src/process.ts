// A Bosun binary run as a child process, its output appended to a log file so a
// restart keeps one file per component with the whole story in order.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, writeSync, readFileSync, existsSync } from "node:fs";

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly label: string,
    private readonly args: readonly string[],
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.label} is already running (pid ${this.pid})`);
    const fd = openSync(this.logFile, "a");
    writeSync(fd, `\n===== [e2e] ${new Date().toISOString()} starting ${this.label}: node ${this.args.join(" ")}\n`);
    const child = spawn(process.execPath, this.args, { stdio: ["ignore", fd, fd] });
    // The child holds its own copy of the descriptor.
    closeSync(fd);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        const line = `\n===== [e2e] ${new Date().toISOString()} ${this.label} exited (code ${code}, signal ${signal})\n`;
        try {
          const out = openSync(this.logFile, "a");
          writeSync(out, line);
          closeSync(out);
        } catch {
          // The log dir may already be removed at teardown.
        }
        resolve();
      });
    });
  }

  /** Sends the signal and waits for the exit; SIGKILLs after graceMs if still running. */
  async kill(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last lines of the log, for failure reports. */
  tail(lines = 40): string {
    if (!existsSync(this.logFile)) return "(no log)";
    const all = readFileSync(this.logFile, "utf8").split("\n");
    return all.slice(-lines).join("\n");
  }
}
