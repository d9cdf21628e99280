// ReportStatus: pod statuses from agents, written to the API in batches. Only the
// latest status of each pod is kept between flushes, and a write that would not
// change the stored status is skipped, so a chatty agent costs little. When an agent
// reports that a deleted pod's containers are all gone, the pod object is removed.
import { isDeepStrictEqual } from "node:util";
import type { Pod, PodCondition, PodStatus } from "@bosun/api";
import { ApiError, FlushSoon, createLogger, isConflict, isNotFound } from "@bosun/client";
import type { PodStatusUpdate } from "@bosun/proto";
import { podResource } from "../resources.js";
import type { DispatcherApi, PodCache } from "./api-port.js";

const log = createLogger("dispatcher/status");

interface PendingStatus {
  nodeName: string;
  uid: string;
  status: PodStatus;
  terminated: boolean;
}

export interface StatusWriterOptions {
  api: DispatcherApi;
  pods: PodCache;
  flushIntervalMs?: number;
  /** Writes in flight at once during a flush. */
  concurrency?: number;
}

/**
 * Conditions the agent reports replace those of the same type; the others (such as
 * the scheduler's PodScheduled) are kept, since a merge patch replaces whole arrays.
 */
export function mergeConditions(stored: PodCondition[] | undefined, reported: PodCondition[] | undefined): PodCondition[] | undefined {
  if (!reported) return stored;
  const kept = (stored ?? []).filter((c) => !reported.some((r) => r.type === c.type));
  return [...kept, ...reported];
}

/** The status the API will hold after a merge patch of `reported` onto `stored`. */
export function mergedStatus(stored: PodStatus | undefined, reported: PodStatus): PodStatus {
  const merged: Record<string, unknown> = { ...stored, ...reported };
  const conditions = mergeConditions(stored?.conditions, reported.conditions);
  if (conditions) merged.conditions = conditions;
  for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
  return merged as PodStatus;
}

function revision(pod: Pod): number {
  const rv = Number(pod.metadata.resourceVersion);
  return Number.isFinite(rv) ? rv : -1;
}

export class StatusWriter {
  private pending = new Map<string, PendingStatus>();
  /** What our own writes returned: newer than the informer's copy until it catches up. */
  private readonly written = new Map<string, Pod>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly soon = new FlushSoon(() => this.flush());

  constructor(private readonly opts: StatusWriterOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.flushIntervalMs ?? 100);
  }

  /** Stops the timer after writing what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.soon.stop();
    await this.flush();
  }

  /** Queues the updates of pods bound to this node; returns how many were accepted. */
  accept(nodeName: string, updates: PodStatusUpdate[]): number {
    let accepted = 0;
    for (const u of updates) {
      const key = `${u.namespace}/${u.name}`;
      const pod = this.opts.pods.get(key);
      if (!pod || pod.metadata.uid !== u.uid) {
        log.debug({ node: nodeName, pod: key, uid: u.uid }, "status for a pod that no longer exists; ignored");
        continue;
      }
      if (pod.spec.nodeName !== nodeName) {
        log.warn(
          { node: nodeName, pod: key, boundTo: pod.spec.nodeName ?? null },
          "agent reported status for a pod not bound to its node; ignored",
        );
        continue;
      }
      let status: PodStatus;
      try {
        status = JSON.parse(u.statusJson || "{}") as PodStatus;
      } catch (err) {
        log.warn({ node: nodeName, pod: key, err: String(err) }, "agent sent a status that is not JSON; ignored");
        continue;
      }
      this.pending.set(key, { nodeName, uid: u.uid, status, terminated: u.terminated });
      accepted++;
    }
    if (accepted > 0 && this.timer) this.soon.poke();
    return accepted;
  }

  /** Writes everything pending. Concurrent callers share one flush at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.writeBatch(batch).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async writeBatch(batch: Map<string, PendingStatus>): Promise<void> {
    this.forgetCaughtUp();
    const entries = [...batch];
    const workers = Array.from({ length: Math.min(this.opts.concurrency ?? 8, entries.length) }, async () => {
      for (let next = entries.shift(); next; next = entries.shift()) await this.writeOne(next[0], next[1]);
    });
    await Promise.all(workers);
  }

  /** The freshest copy of the pod we know: the informer's, or the one our last write returned. */
  private current(key: string): Pod | undefined {
    const cached = this.opts.pods.get(key);
    const written = this.written.get(key);
    if (!cached) return undefined;
    return written && revision(written) > revision(cached) ? written : cached;
  }

  private async writeOne(key: string, update: PendingStatus): Promise<void> {
    const pod = this.current(key);
    if (!pod || pod.metadata.uid !== update.uid) return;
    const [namespace, name] = splitKey(key);
    try {
      if (update.terminated && pod.metadata.deletionTimestamp) {
        await this.opts.api.delete(podResource, name, { namespace, gracePeriodSeconds: 0, preconditions: { uid: update.uid } });
        this.written.delete(key);
        log.info({ pod: key, node: update.nodeName }, "pod terminated on its node; removed");
        return;
      }
      if (isDeepStrictEqual(mergedStatus(pod.status, update.status), pod.status ?? {})) return;
      const conditions = mergeConditions(pod.status?.conditions, update.status.conditions);
      const patch = { status: { ...update.status, ...(conditions ? { conditions } : {}) } };
      const result = await this.opts.api.patch<Pod>(podResource, name, patch, { namespace, type: "merge", subresource: "status" });
      this.written.set(key, result);
    } catch (err) {
      // Gone, or recreated under the same name (uid precondition): nothing left to write.
      if (isNotFound(err) || (update.terminated && isConflict(err))) {
        this.written.delete(key);
        return;
      }
      if (err instanceof ApiError && err.code < 500 && err.code !== 409 && err.code !== 429) {
        log.warn({ pod: key, err: String(err) }, "the API refused a pod status from the agent; dropped");
        return;
      }
      log.warn({ pod: key, err: String(err) }, "writing pod status failed; retrying with the next batch");
      if (!this.pending.has(key)) this.pending.set(key, update);
    }
  }

  private forgetCaughtUp(): void {
    for (const [key, written] of this.written) {
      const cached = this.opts.pods.get(key);
      if (!cached || revision(cached) >= revision(written)) this.written.delete(key);
    }
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
