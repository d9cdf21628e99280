// The pods of this node: one worker per pod uid, fed by the master's assignments,
// by Docker events (to react at once to a container's death) and by a periodic resync
// (the level-triggered safety net).
import type { Pod } from "@bosun/api";
import { Backoff, createLogger, sleep } from "@bosun/client";
import type { ContainerRuntime } from "../runtime/runtime.js";
import { LABEL_NODE_NAME, LABEL_POD_UID } from "../labels.js";
import { PodWorker, type WorkerDeps } from "./worker.js";
import type { PodHook } from "./hooks/hook.js";
import { ProbeManager } from "../probe/manager.js";
import { ExecRunner } from "../exec/exec-runner.js";

const log = createLogger("agent/pods");

export interface PodManagerOptions extends Omit<WorkerDeps, "probes" | "hooks" | "execs"> {
  /** Runs exec probes and hooks; one over opts.runtime with the default bound unless told. */
  execs?: ExecRunner;
  /** The pod set-up hooks (network, ...), in the order they run; none by default. */
  hooks?: readonly PodHook[];
  /** How often every pod is synced whatever happened (5 s by default); each pod's sync falls at its own point of the interval. */
  resyncIntervalMs?: number;
  /** Called when the master no longer has a pod: nothing more is reported for it. */
  onPodRemoved?: (uid: string) => void;
}

export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  /** Set once a COMPLETE set arrived: from then on, containers of unknown pods are orphans. */
  private haveCompleteSet = false;
  private readonly abort = new AbortController();
  private resyncTimer: NodeJS.Timeout | undefined;
  readonly probes: ProbeManager;
  /** The node's one exec runner: probes and lifecycle hooks share its slots. */
  readonly execs: ExecRunner;
  private readonly workerDeps: WorkerDeps;

  constructor(private readonly opts: PodManagerOptions) {
    this.execs = opts.execs ?? new ExecRunner({ runtime: opts.runtime });
    this.probes = new ProbeManager({
      execs: this.execs,
      reportEvent: opts.reportEvent,
      // A probe verdict is acted on (and reported) by the pod's own worker, in its next sync.
      onChange: (uid) => this.workers.get(uid)?.trigger(),
      now: opts.now,
    });
    this.workerDeps = { ...opts, hooks: opts.hooks ?? [], probes: this.probes, execs: this.execs };
  }

  private get runtime(): ContainerRuntime {
    return this.opts.runtime;
  }

  private get resyncIntervalMs(): number {
    return this.opts.resyncIntervalMs ?? 5_000;
  }

  /** Adopts the node's containers and starts watching them. Pods keep running untouched until the master speaks. */
  async start(): Promise<void> {
    await this.discover();
    void this.watchEvents();
    this.resyncTimer = setInterval(() => void this.resync(), this.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  /** Stops the workers and watches; containers are left running. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.resyncTimer);
    this.probes.stop();
    for (const w of this.workers.values()) w.stop();
    await Promise.all([...this.workers.values()].map((w) => w.idle()));
  }

  /** The pods the master says belong here; any other pod of the node is stopped. */
  applyComplete(pods: Pod[]): void {
    this.haveCompleteSet = true;
    const wanted = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata.uid;
      if (!uid) continue;
      wanted.add(uid);
      this.worker(uid).setDesired(pod);
    }
    for (const uid of this.workers.keys()) if (!wanted.has(uid)) this.remove(uid);
  }

  applyUpdate(pod: Pod): void {
    if (pod.metadata.uid) this.worker(pod.metadata.uid).setDesired(pod);
  }

  applyRemove(uid: string): void {
    if (this.workers.has(uid)) this.remove(uid);
  }

  /** The master no longer has the pod: its worker tears it down and its status is no longer reported. */
  private remove(uid: string): void {
    this.worker(uid).setDesired("removed");
    this.opts.onPodRemoved?.(uid);
  }

  /** The pods that should be running here (not removed, deleted, evicted or finished). */
  activePods(): Pod[] {
    return [...this.workers.values()].flatMap((w) => w.activePod() ?? []);
  }

  /** Evicts an active pod (PodWorker.evict): answers false when it is not active here. */
  evict(uid: string, message: string): boolean {
    return this.workers.get(uid)?.evict(message) ?? false;
  }

  /** Triggers a sync of every pod. */
  syncAll(): void {
    for (const w of this.workers.values()) w.trigger();
  }

  private worker(uid: string): PodWorker {
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(uid, this.workerDeps, (gone) => {
        this.workers.delete(gone);
        this.probes.stopPod(gone);
      });
      this.workers.set(uid, w);
    }
    return w;
  }

  /** Finds pods that have containers on this node but no worker: adopted at start, orphans later. */
  private async discover(): Promise<void> {
    const containers = await this.runtime.listContainers({ [LABEL_NODE_NAME]: this.opts.nodeName });
    for (const c of containers) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid || this.workers.has(uid)) continue;
      if (this.haveCompleteSet) {
        this.remove(uid);
      } else {
        this.worker(uid);
        log.info({ uid, container: c.id.slice(0, 12) }, "adopted a pod's containers; waiting for the master's assignments");
      }
    }
  }

  private async resync(): Promise<void> {
    try {
      await this.discover();
    } catch (err) {
      log.warn({ err: (err as Error).message }, "listing the node's containers failed; will retry at the next resync");
    }
    this.syncSpread();
    await this.sweep();
  }

  /**
   * Asks every worker for a sync within the resync interval, each at its own point of
   * it. Syncing 110 pods at once put 220 Docker calls in flight together, and what
   * they held outlived the young generation and swelled the old one (the kubelet
   * jitters each worker's resync for the same reason; docs/benchmarks.md, Density).
   */
  private syncSpread(): void {
    const workers = [...this.workers.values()];
    const step = this.resyncIntervalMs / Math.max(workers.length, 1);
    workers.forEach((w, i) => w.syncWithin(i * step));
  }

  /**
   * Once the master's complete set is known, the hooks release what they made for
   * pods that have no worker (their containers went while the agent was away, or
   * before it could release what the pod used).
   */
  private async sweep(): Promise<void> {
    if (!this.haveCompleteSet) return;
    for (const hook of this.workerDeps.hooks) {
      try {
        await hook.sweep?.((uid) => this.workers.has(uid));
      } catch (err) {
        log.warn({ hook: hook.name, err: (err as Error).message }, "a pod hook failed to release what it made for pods that are gone; will retry at the next resync");
      }
    }
  }

  private async watchEvents(): Promise<void> {
    const backoff = new Backoff({ initialMs: 500, maxMs: 10_000 });
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        for await (const ev of this.runtime.events({ [LABEL_NODE_NAME]: this.opts.nodeName }, signal)) {
          backoff.reset();
          if (ev.action === "die" || ev.action === "oom" || ev.action === "destroy" || ev.action === "stop") {
            const uid = ev.labels[LABEL_POD_UID];
            if (uid) this.workers.get(uid)?.trigger();
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        log.warn({ err: (err as Error).message }, "the Docker event stream broke; reconnecting (periodic resyncs cover the gap)");
      }
      await sleep(backoff.next(), signal);
    }
  }
}
