// One probe (liveness, readiness or startup) of one container instance, after the
// kubelet's prober worker: it probes every periodSeconds from initialDelaySeconds
// after the container started, and changes the cached result only after
// successThreshold successes or failureThreshold failures in a row. A failed liveness
// or startup probe puts the worker on hold: the pod worker kills the container, and
// the restarted container (a new ID) gets a new worker with fresh results.
//
// Its ticks keep one phase, as the kubelet's ticker does, and that phase is a random
// part of the period, so that the probes of many containers started together do not
// all fall due at once. A probe that could not start on time (an exec waits its turn
// on a busy node) skips the ticks it missed rather than catching up, and says so in
// a Warning event, at most once per LATE_EVENT_INTERVAL_MS.
import { createLogger } from "@bosun/client";
import type { ExecTurn } from "./exec.js";
import type { ProbeOutcome } from "./outcome.js";
import type { ProbeTiming } from "./prober.js";
import type { ProbeResult, ProbeResults, ProbeType } from "./results.js";

const log = createLogger("agent/probe");

/** A probe that could not run at all is retried at once this many times, as the kubelet does. */
const MAX_PROBE_RETRIES = 3;

/** A worker tells of its late probes at most this often. */
export const LATE_EVENT_INTERVAL_MS = 10 * 60_000;

/** The event reason of a probe that started more than a period after it was due. */
export const LATE_PROBE_REASON = "ProbeDelayed";

export interface ProbeWorkerDeps {
  results: ProbeResults;
  /** Runs the probe once against the container; throws when it cannot run. turn.onStart: it starts now (it may have waited its turn). */
  run: (turn: ExecTurn) => Promise<ProbeOutcome>;
  /** Whether the container counts as started (its startup probe succeeded, or it has none). */
  isStarted: () => boolean;
  /** The cached result changed. */
  onChange: () => void;
  event: (type: "Normal" | "Warning", reason: string, message: string) => void;
  /** For logs: ns/pod/container. */
  name: string;
  now?: () => number;
  /** Where in the period the ticks fall: a number in [0, 1); Math.random unless told. */
  random?: () => number;
  /** The result to start from instead of the probe type's initial one. */
  initial?: ProbeResult;
}

const INITIAL: Record<ProbeType, ProbeResult> = {
  // Not ready until a probe says so; alive until a probe says otherwise; startup unknown.
  readiness: "failure",
  liveness: "success",
  startup: "unknown",
};

const TITLE: Record<ProbeType, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export class ProbeWorker {
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private triggered = false;
  private stopped = false;
  private onHold = false;
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;
  /** When the pending probe is due; unset until the worker started. */
  private dueAt: number | undefined;
  /** One tick of the worker's phase: every tick is this plus a whole number of periods. */
  private phaseAt = 0;
  private lastLateEventAt = -Infinity;
  /** Cancels a probe still waiting for its turn when the worker stops. */
  private readonly abort = new AbortController();
  private readonly now: () => number;

  constructor(
    readonly type: ProbeType,
    readonly containerId: string,
    private readonly timing: ProbeTiming,
    /** When the container started (ms since the epoch): initialDelaySeconds counts from here. */
    private readonly startedAtMs: number,
    private readonly deps: ProbeWorkerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    deps.results.set(containerId, type, deps.initial ?? INITIAL[type]);
  }

  /**
   * Probes first after initialDelaySeconds and a random part of the period (as the
   * kubelet's first probe of a new container waits for the next tick of a ticker
   * that started with the pod), then every period.
   */
  start(): void {
    const delay = Math.max(0, this.startedAtMs + this.timing.initialDelaySeconds * 1000 - this.now()) + (this.deps.random ?? Math.random)() * this.periodMs;
    this.phaseAt = this.now() + delay;
    this.schedule(delay);
  }

  /** Stops probing and forgets the result: the container is gone or no longer running. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.timer);
    this.deps.results.remove(this.containerId, this.type);
  }

  /** Probes now instead of at the next period (the container just counted as started). */
  trigger(): void {
    if (this.stopped) return;
    if (this.probing) {
      this.triggered = true;
      return;
    }
    this.schedule(0);
  }

  private get periodMs(): number {
    return this.timing.periodSeconds * 1000;
  }

  /** The first tick of the worker's phase after `t`. */
  private nextTickAfter(t: number): number {
    return this.phaseAt + (Math.floor((t - this.phaseAt) / this.periodMs) + 1) * this.periodMs;
  }

  private schedule(ms: number): void {
    this.dueAt = this.now() + ms;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.probing) return;
    this.probing = true;
    this.triggered = false;
    let keepGoing = true;
    try {
      keepGoing = await this.probeOnce();
    } catch (err) {
      log.error({ container: this.deps.name, probe: this.type, err: (err as Error).message }, "probing failed; trying again next period");
    } finally {
      this.probing = false;
    }
    if (this.stopped || !keepGoing) return;
    const now = this.now();
    // After the tick just taken even if the clock reads a hair before it.
    this.schedule(this.triggered ? 0 : this.nextTickAfter(Math.max(now, this.dueAt ?? now)) - now);
  }

  /** One round of the kubelet's doProbe; returns whether to keep probing. */
  async probeOnce(): Promise<boolean> {
    if (this.stopped || this.onHold) return false;
    const { results } = this.deps;
    const { containerId } = this;
    if (this.type === "startup") {
      // A started container is not probed for startup again.
      if (results.get(containerId, "startup") === "success") return false;
    } else if (!this.deps.isStarted()) {
      return true;
    }
    if (this.now() - this.startedAtMs < this.timing.initialDelaySeconds * 1000) return true;

    const outcome = await this.runWithRetries();
    if (this.stopped) return false;
    const title = TITLE[this.type];
    let result: ProbeResult;
    if (outcome instanceof Error) {
      // An unknown result changes nothing; the probe simply runs again next period.
      this.deps.event("Warning", "Unhealthy", `${title} probe errored and resulted in unknown state: ${outcome.message}`);
      log.debug({ container: this.deps.name, probe: this.type, err: outcome.message }, "probe errored");
      return true;
    }
    if (outcome.result === "failure") {
      this.deps.event("Warning", "Unhealthy", `${title} probe failed: ${outcome.output}`);
      result = "failure";
    } else {
      if (outcome.result === "warning") this.deps.event("Warning", "ProbeWarning", `${title} probe warning: ${outcome.output}`);
      result = "success";
    }

    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    const threshold = result === "failure" ? this.timing.failureThreshold : this.timing.successThreshold;
    if (this.resultRun < threshold) return true;

    const changed = results.set(containerId, this.type, result);
    if (changed) {
      log.info({ container: this.deps.name, probe: this.type, result }, "probe result changed");
      this.deps.onChange();
    }
    if (result === "failure" && this.type !== "readiness") {
      // The container is to be killed; probing it while it stops helps no one.
      this.onHold = true;
      this.resultRun = 0;
      return false;
    }
    return !(this.type === "startup" && result === "success");
  }

  /** The probe's turn came: a start more than a period after it was due is told (throttled). */
  private started(): void {
    if (this.dueAt === undefined) return;
    const now = this.now();
    const lateMs = now - this.dueAt;
    if (lateMs <= this.periodMs) return;
    log.debug({ container: this.deps.name, probe: this.type, lateMs }, "probe started late");
    if (now - this.lastLateEventAt < LATE_EVENT_INTERVAL_MS) return;
    this.lastLateEventAt = now;
    this.deps.event(
      "Warning",
      LATE_PROBE_REASON,
      `${TITLE[this.type]} probe started ${Math.round(lateMs / 1000)}s after it was due (period ${this.timing.periodSeconds}s): ` +
        `this node cannot run all its probes on time; exec probes and hooks wait for their turn when the container runtime is busy`,
    );
  }

  private async runWithRetries(): Promise<ProbeOutcome | Error> {
    let last: Error = new Error("the probe did not run");
    let told = false;
    const turn: ExecTurn = {
      onStart: () => {
        if (told) return;
        told = true;
        this.started();
      },
      signal: this.abort.signal,
    };
    for (let i = 0; i < MAX_PROBE_RETRIES; i++) {
      try {
        return await this.deps.run(turn);
      } catch (err) {
        last = err instanceof Error ? err : new Error(String(err));
      }
      if (this.stopped) break;
    }
    return last;
  }
}
