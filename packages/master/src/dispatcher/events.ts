// Pod events from agents (Pulling, Started, BackOff, Killing...) recorded as v1
// Events, since agents never write to the API themselves. A repeat of the same
// reason and message for the same pod within the window bumps the count of the
// existing Event instead of adding another, as Kubernetes' event correlator does.
import { rfc3339 } from "@bosun/api";
import { randomBytes } from "node:crypto";
import type { Event } from "@bosun/api";
import { createLogger, isNotFound } from "@bosun/client";
import type { PodEvent } from "@bosun/proto";
import { eventResource } from "../resources.js";
import type { DispatcherApi, PodCache } from "./api-port.js";

const log = createLogger("dispatcher/events");

export const eventSourceComponent = "bosun-agent";

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  lastSeenMs: number;
}

export interface EventRecorderOptions {
  api: DispatcherApi;
  pods: PodCache;
  dedupWindowMs?: number;
  now?: () => Date;
}

function dedupKey(e: PodEvent): string {
  return JSON.stringify([e.namespace, e.podUid, e.type, e.reason, e.message, e.fieldPath]);
}

/** `<pod>.<16 hex>`, like the names Kubernetes gives events. */
export function eventName(podName: string): string {
  return `${podName}.${randomBytes(8).toString("hex")}`;
}

export class EventRecorder {
  private readonly recorded = new Map<string, Recorded>();
  /** Writes go one after another, so a repeat never races the create of its original. */
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => Date;
  private readonly windowMs: number;

  constructor(private readonly opts: EventRecorderOptions) {
    this.now = opts.now ?? (() => new Date());
    this.windowMs = opts.dedupWindowMs ?? 5 * 60_000;
  }

  /** Queues the events of pods bound to this node; returns how many were accepted. */
  record(nodeName: string, events: PodEvent[]): number {
    let accepted = 0;
    for (const e of events) {
      const pod = this.opts.pods.get(`${e.namespace}/${e.podName}`);
      if (!pod || pod.metadata.uid !== e.podUid || pod.spec.nodeName !== nodeName) {
        log.warn({ node: nodeName, pod: `${e.namespace}/${e.podName}`, reason: e.reason }, "event for a pod not bound to this node; ignored");
        continue;
      }
      accepted++;
      this.chain = this.chain.then(() => this.write(nodeName, e)).catch((err: unknown) => {
        log.warn({ pod: `${e.namespace}/${e.podName}`, reason: e.reason, err: String(err) }, "recording pod event failed; dropped");
      });
    }
    return accepted;
  }

  /** Resolves when every queued event is written. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async write(nodeName: string, e: PodEvent): Promise<void> {
    const nowMs = this.now().getTime();
    this.forgetOlderThan(nowMs - this.windowMs);
    const key = dedupKey(e);
    const timestamp = validTimestamp(e.timestamp) ?? rfc3339(this.now());
    const previous = this.recorded.get(key);
    if (previous) {
      try {
        await this.opts.api.patch<Event>(
          eventResource,
          previous.name,
          { count: previous.count + 1, lastTimestamp: timestamp },
          { namespace: previous.namespace, type: "merge" },
        );
        previous.count++;
        previous.lastSeenMs = nowMs;
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The event expired or was deleted: start a new one.
      }
    }
    const name = eventName(e.podName);
    await this.opts.api.create<Event>(
      eventResource,
      {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace: e.namespace },
        involvedObject: {
          apiVersion: "v1",
          kind: "Pod",
          namespace: e.namespace,
          name: e.podName,
          uid: e.podUid,
          ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
        },
        reason: e.reason,
        message: e.message,
        type: e.type === "Warning" ? "Warning" : "Normal",
        source: { component: eventSourceComponent, host: nodeName },
        reportingComponent: eventSourceComponent,
        reportingInstance: nodeName,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
      },
      e.namespace,
    );
    this.recorded.set(key, { name, namespace: e.namespace, count: 1, lastSeenMs: nowMs });
  }

  private forgetOlderThan(cutoffMs: number): void {
    for (const [key, r] of this.recorded) if (r.lastSeenMs < cutoffMs) this.recorded.delete(key);
  }
}

function validTimestamp(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : rfc3339(ms);
}
