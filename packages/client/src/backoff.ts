// Exponential backoff with jitter, for reconnects and retries. Jitter spreads out a
// crowd of agents that all lost the same master at the same moment.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 0..1: the share of each delay that is randomised. */
  jitter?: number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt; grows with each call until reset(). */
  next(): number {
    const { initialMs, maxMs, factor = 2, jitter = 0.2 } = this.opts;
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt++;
    return Math.round(base * (1 - jitter + Math.random() * jitter * 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export interface KeyedBackoffOptions {
  initialMs: number;
  maxMs: number;
  now?: () => number;
}

interface KeyedEntry {
  delayMs: number;
  lastUpdateMs: number;
}

/**
 * A delay per key (a container, a DaemonSet's node), after client-go's
 * flowcontrol.Backoff as the kubelet and the DaemonSet controller use it: initialMs
 * first, then twice the last delay up to maxMs, without jitter, so that what a
 * user is told ("back-off 20s") is what happens. A key quiet for twice maxMs since
 * its last step starts over.
 */
export class KeyedBackoff {
  private readonly entries = new Map<string, KeyedEntry>();
  private readonly now: () => number;

  constructor(private readonly opts: KeyedBackoffOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The entry of `key`, unless the key has been quiet for twice maxMs by eventMs. */
  private live(key: string, eventMs: number): KeyedEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (eventMs - e.lastUpdateMs > 2 * this.opts.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** How long (ms) an action after an event at eventMs (a container's exit) must still wait; 0 when it may go now (IsInBackOffSince). */
  remaining(key: string, eventMs: number): number {
    const e = this.live(key, eventMs);
    if (!e) return 0;
    return Math.max(0, eventMs + e.delayMs - this.now());
  }

  /** How long (ms) an action must still wait, counted from the last step (IsInBackOffSinceUpdate). */
  remainingSinceUpdate(key: string): number {
    return this.remaining(key, this.entries.get(key)?.lastUpdateMs ?? this.now());
  }

  /** The current delay of the key; 0 when none is recorded. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Records an action after an event at eventMs: the next one waits twice as long. Answers the new delay. */
  next(key: string, eventMs: number = this.now()): number {
    const e = this.live(key, eventMs);
    const delayMs = e ? Math.min(e.delayMs * 2, this.opts.maxMs) : this.opts.initialMs;
    this.entries.set(key, { delayMs, lastUpdateMs: this.now() });
    return delayMs;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key that starts with the prefix (a pod's uid, a DaemonSet's key). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Forgets every key quiet for twice maxMs, so that keys never asked about again do not pile up (GC). */
  gc(): void {
    const nowMs = this.now();
    for (const [k, e] of this.entries) if (nowMs - e.lastUpdateMs > 2 * this.opts.maxMs) this.entries.delete(k);
  }
}
