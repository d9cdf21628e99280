// Node lifecycle, after Kubernetes' node lifecycle controller and its taint
// eviction: a node whose agent stopped heartbeating becomes Ready=Unknown; a node's
// Ready condition and spec.unschedulable become taints; the pods of an unready node
// are marked not Ready; and pods on a node with NoExecute taints they do not
// tolerate (long enough) are deleted, so their controllers replace them elsewhere.
//
// Staleness is judged by when this controller last *saw* a node's heartbeat time
// change, not by comparing that timestamp with our clock, as the Kubernetes node
// lifecycle controller does: clocks of masters and agents may disagree, and after a
// master restart every heartbeat looks old although the agents are fine and only
// need a moment to reconnect.
//
// Everything else is level-triggered on a short tick: each pass reads the nodes
// (and the pods of unhealthy nodes) and acts on what they say, and the eviction
// clock is the taint's timeAdded, written by whichever master added it. A master
// that restarts mid-way therefore carries on where the last one stopped.
import {
  formatTaint,
  isPodTerminal,
  mustResource,
  nodeReadyCondition,
  rfc3339,
  type Node,
  type NodeCondition,
  type Pod,
  type Taint,
} from "@bosun/api";
import { createLogger, isConflict, isNotFound, type ApiClient, type EventRecorder } from "@bosun/client";
import { errorMessage } from "../common/index.js";
import { evictionTime, type TaintSince } from "./eviction.js";
import { notReadyStatus } from "./pod-ready.js";
import { desiredControllerTaints, hasNotReadyTaint, reconcileTaints } from "./taints.js";

const log = createLogger("controllers/node-lifecycle");

export const unknownReason = "NodeStatusUnknown";
export const unknownMessage = "Kubelet stopped posting node status.";
const neverReason = "NodeStatusNeverUpdated";
const neverMessage = "Kubelet never posted node status.";

/** Bosun's default; Kubernetes waits 300 s (its DefaultTolerationSeconds). */
export const defaultPodEvictionTimeoutMs = 30_000;
/** Taint writes race the agents' heartbeats on the same object; a few re-reads settle it. */
const maxTaintWriteAttempts = 5;

export type NodeLifecycleApi = Pick<ApiClient, "list" | "get" | "update" | "delete">;

export interface NodeLifecycleOptions {
  client: NodeLifecycleApi;
  gracePeriodMs: number;
  /**
   * How long pods stay on a node tainted not-ready or unreachable when they have
   * no toleration of their own for it (default 30 s).
   */
  podEvictionTimeoutMs?: number;
  /** How often nodes are checked. */
  intervalMs?: number;
  /** Where NodeNotReady and TaintManagerEviction events go; without one they are not recorded. */
  recorder?: EventRecorder;
  now?: () => number;
}

interface Observed {
  heartbeat: string;
  observedAtMs: number;
}

const discardEvents: EventRecorder = { event: () => undefined };

/** The heartbeat a node's status carries: its Ready condition's, or none yet. */
function heartbeatOf(node: Node): string {
  return nodeReadyCondition(node)?.lastHeartbeatTime ?? "";
}

function isReady(node: Node): boolean {
  return nodeReadyCondition(node)?.status === "True";
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
  /** When this controller first saw a NoExecute taint that carries no timeAdded. */
  private readonly taintFirstSeen = new Map<string, number>();
  private readonly nodes = mustResource("nodes");
  private readonly pods = mustResource("pods");
  private readonly now: () => number;
  private readonly recorder: EventRecorder;
  private readonly podEvictionTimeoutMs: number;
  private fullDisruption = false;

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.now = opts.now ?? Date.now;
    this.recorder = opts.recorder ?? discardEvents;
    this.podEvictionTimeoutMs = opts.podEvictionTimeoutMs ?? defaultPodEvictionTimeoutMs;
  }

  /** One pass over all nodes. Safe to call at any time: it only acts on what it reads. */
  async reconcile(): Promise<void> {
    const list = await this.opts.client.list<Node>(this.nodes);
    const nowMs = this.now();
    const seen = new Set<string>();
    const nodes: Node[] = [];
    for (const node of list.items) {
      seen.add(node.metadata.name ?? "");
      nodes.push(await this.monitorHeartbeat(node, nowMs));
    }
    for (const name of this.observed.keys()) if (!seen.has(name)) this.observed.delete(name);

    const noExecute = this.noExecuteAllowed(nodes);
    const liveTaints = new Set<string>();
    for (const node of nodes) {
      try {
        const current = await this.syncTaints(node, nowMs, noExecute);
        if (current) await this.syncPods(current, nowMs, liveTaints);
      } catch (err) {
        log.warn(
          { node: node.metadata.name, err: errorMessage(err) },
          "could not update the node's taints or pods; retrying at the next pass",
        );
      }
    }
    for (const key of this.taintFirstSeen.keys()) if (!liveTaints.has(key)) this.taintFirstSeen.delete(key);
  }

  /** Marks the node Ready=Unknown when its heartbeat has not moved for the grace period. */
  private async monitorHeartbeat(node: Node, nowMs: number): Promise<Node> {
    const name = node.metadata.name ?? "";
    const heartbeat = heartbeatOf(node);
    const prior = this.observed.get(name);
    if (!prior || prior.heartbeat !== heartbeat) {
      this.observed.set(name, { heartbeat, observedAtMs: nowMs });
      return node;
    }
    if (nowMs - prior.observedAtMs <= this.opts.gracePeriodMs) return node;
    if (nodeReadyCondition(node)?.status === "Unknown") return node;
    return this.markUnknown(node, nowMs);
  }

  private async markUnknown(node: Node, nowMs: number): Promise<Node> {
    const name = node.metadata.name ?? "";
    const conditions = unknownConditions(node.status?.conditions, rfc3339(nowMs));
    try {
      // A compare-and-swap write: if a heartbeat landed since we read the node, this
      // fails with a conflict and the next pass sees the fresh heartbeat instead.
      const updated = await this.opts.client.update<Node>(
        this.nodes,
        { ...node, status: { ...node.status, conditions } },
        { subresource: "status" },
      );
      log.warn({ node: name, lastHeartbeat: heartbeatOf(node) || null }, "node stopped heartbeating; marked Ready=Unknown");
      return updated;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return node;
      throw err;
    }
  }

  /**
   * Kubernetes' full-disruption rule: when no node at all is Ready, the master is
   * more likely cut off than every node broken, so nothing is evicted (and the
   * NoExecute taints come off) until some node is Ready again.
   */
  private noExecuteAllowed(nodes: readonly Node[]): boolean {
    const disrupted = nodes.length > 0 && !nodes.some(isReady);
    if (disrupted !== this.fullDisruption) {
      this.fullDisruption = disrupted;
      if (disrupted) {
        log.warn({ nodes: nodes.length }, "no node is Ready: pausing evictions until one is, in case the master is the one cut off");
      } else {
        log.info("a node is Ready again: evictions resume");
      }
    }
    return !disrupted;
  }

  /** Brings the controller's taints on the node to what its state calls for; the latest node, or undefined if it is gone. */
  private async syncTaints(node: Node, nowMs: number, noExecute: boolean): Promise<Node | undefined> {
    const name = node.metadata.name ?? "";
    let current = node;
    for (let attempt = 1; ; attempt++) {
      const taints = reconcileTaints(current.spec?.taints, desiredControllerTaints(current, { noExecute }), rfc3339(nowMs));
      if (!taints) return current;
      try {
        const updated = await this.opts.client.update<Node>(this.nodes, { ...current, spec: { ...current.spec, taints } });
        this.taintsChanged(current, updated);
        return updated;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err) || attempt >= maxTaintWriteAttempts) throw err;
      }
      try {
        current = await this.opts.client.get<Node>(this.nodes, name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
  }

  private taintsChanged(before: Node, after: Node): void {
    const name = after.metadata.name ?? "";
    const had = before.spec?.taints ?? [];
    const has = after.spec?.taints ?? [];
    const hadKeys = had.map(formatTaint);
    const hasKeys = has.map(formatTaint);
    const added = hasKeys.filter((k) => !hadKeys.includes(k));
    const removed = hadKeys.filter((k) => !hasKeys.includes(k));
    log.info({ node: name, added, removed }, "updated node taints");
    if (!hasNotReadyTaint(had) && hasNotReadyTaint(has)) {
      this.recorder.event(after, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
    }
  }

  /** Marks the pods of an unready node not Ready, and evicts those its NoExecute taints no longer allow. */
  private async syncPods(node: Node, nowMs: number, liveTaints: Set<string>): Promise<void> {
    const name = node.metadata.name ?? "";
    const notReady = !isReady(node);
    const noExecute = (node.spec?.taints ?? [])
      .filter((t) => t.effect === "NoExecute")
      .map((taint): TaintSince => ({ taint, sinceMs: this.taintSince(name, taint, nowMs, liveTaints) }));
    if (!notReady && noExecute.length === 0) return;
    const pods = await this.opts.client.list<Pod>(this.pods, { fieldSelector: `spec.nodeName=${name}` });
    for (const pod of pods.items) {
      if (pod.spec.nodeName !== name) continue;
      if (notReady) await this.markPodNotReady(pod, nowMs);
      if (noExecute.length > 0) await this.evictIfDue(pod, noExecute, nowMs);
    }
  }

  /** The taint's timeAdded; for a taint written without one, when this controller first saw it. */
  private taintSince(node: string, taint: Taint, nowMs: number, liveTaints: Set<string>): number {
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    if (!Number.isNaN(added)) return added;
    const key = `${node}\u0000${formatTaint(taint)}`;
    liveTaints.add(key);
    let first = this.taintFirstSeen.get(key);
    if (first === undefined) this.taintFirstSeen.set(key, (first = nowMs));
    return first;
  }

  private async markPodNotReady(pod: Pod, nowMs: number): Promise<void> {
    const status = notReadyStatus(pod, rfc3339(nowMs));
    if (!status) return;
    try {
      await this.opts.client.update<Pod>(this.pods, { ...pod, status }, { subresource: "status" });
    } catch (err) {
      // Changed or gone meanwhile: the next pass reads it again.
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
    log.info({ pod: podKey(pod), node: pod.spec.nodeName }, "node is not ready; marked its pod not Ready");
    this.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready");
  }

  private async evictIfDue(pod: Pod, taints: readonly TaintSince[], nowMs: number): Promise<void> {
    // Already going, or finished: a finished pod holds nothing that needs replacing,
    // and deleting it would lose its outcome for whoever reads it (Jobs).
    if (pod.metadata.deletionTimestamp || isPodTerminal(pod)) return;
    const at = evictionTime(pod.spec.tolerations, taints, this.podEvictionTimeoutMs);
    if (at === undefined || at > nowMs) return;
    const key = podKey(pod);
    try {
      // A normal graceful delete: the pod stays Terminating until its agent stops it
      // (or comes back and does); meanwhile it no longer counts as active, so its
      // controller creates a replacement. The uid guards a same-named successor.
      await this.opts.client.delete(this.pods, pod.metadata.name ?? "", {
        namespace: pod.metadata.namespace,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return;
      throw err;
    }
    log.info({ pod: key, node: pod.spec.nodeName }, "evicted pod from a node with a NoExecute taint it does not tolerate");
    this.recorder.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`);
  }
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
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
