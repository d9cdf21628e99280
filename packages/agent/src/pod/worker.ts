// One worker per pod uid, after the kubelet's pod workers: syncs are serialised (one
// action at a time per pod) and level-triggered (each sync reads the desired pod and
// the pod's containers and acts on the difference), so a missed event or a crash at
// any line is repaired by the next sync. The worker is the loop and the order of
// things; the parts do the work: the sandbox (with the set-up hooks), the containers,
// image pulls, the observation and teardown, each in a file of its own.
import { isSidecar, rfc3339 } from "@bosun/api";
import type { Pod, PodStatus } from "@bosun/api";
import { CoalescingLoop, createLogger } from "@bosun/client";
import type { ContainerSummary } from "../runtime/runtime.js";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, sandboxIP } from "../labels.js";
import type { RunningContainer } from "../probe/manager.js";
import { ContainerSync } from "./containers.js";
import { containerFieldPath, PodContext, RETRY_AFTER_ERROR_MS, timeOf, type WorkerDeps } from "./context.js";
import { activeDeadlineRemainingMs, deadlineFailure } from "./active-deadline.js";
import { EVICTED_REASON, evictionFailure, failureRecorded, type PodFailure } from "./eviction.js";
import { podIdentity, podKey, type PodIdentity } from "./identity.js";
import { ImagePuller } from "./images.js";
import { PodObserver, type PodObservation } from "./observe.js";
import { syncPodContainers } from "./pod-containers.js";
import { Sandbox, sandboxAddresses } from "./sandbox.js";
import { computePodStatus, podFinished, type Waiting } from "./status.js";
import { stopPodContainers, teardownPod } from "./teardown.js";

export type { WorkerDeps } from "./context.js";
export { graceSeconds } from "./grace.js";

const log = createLogger("agent/pod-worker");

/** What the worker knows the master wants: a pod, its removal, or nothing yet (adopted, no word). */
export type Desired = Pod | "removed" | undefined;

export class PodWorker {
  private desired: Desired;
  /** The last pod the master sent, for the grace period once it is removed. */
  private lastPod: Pod | undefined;
  private readonly loop = new CoalescingLoop(() => this.syncOrRetry());
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private lastStatus: PodStatus | undefined;
  /** Why this agent failed the pod for good (evicted, past its deadline), once it did. */
  private failedWith: PodFailure | undefined;
  /** The hooks have released what the failed pod's stopped containers no longer need. */
  private stoppedHooksDone = false;
  private readonly ctx: PodContext;
  private readonly observer: PodObserver;
  private readonly sandbox: Sandbox;
  private readonly containers: ContainerSync;

  constructor(
    readonly uid: string,
    private readonly deps: WorkerDeps,
    private readonly onFinished: (uid: string) => void,
  ) {
    this.ctx = new PodContext(uid, deps, (ms) => this.wakeIn(ms), () => this.trigger());
    this.observer = new PodObserver(this.ctx);
    this.sandbox = new Sandbox(this.ctx);
    this.containers = new ContainerSync(this.ctx, new ImagePuller(this.ctx));
  }

  setDesired(desired: Desired): void {
    this.desired = desired;
    if (desired && desired !== "removed") this.lastPod = desired;
    this.trigger();
  }

  /** The pod while it should run here: not removed, deleted, evicted or finished. */
  activePod(): Pod | undefined {
    const pod = this.desired;
    if (pod === undefined || pod === "removed" || pod.metadata.deletionTimestamp) return undefined;
    if (this.failure(pod) !== undefined) return undefined;
    const phase = this.lastStatus?.phase;
    return phase === "Succeeded" || phase === "Failed" ? undefined : pod;
  }

  /**
   * Evicts the pod for `message` (the kubelet's evictPod): a Warning event now, then
   * the next sync stops its containers and reports it Failed, reason Evicted. Answers
   * false, doing nothing, when the pod is not active here.
   */
  evict(message: string): boolean {
    const pod = this.activePod();
    if (pod === undefined) return false;
    this.failedWith = evictionFailure(message);
    this.ctx.event(podIdentity(pod), "Warning", EVICTED_REASON, message);
    log.info({ pod: podKey(podIdentity(pod)), message }, "evicting the pod");
    this.trigger();
    return true;
  }

  /** Asks for a sync; one that arrives during a sync runs right after it. */
  trigger(): void {
    this.loop.trigger();
  }

  /** Asks for a sync in `ms` at the latest; a sync already due sooner serves. */
  syncWithin(ms: number): void {
    this.wakeIn(ms);
  }

  /** Resolves when no sync is running. */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** Stops syncing; containers are left as they are. */
  stop(): void {
    this.loop.stop();
    clearTimeout(this.wakeTimer);
  }

  private async syncOrRetry(): Promise<void> {
    try {
      await this.sync();
    } catch (err) {
      log.error({ pod: this.uid, err: (err as Error).message }, "pod sync failed; retrying");
      this.wakeIn(RETRY_AFTER_ERROR_MS);
    }
  }

  private wakeIn(ms: number): void {
    const now = this.ctx.now();
    const at = now + Math.max(ms, 50);
    if (this.wakeTimer && at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.trigger();
    }, at - now);
    this.wakeTimer.unref();
  }

  private async sync(): Promise<void> {
    const desired = this.desired;
    // Adopted containers wait for the master's word; the agent never removes a pod
    // because it has not heard from the master.
    if (desired === undefined) return;
    const containers = await this.observer.listContainers();
    if (desired === "removed") {
      this.deps.probes.stopPod(this.uid);
      const id = this.identity(containers);
      await teardownPod(this.ctx, this.observer, containers, this.lastPod);
      if ((await this.observer.listContainers()).length === 0) await this.finish(id);
      return;
    }
    if (desired.metadata.deletionTimestamp) {
      // As the kubelet, no probe may kill a container that is being stopped anyway.
      this.deps.probes.stopPod(this.uid);
      await teardownPod(this.ctx, this.observer, containers, desired);
      this.report(desired, this.observer.observe(desired, [], new Map()), true, this.failure(desired));
      return;
    }
    this.checkActiveDeadline(desired);
    const failure = this.failure(desired);
    if (failure !== undefined) {
      await this.syncFailed(desired, containers, failure);
      return;
    }
    await this.syncRunning(desired, containers);
    // A first report gives the pod its start time, from which the deadline counts.
    this.checkActiveDeadline(desired);
    if (this.failedWith !== undefined) this.trigger();
  }

  /** Why the pod failed for good: this agent's word, or the master's record of an earlier one (the agent restarted since). */
  private failure(pod: Pod): PodFailure | undefined {
    return this.failedWith ?? failureRecorded(pod);
  }

  /** Fails the pod once its activeDeadlineSeconds passed; until then, wakes the worker when it will. */
  private checkActiveDeadline(pod: Pod): void {
    const phase = this.lastStatus?.phase;
    if (this.failure(pod) !== undefined || phase === "Succeeded" || phase === "Failed") return;
    const remaining = activeDeadlineRemainingMs(pod, this.lastStatus?.startTime ?? pod.status?.startTime, this.ctx.now());
    if (remaining === undefined) return;
    if (remaining > 0) {
      this.wakeIn(remaining);
      return;
    }
    this.failedWith = deadlineFailure(pod);
    this.ctx.event(podIdentity(pod), "Normal", this.failedWith.reason, this.failedWith.message);
    log.info({ pod: podKey(podIdentity(pod)) }, "the pod is past its activeDeadlineSeconds; stopping it");
  }

  /**
   * A pod failed for good never runs again here: its containers are stopped (kept,
   * with their logs, until it is deleted) and the hooks release what they no longer need.
   */
  private async syncFailed(pod: Pod, containers: ContainerSummary[], failure: PodFailure): Promise<void> {
    this.deps.probes.stopPod(this.uid);
    await stopPodContainers(this.ctx, containers, pod, failure.graceSeconds);
    if (!this.stoppedHooksDone) {
      for (const hook of this.deps.hooks) await hook.podStopped?.(podIdentity(pod));
      this.stoppedHooksDone = true;
    }
    const stopped = await this.observer.inspectAll(await this.observer.listContainers());
    this.report(pod, this.observer.observe(pod, stopped, new Map()), false, failure);
  }

  /** The pod's containers are all gone: its hooks release what they made, and the worker ends. */
  private async finish(id: PodIdentity): Promise<void> {
    for (const hook of this.deps.hooks) {
      try {
        await hook.destroy?.(id);
      } catch (err) {
        log.warn({ pod: podKey(id), hook: hook.name, err: (err as Error).message }, "a pod hook failed to release what it made for the pod");
      }
    }
    this.stop();
    this.onFinished(this.uid);
  }

  /** Who the pod is: from the master's last word, else from its containers' labels. */
  private identity(containers: ContainerSummary[]): PodIdentity {
    if (this.lastPod) return podIdentity(this.lastPod);
    const labels = containers[0]?.labels ?? {};
    return { uid: this.uid, name: labels[LABEL_POD_NAME] ?? "", namespace: labels[LABEL_POD_NAMESPACE] ?? "" };
  }

  private async syncRunning(pod: Pod, all: ContainerSummary[]): Promise<void> {
    const { runtime } = this.deps;
    this.observer.forgetTerminal();
    const inits = pod.spec.initContainers ?? [];
    this.ctx.initContainerNames = new Set(inits.map((c) => c.name));
    this.ctx.ephemeralContainerNames = new Set((pod.spec.ephemeralContainers ?? []).map((c) => c.name));
    const specNames = new Set([...inits, ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])].map((c) => c.name));
    const byName = new Map<string, ContainerSummary[]>();
    for (const c of all) {
      const name = c.labels[LABEL_CONTAINER_NAME] ?? "";
      if (name !== INFRA_CONTAINER_NAME && !specNames.has(name)) {
        await runtime.removeContainer(c.id); // a container the spec no longer has
        continue;
      }
      byName.set(name, [...(byName.get(name) ?? []), c]);
    }
    const details = await this.observer.inspectAll(all);
    const detailOf = (c: ContainerSummary | undefined) => (c ? details.find((d) => d.id === c.id) : undefined);
    const observations = this.observer.fromDetails(pod, details);
    const finished = podFinished(pod, observations);
    let waiting = new Map<string, Waiting>();

    // The infra container: the pod's network namespace.
    const infras = byName.get(INFRA_CONTAINER_NAME) ?? [];
    for (const old of infras.slice(1)) await runtime.removeContainer(old.id);
    let infra: ContainerSummary | undefined = infras[0];
    // Resolves once the infra container runs; app containers are created meanwhile
    // and only started after it, which saves a container create on every pod start.
    let infraStarted: Promise<void> = Promise.resolve();
    let sandboxCreatedMs = timeOf(detailOf(infra)?.createdAt, 0);
    const killed = new Set<string>();
    // The hooks' part (volumes, a service account token from the API) is set up while
    // the sandbox is made: neither needs the other, and the kubelet too mounts a
    // pod's volumes before it creates the sandbox.
    const hooksSynced = finished ? undefined : this.syncHooks(pod);
    // Awaited below; this only keeps a sync that ends early from leaving it unhandled.
    hooksSynced?.catch(() => undefined);
    if (infra?.state !== "running" && !finished) {
      const ran = [...specNames].some((name) => (byName.get(name) ?? []).length > 0);
      // As the kubelet: a Never pod whose containers already ran gets no new sandbox.
      if (!(pod.spec.restartPolicy === "Never" && ran)) {
        const sandbox = await this.sandbox.start(pod, infra, byName, killed);
        infra = sandbox?.infra;
        if (sandbox) infraStarted = sandbox.started;
        // Every instance there is belongs to an earlier sandbox.
        sandboxCreatedMs = Infinity;
      }
    }

    let initFailed = false;
    await hooksSynced;
    if (infra?.state === "running") {
      const podIPs = sandboxAddresses(runtime, infra, infraStarted);
      const synced = await syncPodContainers(this.ctx, this.containers, {
        pod, byName, detailOf, observations, infraId: infra.id, sandboxCreatedMs, killed, infraStarted, podIPs, finished,
      });
      waiting = synced.waiting;
      initFailed = synced.initFailed;
    }

    if ((finished || initFailed) && infra?.state === "running") {
      // A finished pod needs no network namespace, nor its sidecars (stopped after the
      // app containers, as the kubelet's KillPod); its containers stay for their logs.
      await stopPodContainers(this.ctx, await this.observer.listContainers(), pod);
    }

    await infraStarted.catch(() => undefined); // report the sandbox as it settled, not mid-start
    const now = await this.observer.listContainers();
    const obs = this.observer.observe(pod, await this.observer.inspectAll(now), waiting);
    this.syncProbes(pod, obs);
    this.report(pod, obs, false);
  }

  /** What the hooks keep current for the pod's containers (volumes); a hook may ask for a sync by a time. */
  private async syncHooks(pod: Pod): Promise<void> {
    for (const hook of this.deps.hooks) {
      const wakeInMs = await hook.syncPod?.(pod);
      if (wakeInMs !== undefined) this.wakeIn(wakeInMs);
    }
  }

  /**
   * `failure` is why the node failed the pod, once its containers were stopped for it;
   * a sync of the running pod that a failure overtakes reports what it saw, and the
   * sync after it the failure.
   */
  private report(pod: Pod, obs: PodObservation, terminated: boolean, failure?: PodFailure): void {
    // A sync that began before the master removed the pod says nothing more about it.
    if (this.desired === "removed") return;
    const status = computePodStatus({
      pod,
      infra: obs.infra,
      containers: obs.containers,
      hostIP: this.deps.hostIP(),
      previous: this.lastStatus,
      now: rfc3339(this.ctx.now()),
      ...(failure !== undefined ? { failure: { reason: failure.reason, message: failure.message } } : {}),
    });
    this.lastStatus = status;
    this.deps.reportStatus(podIdentity(pod), status, terminated);
  }

  /**
   * Hands the running containers to the probes (new instances get fresh probe
   * workers) and puts what the probes say into the observation.
   */
  private syncProbes(pod: Pod, obs: PodObservation): void {
    const running: RunningContainer[] = [];
    // Sidecars are probed as app containers are; plain init containers have no probes.
    const sidecars = (pod.spec.initContainers ?? []).filter(isSidecar);
    for (const spec of [...sidecars, ...pod.spec.containers]) {
      const cur = obs.containers.get(spec.name)?.current;
      if (cur?.running) {
        const fieldPath = containerFieldPath(spec.name, sidecars.includes(spec));
        running.push({ spec, id: cur.id, startedAtMs: timeOf(cur.startedAt, this.ctx.now()), fieldPath });
      }
    }
    const { probes } = this.deps;
    const podIP = obs.infra?.running ? sandboxIP(obs.infra) : "";
    this.ctx.podIP = podIP;
    probes.sync(pod, podIP, running);
    for (const c of running) {
      const o = obs.containers.get(c.spec.name);
      if (o) o.health = probes.health(c.spec, c.id);
    }
  }
}
