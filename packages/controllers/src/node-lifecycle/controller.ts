// Node lifecycle: a node whose agent stopped heartbeating becomes Ready=Unknown.
//
// Staleness is judged by when this controller last *saw* a node's heartbeat time
// change, not by comparing that timestamp with our clock, as the Kubernetes node
// lifecycle controller does: clocks of masters and agents may disagree, and after a
// master restart every heartbeat looks old although the agents are fine and only
// need a moment to reconnect.
import { nodeReadyCondition, mustResource, type Node, type NodeCondition, rfc3339 } from "@bosun/api";
import { createLogger, isConflict, isNotFound, type ApiClient } from "@bosun/client";

const log = createLogger("controllers/node-lifecycle");

export const unknownReason = "NodeStatusUnknown";
export const unknownMessage = "Kubelet stopped posting node status.";
const neverReason = "NodeStatusNeverUpdated";
const neverMessage = "Kubelet never posted node status.";

export type NodeLifecycleApi = Pick<ApiClient, "list" | "update">;

export interface NodeLifecycleOptions {
  client: NodeLifecycleApi;
  gracePeriodMs: number;
  /** How often nodes are checked. */
  intervalMs?: number;
  now?: () => number;
}

interface Observed {
  heartbeat: string;
  observedAtMs: number;
}



/** The heartbeat a node's status carries: its Ready condition's, or none yet. */
function heartbeatOf(node: Node): string {
  return nodeReadyCondition(node)?.lastHeartbeatTime ?? "";
}

/** Every condition set to Unknown; Ready is added if the agent never posted one. */
export function unknownConditions(conditions: NodeCondition[] | undefined, nowIso: string): NodeCondition[] {
  const hasReady = conditions?.some((c) => c.type === "Ready") ?? false;
  const marked = (conditions ?? []).map((c) =>
    c.status === "Unknown"
      ? c
      : { ...c, status: "Unknown" as const, reason: unknownReason, message: unknownMessage, lastTransitionTime: nowIso },
  );
  if (hasReady) return marked;
  return [{ type: "Ready", status: "Unknown", reason: neverReason, message: neverMessage, lastTransitionTime: nowIso }, ...marked];
}

export class NodeLifecycleController {
  private readonly observed = new Map<string, Observed>();
  private readonly nodes = mustResource("nodes");
  private readonly now: () => number;

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** One pass over all nodes. Safe to call at any time: it only acts on what it reads. */
  async reconcile(): Promise<void> {
    const list = await this.opts.client.list<Node>(this.nodes);
    const nowMs = this.now();
    const seen = new Set<string>();
    for (const node of list.items) {
      const name = node.metadata.name ?? "";
      seen.add(name);
      const heartbeat = heartbeatOf(node);
      const prior = this.observed.get(name);
      if (!prior || prior.heartbeat !== heartbeat) {
        this.observed.set(name, { heartbeat, observedAtMs: nowMs });
        continue;
      }
      if (nowMs - prior.observedAtMs <= this.opts.gracePeriodMs) continue;
      const ready = nodeReadyCondition(node);
      if (ready?.status === "Unknown") continue;
      await this.markUnknown(node, nowMs);
    }
    for (const name of this.observed.keys()) if (!seen.has(name)) this.observed.delete(name);
  }

  private async markUnknown(node: Node, nowMs: number): Promise<void> {
    const name = node.metadata.name ?? "";
    const conditions = unknownConditions(node.status?.conditions, rfc3339(nowMs));
    try {
      // A compare-and-swap write: if a heartbeat landed since we read the node, this
      // fails with a conflict and the next pass sees the fresh heartbeat instead.
      await this.opts.client.update<Node>(this.nodes, { ...node, status: { ...node.status, conditions } }, { subresource: "status" });
      log.warn({ node: name, lastHeartbeat: heartbeatOf(node) || null }, "node stopped heartbeating; marked Ready=Unknown");
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
  }
}

export function startNodeLifecycleController(opts: NodeLifecycleOptions): { stop(): Promise<void> } {
  const controller = new NodeLifecycleController(opts);
  const abort = new AbortController();
  const intervalMs = opts.intervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = controller
      .reconcile()
      .catch((err: unknown) => log.warn({ err: String(err) }, "node lifecycle pass failed; retrying at the next tick"))
      .finally(() => {
        if (!abort.signal.aborted) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
