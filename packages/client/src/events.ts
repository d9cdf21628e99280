// Recording v1 Events about objects, the way client-go's record.EventRecorder does:
// fire and forget for the caller, and deduplicated like its EventCorrelator (a
// repeat of the same reason and message about the same object bumps count and
// lastTimestamp of the existing Event instead of adding another).
import { randomBytes } from "node:crypto";
import { mustResource, rfc3339, type Event, type KubeObject, type ObjectReference } from "@bosun/api";
import { createLogger } from "./logger.js";
import { isNotFound, type ApiClient } from "./rest.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** Records that `reason` happened to `object`; never throws, never blocks the caller. */
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface EventRecord {
  involvedObject: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  /** The node it happened on, when it is not the recorder's own host. */
  host?: string;
  /** When it happened, if known better than "now" (RFC 3339). */
  timestamp?: string;
}

export type EventsApi = Pick<ApiClient, "create" | "patch">;

export interface ApiEventRecorderOptions {
  client: EventsApi;
  /** source.component and reportingComponent: "bosun-scheduler", "bosun-agent"... */
  component: string;
  host?: string;
  dedupWindowMs?: number;
  /** Events waiting to be written beyond which new ones are dropped, so a storm cannot exhaust memory. */
  maxPending?: number;
  now?: () => Date;
}

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  lastSeenMs: number;
}

const events = mustResource("events");
const log = createLogger("events");

/** The reference an Event gives its object. */
export function objectReference(obj: KubeObject): ObjectReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
  };
}

/** `<object>.<16 hex>`, like the names Kubernetes gives events. */
export function eventName(objectName: string): string {
  return `${objectName}.${randomBytes(8).toString("hex")}`;
}

export class ApiEventRecorder implements EventRecorder {
  private readonly recorded = new Map<string, Recorded>();
  /** One chain per deduplication key: a repeat never races the create of its original. */
  private readonly chains = new Map<string, Promise<void>>();
  private pending = 0;
  private readonly now: () => Date;
  private readonly windowMs: number;
  private readonly maxPending: number;

  constructor(private readonly opts: ApiEventRecorderOptions) {
    this.now = opts.now ?? (() => new Date());
    this.windowMs = opts.dedupWindowMs ?? 10 * 60_000;
    this.maxPending = opts.maxPending ?? 1000;
  }

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    this.record({ involvedObject: objectReference(object), type, reason, message });
  }

  record(e: EventRecord): void {
    if (this.pending >= this.maxPending) {
      log.warn({ reason: e.reason, object: e.involvedObject.name }, "too many events waiting to be written; dropped");
      return;
    }
    const key = JSON.stringify([
      e.involvedObject.namespace, e.involvedObject.kind, e.involvedObject.name, e.involvedObject.uid,
      e.involvedObject.fieldPath, e.type, e.reason, e.message, e.host,
    ]);
    this.pending++;
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.write(key, e))
      .catch((err: unknown) => {
        log.warn({ reason: e.reason, object: e.involvedObject.name, err: String(err) }, "recording event failed; dropped");
      })
      .finally(() => {
        this.pending--;
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Resolves when every event queued so far is written. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private async write(key: string, e: EventRecord): Promise<void> {
    const nowMs = this.now().getTime();
    this.forgetOlderThan(nowMs - this.windowMs);
    const timestamp = e.timestamp ?? rfc3339(this.now());
    const previous = this.recorded.get(key);
    if (previous) {
      try {
        await this.opts.client.patch<Event>(events, previous.name, { count: previous.count + 1, lastTimestamp: timestamp }, {
          namespace: previous.namespace,
          type: "merge",
        });
        previous.count++;
        previous.lastSeenMs = nowMs;
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The event expired or was deleted: start a new one.
      }
    }
    // Events about cluster-scoped objects (nodes) live in "default", as in Kubernetes.
    const namespace = e.involvedObject.namespace || "default";
    const name = eventName(e.involvedObject.name ?? "object");
    const host = e.host ?? this.opts.host;
    await this.opts.client.create<Event>(
      events,
      {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: e.involvedObject,
        reason: e.reason,
        message: e.message,
        type: e.type,
        source: { component: this.opts.component, ...(host ? { host } : {}) },
        reportingComponent: this.opts.component,
        reportingInstance: host ?? this.opts.component,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
      },
      namespace,
    );
    this.recorded.set(key, { name, namespace, count: 1, lastSeenMs: nowMs });
  }

  private forgetOlderThan(cutoffMs: number): void {
    for (const [key, r] of this.recorded) if (r.lastSeenMs < cutoffMs) this.recorded.delete(key);
  }
}
