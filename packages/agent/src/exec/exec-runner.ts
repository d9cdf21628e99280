// The one way the agent runs a command in a container on its own behalf: exec
// probes and exec lifecycle hooks. (kubectl exec is a user's session, streamed by
// exec-service.ts, and not bounded here.) Two rules keep a node with many such
// commands working, if more slowly, instead of sinking under them:
//  - at most a few run at once per node (ExecSlots); the rest wait their turn in
//    order, and their timeout counts from when they run, not from when they queued;
//  - a command that outlives its timeout is killed (Docker would leave it running),
//    before its slot is given back.
import { createLogger, sleep } from "@bosun/client";
import { ExecTimeoutError, type ContainerRuntime, type ExecOptions, type ExecResult } from "../runtime/runtime.js";
import { ExecSlots } from "./exec-slots.js";
import { ProcfsKiller, type ProcessKiller } from "./process-tree.js";

const log = createLogger("agent/exec-runner");

/**
 * Execs in flight at once per node. Docker on a 2-core node serves about 6.5 execs
 * a second; four at once keep it busy without making each one wait on the others.
 */
export const DEFAULT_MAX_EXECS_IN_FLIGHT = 4;

/**
 * The longest a command keeps its slot. The slots pace what Docker has to start; a
 * long postStart hook (which has no deadline) must not hold one for good and starve
 * every probe of the node. So the bound is a strict count only for commands that end
 * within their lease, as probes with the default timeouts do: one that runs longer
 * goes on beside the command its slot passed to.
 */
export const SLOT_LEASE_MS = 10_000;

/** A timed-out exec whose start request was cut off may still start: it is looked at this often, this many times. */
const LATE_START_CHECK_MS = 200;
const LATE_START_CHECKS = 5;

export interface ExecRunnerOptions {
  runtime: ContainerRuntime;
  /** Execs in flight at once; DEFAULT_MAX_EXECS_IN_FLIGHT unless told. */
  maxInFlight?: number;
  /** Kills a timed-out command's processes; through /proc unless told. */
  killer?: ProcessKiller;
  sleep?: (ms: number) => Promise<void>;
}

export interface RunExecOptions extends ExecOptions {
  /** Called when the command's turn came and it goes to the runtime. */
  onStart?: () => void;
  /** Stops waiting for a turn (the probe or hook was cancelled); a command already running is not affected. */
  signal?: AbortSignal;
  /** Waits ahead of the commands that are not urgent (a lifecycle hook ahead of probes). */
  urgent?: boolean;
}

export interface ExecRunnerStats {
  /** Commands handed to the runtime since the agent started. */
  started: number;
  timedOut: number;
  /** Timed-out commands whose processes were killed. */
  killed: number;
  inFlight: number;
  waiting: number;
}

export class ExecRunner {
  private readonly slots: ExecSlots;
  private readonly runtime: ContainerRuntime;
  private readonly killer: ProcessKiller;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly counts = { started: 0, timedOut: 0, killed: 0 };
  private warnedUnkillable = false;

  constructor(opts: ExecRunnerOptions) {
    this.runtime = opts.runtime;
    this.slots = new ExecSlots(opts.maxInFlight ?? DEFAULT_MAX_EXECS_IN_FLIGHT);
    this.killer = opts.killer ?? new ProcfsKiller();
    this.sleep = opts.sleep ?? ((ms) => sleep(ms));
  }

  /**
   * Runs `cmd` in the container when a slot is free and waits for it to exit;
   * rejects with ExecTimeoutError after opts.timeoutMs of running (the command
   * killed by then, when it could be found).
   */
  async run(containerId: string, cmd: string[], opts: RunExecOptions): Promise<ExecResult> {
    const release = await this.slots.acquire(opts.signal, opts.urgent);
    const lease = setTimeout(release, SLOT_LEASE_MS);
    lease.unref();
    try {
      this.counts.started++;
      opts.onStart?.();
      return await this.runtime.exec(containerId, cmd, { timeoutMs: opts.timeoutMs, maxOutputBytes: opts.maxOutputBytes });
    } catch (err) {
      if (err instanceof ExecTimeoutError) {
        this.counts.timedOut++;
        await this.reap(containerId, err);
      }
      throw err;
    } finally {
      clearTimeout(lease);
      release();
    }
  }

  stats(): ExecRunnerStats {
    return { ...this.counts, ...this.slots.stats() };
  }

  /** Kills what a timed-out exec left running; never throws (the timeout is what the caller needs to hear). */
  private async reap(containerId: string, err: ExecTimeoutError): Promise<void> {
    // Without an ID Docker never made the exec, so nothing runs.
    if (!err.execId) return;
    const cmd = err.command.join(" ");
    try {
      let info = await this.runtime.inspectExec(err.execId);
      for (let i = 0; info && !info.running && info.exitCode === null && i < LATE_START_CHECKS; i++) {
        await this.sleep(LATE_START_CHECK_MS);
        info = await this.runtime.inspectExec(err.execId);
      }
      if (!info?.running || info.pid <= 0) return;
      const container = await this.runtime.inspectContainer(containerId);
      if (!container?.running) return; // the container's end took the command with it
      const outcome = await this.killer.killTree(info.pid, container.pid);
      if ("killed" in outcome) {
        this.counts.killed++;
        log.debug({ container: containerId, command: cmd, pids: outcome.killed }, "killed a timed-out exec");
      } else if ("refused" in outcome && !this.warnedUnkillable) {
        this.warnedUnkillable = true;
        log.warn({ container: containerId, command: cmd, pid: info.pid, why: outcome.refused }, "cannot kill a timed-out exec; it keeps running (said once)");
      }
    } catch (e) {
      log.warn({ container: containerId, command: cmd, err: (e as Error).message }, "killing a timed-out exec failed; it may keep running");
    }
  }
}
