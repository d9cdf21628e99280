// Per-container back-off for restarts and image pulls, after the kubelet's
// flowcontrol.Backoff: 10s doubling to 5 minutes, forgotten once a container has run
// (or a pull has not been retried) for twice the maximum.
import { formatDuration, type RestartPolicy } from "@bosun/api";

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

export class ContainerBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly initialMs = BACKOFF_INITIAL_MS,
    private readonly maxMs = BACKOFF_MAX_MS,
  ) {}

  private live(key: string, eventMs: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    // A container that ran for 10 minutes since its last restart is healthy again.
    if (eventMs - e.lastUpdateMs > 2 * this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** How long (ms) a restart after an exit at eventMs must still wait; 0 when it may go now. */
  remaining(key: string, eventMs: number): number {
    const e = this.live(key, eventMs);
    if (!e) return 0;
    return Math.max(0, eventMs + e.delayMs - this.now());
  }

  /** The current delay for the key; 0 when none is recorded. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Records a restart (or a failed pull): the next one waits twice as long. */
  next(key: string, eventMs: number): number {
    const e = this.live(key, eventMs);
    const delayMs = e ? Math.min(e.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(key, { delayMs, lastUpdateMs: this.now() });
    return delayMs;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key that starts with the prefix (a pod's uid). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** Whether a container that exited with exitCode is to run again under the pod's restartPolicy. */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number): boolean {
  switch (policy ?? "Always") {
    case "Always":
      return true;
    case "OnFailure":
      return exitCode !== 0;
    case "Never":
      return false;
  }
}

/** The kubelet's CrashLoopBackOff message, the delay written as Go writes durations. */
export function crashLoopMessage(delayMs: number, container: string, pod: { name: string; namespace: string; uid: string }): string {
  return `back-off ${formatDuration(delayMs)} restarting failed container=${container} pod=${pod.name}_${pod.namespace}(${pod.uid})`;
}
