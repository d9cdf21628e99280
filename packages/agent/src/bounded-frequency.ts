// How the agent's iptables writers (the service proxy, network policy) decide when
// to sync, after kube-proxy's BoundedFrequencyRunner (pkg/util/async): a change asks
// for a sync, which runs at most once per minimum interval (changes in between are
// coalesced into one), and a sync runs every interval anyway, so that rules removed
// by hand come back. A failed sync is retried with backoff, from the minimum interval
// up to the interval, and keeps what is in force.
import { Backoff, CoalescingLoop, type Logger } from "@bosun/client";

/** kube-proxy's defaults: at most one sync a second after changes, and one every 30 s anyway. */
export const DEFAULT_MIN_SYNC_INTERVAL_MS = 1_000;
export const DEFAULT_SYNC_INTERVAL_MS = 30_000;

export interface BoundedFrequencyRunnerOptions {
  /** One sync; throwing means it failed and is retried. */
  sync: () => Promise<void>;
  /** Whether there is anything to sync yet: until then, nothing runs and nothing is scheduled. */
  ready: () => boolean;
  /** Default DEFAULT_MIN_SYNC_INTERVAL_MS. */
  minIntervalMs?: number;
  /** Default DEFAULT_SYNC_INTERVAL_MS. */
  intervalMs?: number;
  /** What the syncs keep in force, for the logs: "the service proxy's rules". */
  rules: string;
  log: Logger;
}

export class BoundedFrequencyRunner {
  private stopped = false;
  private readonly loop = new CoalescingLoop(() => this.run());
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires (ms since the epoch). */
  private dueAt: number | undefined;
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  private readonly backoff: Backoff;
  private lastProblem: string | undefined;

  private readonly minIntervalMs: number;
  private readonly intervalMs: number;

  constructor(private readonly opts: BoundedFrequencyRunnerOptions) {
    this.minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_SYNC_INTERVAL_MS;
    this.intervalMs = opts.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.backoff = new Backoff({ initialMs: this.minIntervalMs, maxMs: this.intervalMs });
  }

  /** Asks for a sync at the earliest the minimum interval allows. */
  private lastFingerprint: string | undefined;

  request(): void {
    if (this.stopped || !this.opts.ready()) return;
    this.scheduleAt(this.lastSyncAt + this.minIntervalMs);
  }

  /**
   * Asks for a sync only when what the rules are made from changed: `fingerprint`
   * names it. Informers report many changes no rule depends on (a pod's status, an
   * unrelated object), and each sync costs an iptables-save and an iptables-restore,
   * time taken from the pods starting beside it. The periodic sync runs regardless.
   */
  requestIfChanged(fingerprint: string): void {
    if (fingerprint === this.lastFingerprint) return;
    this.lastFingerprint = fingerprint;
    this.request();
  }

  /** Syncs now, whatever the minimum interval, and resolves when done (nothing happens before ready). */
  async syncNow(): Promise<void> {
    this.loop.trigger();
    await this.loop.idle();
  }

  /** Resolves when no sync is running or about to run after one. */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** No sync starts from now on. */
  stop(): void {
    this.stopped = true;
    this.loop.stop();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Makes the next sync happen at `at` at the latest; an earlier one already planned stays. */
  private scheduleAt(at: number): void {
    if (this.stopped || (this.dueAt !== undefined && this.dueAt <= at)) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    // Even when due now, through a timer: changes made in the same tick (from
    // several informers) make one sync.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.dueAt = undefined;
        this.loop.trigger();
      },
      Math.max(0, at - Date.now()),
    );
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.stopped || !this.opts.ready()) return;
    this.lastSyncAt = Date.now();
    // This sync covers whatever was due; changes from now on schedule the next.
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = undefined;
    try {
      await this.opts.sync();
      if (this.lastProblem !== undefined) this.opts.log.info({}, `${this.opts.rules} are in force again`);
      this.lastProblem = undefined;
      this.backoff.reset();
      this.scheduleAt(this.lastSyncAt + this.intervalMs);
    } catch (err) {
      const message = (err as Error).message;
      if (this.lastProblem !== message) {
        this.opts.log.warn(
          { err: message },
          `syncing ${this.opts.rules} failed; the rules in force stay, and the sync is retried (check that iptables-save and iptables-restore work on this host)`,
        );
      }
      this.lastProblem = message;
      this.scheduleAt(Date.now() + Math.min(this.backoff.next(), this.intervalMs));
    }
  }
}
