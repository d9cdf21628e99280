// Re-queues a key at a moment in time (a deadline, the end of a backoff, the next
// cron tick) without piling up one timer per sync: a sync that asks for a time at
// or after one already pending adds nothing, since that earlier sync will compute
// its own next time again.
import type { WorkQueue } from "@bosun/client";

export class RequeueAt {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly queue: WorkQueue<string>,
    private readonly now: () => number,
  ) {}

  /** Adds `key` to the queue at `atMs` (ms since epoch on the controller's clock). */
  at(key: string, atMs: number): void {
    const nowMs = this.now();
    const due = this.pending.get(key);
    if (due !== undefined && due > nowMs && due <= atMs) return;
    this.pending.set(key, atMs);
    this.queue.addAfter(key, atMs - nowMs);
  }

  /** Drops what is remembered of a key whose object is gone. */
  forget(key: string): void {
    this.pending.delete(key);
  }
}
