// A work queue after client-go's: it holds keys, not events; a key queued twice is
// processed once; a key being processed is never handed to a second worker, and a
// key added meanwhile is processed again after done(). Failures back off per key.
export interface WorkQueueOptions<K = string> {
  /** First retry delay of addRateLimited, doubled per failure of the same key. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Hands out keys for which this is true before the others (kube-scheduler's
   * active queue sorts by pod priority); keys that are equal stay in the order
   * they were added. Without it the queue is first in, first out.
   */
  before?: (a: K, b: K) => boolean;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly before: ((a: K, b: K) => boolean) | undefined;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 100;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.before = opts.before;
  }

  get len(): number {
    return this.queue.length;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.enqueue(key);
    }
  }

  /** At the end, or with an order, after every key not behind it. */
  private enqueue(key: K): void {
    const before = this.before;
    if (!before) {
      this.queue.push(key);
      return;
    }
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(key, this.queue[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    this.queue.splice(lo, 0, key);
  }

  addAfter(key: K, delayMs: number): void {
    this.addAt(key, Date.now() + delayMs);
  }

  /**
   * Adds the key once the clock has reached atMs. A timer can fire early by as long as
   * the event loop's turn that set it took (the loop's time is read at the turn's
   * start), and a controller woken early would see its deadline not yet reached and
   * wait for a wake-up that already happened: so an early timer waits again.
   */
  private addAt(key: K, atMs: number): void {
    if (this.shuttingDown) return;
    const delayMs = atMs - Date.now();
    if (delayMs <= 0) return this.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.addAt(key, atMs);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Re-adds a key after a delay that doubles with each consecutive failure. */
  addRateLimited(key: K): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures));
  }

  /** Clears a key's failure count after it was processed successfully. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
