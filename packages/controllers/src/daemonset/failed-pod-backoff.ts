// How long to wait before deleting the next failed daemon pod on a node. A node that
// rejects the pod (a bad host port, a missing image) would otherwise see create,
// fail, delete, create in a hot loop; Kubernetes backs off from 1 s to 15 min per
// DaemonSet and node (flowcontrol.Backoff in pkg/controller/daemon).
const initialMs = 1000;
const maxMs = 15 * 60_000;

interface Entry {
  delayMs: number;
  lastMs: number;
}

export class FailedPodBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** The delay still to wait before acting on `id` again, 0 when it may act now. */
  remainingMs(id: string): number {
    const e = this.entries.get(id);
    if (!e) return 0;
    return Math.max(0, e.lastMs + e.delayMs - this.now());
  }

  /** Records an action on `id`: the next one waits twice as long, unless it has been quiet for a long time. */
  next(id: string): void {
    const now = this.now();
    for (const [key, e] of this.entries) if (now - e.lastMs > 2 * maxMs) this.entries.delete(key);
    const e = this.entries.get(id);
    this.entries.set(id, { delayMs: e ? Math.min(2 * e.delayMs, maxMs) : initialMs, lastMs: now });
  }

  /** Forgets every id that starts with `prefix` (a deleted DaemonSet's nodes). */
  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
