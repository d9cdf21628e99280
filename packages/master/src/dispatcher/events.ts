// Pod events from agents (Pulling, Started, BackOff, Unhealthy, Killing...)
// recorded as v1 Events, since agents never write to the API themselves. Only
// events about pods bound to the reporting node are accepted; deduplication is the
// recorder's.
import { rfc3339 } from "@bosun/api";
import type { ApiEventRecorder } from "@bosun/client";
import { createLogger } from "@bosun/client";
import type { PodEvent } from "@bosun/proto";
import type { PodCache } from "./api-port.js";

const log = createLogger("dispatcher/events");

export const eventSourceComponent = "bosun-agent";

export interface AgentEventsOptions {
  pods: PodCache;
  /** A recorder whose component is `eventSourceComponent`. */
  recorder: Pick<ApiEventRecorder, "record" | "idle">;
}

export class AgentEvents {
  constructor(private readonly opts: AgentEventsOptions) {}

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
      const timestamp = validTimestamp(e.timestamp);
      this.opts.recorder.record({
        involvedObject: {
          apiVersion: "v1",
          kind: "Pod",
          namespace: e.namespace,
          name: e.podName,
          uid: e.podUid,
          ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
        },
        type: e.type === "Warning" ? "Warning" : "Normal",
        reason: e.reason,
        message: e.message,
        host: nodeName,
        ...(timestamp ? { timestamp } : {}),
      });
    }
    return accepted;
  }

  /** Resolves when every queued event is written. */
  idle(): Promise<void> {
    return this.opts.recorder.idle();
  }
}

function validTimestamp(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : rfc3339(ms);
}
