// Collects pod status changes and pod events and sends them to the master in batches,
// after SwarmKit's agent/reporter.go: only changes travel, a failed send is retried,
// and a new session gets every current status again.
import { rfc3339 } from "@bosun/api";
import type { PodStatus } from "@bosun/api";
import type { PodEvent, PodStatusUpdate } from "@bosun/proto";
import { Backoff, FlushSoon, createLogger } from "@bosun/client";
import type { PodEventRecord, PodIdentity } from "./pod/identity.js";

const log = createLogger("agent/reporter");

export interface ReportBatch {
  updates: PodStatusUpdate[];
  events: PodEvent[];
}

export type ReportSender = (batch: ReportBatch) => Promise<void>;

export interface ReporterOptions {
  intervalMs?: number;
  /** Events kept while the master is unreachable; the oldest are dropped beyond it. */
  maxQueuedEvents?: number;
}

interface Entry {
  update: PodStatusUpdate;
  /** status JSON plus the terminated flag: what "changed" compares. */
  key: string;
}

export class StatusReporter {
  private readonly current = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private events: PodEvent[] = [];
  private sender: ReportSender | undefined;
  private inFlight = false;
  private retryAt = 0;
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
  private readonly timer: NodeJS.Timeout;
  private readonly soon = new FlushSoon(() => this.flush());
  private readonly maxQueuedEvents: number;

  constructor(opts: ReporterOptions = {}) {
    this.maxQueuedEvents = opts.maxQueuedEvents ?? 1000;
    this.timer = setInterval(() => void this.flush(), opts.intervalMs ?? 200);
    this.timer.unref();
  }

  reportStatus(pod: PodIdentity, status: PodStatus, terminated: boolean): void {
    const statusJson = JSON.stringify(status);
    const key = `${terminated}:${statusJson}`;
    if (this.current.get(pod.uid)?.key === key) return;
    this.current.set(pod.uid, {
      key,
      update: { namespace: pod.namespace, name: pod.name, uid: pod.uid, statusJson, terminated },
    });
    this.dirty.add(pod.uid);
    this.soon.poke();
  }

  reportEvent(pod: PodIdentity, ev: PodEventRecord): void {
    this.events.push({
      namespace: pod.namespace,
      podName: pod.name,
      podUid: pod.uid,
      type: ev.type,
      reason: ev.reason,
      message: ev.message,
      fieldPath: ev.fieldPath,
      timestamp: rfc3339(),
    });
    if (this.events.length > this.maxQueuedEvents) this.events.splice(0, this.events.length - this.maxQueuedEvents);
    this.soon.poke();
  }

  /** The pod is gone from the master: stop reporting it. */
  forget(uid: string): void {
    this.current.delete(uid);
    this.dirty.delete(uid);
  }

  /** A new session: every current status is sent again, since the master may have lost them. */
  attach(sender: ReportSender): void {
    this.sender = sender;
    this.retryAt = 0;
    this.backoff.reset();
    for (const uid of this.current.keys()) this.dirty.add(uid);
  }

  detach(): void {
    this.sender = undefined;
  }

  /** The last status reported for a pod, as JSON. */
  statusJson(uid: string): string | undefined {
    return this.current.get(uid)?.update.statusJson;
  }

  stop(): void {
    clearInterval(this.timer);
    this.soon.stop();
    this.sender = undefined;
  }

  /** Sends what is pending now; a failure keeps it pending for a later try. */
  async flush(): Promise<void> {
    const send = this.sender;
    if (!send || this.inFlight || Date.now() < this.retryAt) return;
    if (this.dirty.size === 0 && this.events.length === 0) return;
    const uids = [...this.dirty];
    this.dirty.clear();
    const updates = uids.flatMap((uid) => {
      const e = this.current.get(uid);
      return e ? [e.update] : [];
    });
    const events = this.events;
    this.events = [];
    this.inFlight = true;
    try {
      await send({ updates, events });
      this.backoff.reset();
    } catch (err) {
      // Keep what failed, unless a newer status replaced it meanwhile (it is dirty again).
      for (const uid of uids) if (this.current.has(uid)) this.dirty.add(uid);
      this.events = [...events, ...this.events].slice(-this.maxQueuedEvents);
      const delay = this.backoff.next();
      this.retryAt = Date.now() + delay;
      log.warn({ err: (err as Error).message, retryInMs: delay }, "reporting pod statuses failed; will retry");
    } finally {
      this.inFlight = false;
    }
    // What arrived while this batch was in flight goes out soon, not at the next tick.
    if (this.dirty.size > 0 && Date.now() >= this.retryAt) this.soon.poke();
  }
}
