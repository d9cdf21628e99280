// One worker per pod uid, after the kubelet's pod workers: syncs are serialised (one
// action at a time per pod) and level-triggered (each sync reads the desired pod and
// the pod's containers and acts on the difference), so a missed event or a crash at
// any line is repaired by the next sync.
import { rfc3339 } from "@bosun/api";
import type { Container, Pod, PodStatus } from "@bosun/api";
import { createLogger } from "@bosun/client";
import type { ContainerDetails, ContainerRuntime, ContainerSummary } from "../runtime/runtime.js";
import {
  INFRA_CONTAINER_NAME,
  LABEL_CONTAINER_NAME,
  LABEL_NODE_NAME,
  LABEL_POD_UID,
  LABEL_SPEC_HASH,
  restartCountOf,
  terminationGraceOf,
  type PodIdentity,
} from "../labels.js";
import { appContainerSpec, infraContainerSpec, podIdentity, podKey, pullPolicyOf, specHash } from "./container-config.js";
import { ContainerBackoff, crashLoopMessage, shouldRestart } from "./backoff.js";
import {
  computePodStatus,
  effectiveExitCode,
  isExited,
  podFinished,
  willRestart,
  type ContainerObservation,
  type Waiting,
} from "./status.js";
import type { PodProbes, RunningContainer } from "../probe/manager.js";

const log = createLogger("agent/pod-worker");

export interface PodEventRecord {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** e.g. spec.containers{web}; empty for the pod itself. */
  fieldPath: string;
}

export interface WorkerDeps {
  runtime: ContainerRuntime;
  nodeName: string;
  infraImage: string;
  hostIP: () => string;
  restartBackoff: ContainerBackoff;
  pullBackoff: ContainerBackoff;
  reportStatus: (pod: PodIdentity, status: PodStatus, terminated: boolean) => void;
  reportEvent: (pod: PodIdentity, event: PodEventRecord) => void;
  probes: PodProbes;
  now?: () => number;
}

/** What the worker knows the master wants: a pod, its removal, or nothing yet (adopted, no word). */
export type Desired = Pod | "removed" | undefined;

const DEFAULT_GRACE_SECONDS = 30;
const RETRY_AFTER_ERROR_MS = 2_000;

function timeOf(t: string | undefined, fallback: number): number {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : fallback;
}


function newestFirst(a: ContainerSummary, b: ContainerSummary): number {
  return restartCountOf(b.labels) - restartCountOf(a.labels) || b.created - a.created;
}

export function graceSeconds(pod: Pod | undefined): number {
  return pod?.metadata.deletionGracePeriodSeconds ?? pod?.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}

export class PodWorker {
  private desired: Desired;
  /** The last pod the master sent, for the grace period once it is removed. */
  private lastPod: Pod | undefined;
  private running: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private lastStatus: PodStatus | undefined;
  /** The containers' last state before a deletion removed them, for the final status. */
  private terminalObservation: Map<string, ContainerObservation> | undefined;
  private readonly inspectCache = new Map<string, ContainerDetails>();
  private readonly backoffEventSent = new Set<string>();
  private readonly lastPullFailure = new Map<string, number>();
  /** Container IDs this worker killed for a failed liveness or startup probe. */
  private readonly probeKilled = new Set<string>();
  private readonly now: () => number;

  constructor(
    readonly uid: string,
    private readonly deps: WorkerDeps,
    private readonly onFinished: (uid: string) => void,
  ) {
    this.now = deps.now ?? Date.now;
  }

  setDesired(desired: Desired): void {
    this.desired = desired;
    if (desired && desired !== "removed") this.lastPod = desired;
    this.trigger();
  }

  /** Asks for a sync; one that arrives during a sync runs right after it. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no sync is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops syncing; containers are left as they are. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
  }

  private async loop(): Promise<void> {
    do {
      this.dirty = false;
      try {
        await this.sync();
      } catch (err) {
        log.error({ pod: this.uid, err: (err as Error).message }, "pod sync failed; retrying");
        this.wakeIn(RETRY_AFTER_ERROR_MS);
      }
    } while (this.dirty && !this.stopped);
  }

  private wakeIn(ms: number): void {
    const at = this.now() + Math.max(ms, 50);
    if (this.wakeTimer && at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.trigger();
    }, at - this.now());
    this.wakeTimer.unref();
  }

  private event(pod: PodIdentity, type: PodEventRecord["type"], reason: string, message: string, container?: string): void {
    this.deps.reportEvent(pod, {
      type,
      reason,
      message,
      fieldPath: container ? `spec.containers{${container}}` : "",
    });
  }

  private async listContainers(): Promise<ContainerSummary[]> {
    const list = await this.deps.runtime.listContainers({
      [LABEL_NODE_NAME]: this.deps.nodeName,
      [LABEL_POD_UID]: this.uid,
    });
    return list.sort(newestFirst);
  }

  private async sync(): Promise<void> {
    const desired = this.desired;
    // Adopted containers wait for the master's word; the agent never removes a pod
    // because it has not heard from the master.
    if (desired === undefined) return;
    const containers = await this.listContainers();
    if (desired === "removed") {
      this.deps.probes.stopPod(this.uid);
      await this.teardown(containers, this.lastPod);
      if ((await this.listContainers()).length === 0) {
        this.stop();
        this.onFinished(this.uid);
      }
      return;
    }
    if (desired.metadata.deletionTimestamp) {
      // As the kubelet, no probe may kill a container that is being stopped anyway.
      this.deps.probes.stopPod(this.uid);
      await this.teardown(containers, desired);
      const status = computePodStatus(this.statusInput(desired, this.observe(desired, [], new Map())));
      this.lastStatus = status;
      this.deps.reportStatus(podIdentity(desired), status, true);
      return;
    }
    await this.syncRunning(desired, containers);
  }

  /** Stops the pod's containers (SIGTERM, the grace period, SIGKILL), then its infra container, and removes them all. */
  private async teardown(containers: ContainerSummary[], pod: Pod | undefined): Promise<void> {
    if (containers.length === 0) return;
    // A pod the agent never heard of since it restarted: its containers remember the grace period.
    const graceOf = (c: ContainerSummary) => (pod ? graceSeconds(pod) : (terminationGraceOf(c.labels) ?? DEFAULT_GRACE_SECONDS));
    const id = pod ? podIdentity(pod) : undefined;
    const apps = containers.filter((c) => c.labels[LABEL_CONTAINER_NAME] !== INFRA_CONTAINER_NAME);
    const infras = containers.filter((c) => c.labels[LABEL_CONTAINER_NAME] === INFRA_CONTAINER_NAME);
    await Promise.all(
      apps
        .filter((c) => c.state === "running")
        .map(async (c) => {
          const name = c.labels[LABEL_CONTAINER_NAME] ?? "";
          if (id) this.event(id, "Normal", "Killing", `Stopping container ${name}`, name);
          await this.deps.runtime.stopContainer(c.id, graceOf(c));
        }),
    );
    const infraGrace = pod ? graceSeconds(pod) : DEFAULT_GRACE_SECONDS;
    await Promise.all(infras.filter((c) => c.state === "running").map((c) => this.deps.runtime.stopContainer(c.id, infraGrace)));
    // Keep the final state of each container for the last status report.
    for (const c of containers) this.inspectCache.delete(c.id);
    if (pod) this.terminalObservation = this.observeFromDetails(pod, await this.inspectAll(await this.listContainers()));
    await Promise.all(containers.map((c) => this.deps.runtime.removeContainer(c.id)));
    for (const c of containers) this.inspectCache.delete(c.id);
    this.deps.restartBackoff.forgetPrefix(`${this.uid}/`);
    this.deps.pullBackoff.forgetPrefix(`${this.uid}/`);
    this.probeKilled.clear();
    log.info({ pod: id ? podKey(id) : this.uid, containers: containers.length }, "stopped and removed the pod's containers");
  }

  private async inspectAll(containers: ContainerSummary[]): Promise<ContainerDetails[]> {
    const out: ContainerDetails[] = [];
    for (const c of containers) {
      const cached = this.inspectCache.get(c.id);
      if (cached && cached.state === c.state) {
        out.push(cached);
        continue;
      }
      const d = await this.deps.runtime.inspectContainer(c.id);
      if (!d) continue;
      this.inspectCache.set(c.id, d);
      out.push(d);
    }
    return out;
  }

  private observeFromDetails(pod: Pod, details: ContainerDetails[]): Map<string, ContainerObservation> {
    const byName = new Map<string, ContainerObservation>();
    const sorted = [...details].sort(
      (a, b) => restartCountOf(b.labels) - restartCountOf(a.labels) || Date.parse(b.createdAt) - Date.parse(a.createdAt),
    );
    for (const c of pod.spec.containers) {
      const mine = sorted.filter((d) => d.labels[LABEL_CONTAINER_NAME] === c.name);
      const current = mine[0];
      byName.set(c.name, { current, previous: mine[1], ...(current && this.probeKilled.has(current.id) ? { killedByProbe: true } : {}) });
    }
    return byName;
  }

  private observe(
    pod: Pod,
    details: ContainerDetails[],
    waiting: Map<string, Waiting>,
  ): { infra?: ContainerDetails; containers: Map<string, ContainerObservation> } {
    if (details.length === 0 && this.terminalObservation) {
      return { containers: this.terminalObservation };
    }
    const containers = this.observeFromDetails(pod, details);
    for (const [name, w] of waiting) {
      const o = containers.get(name);
      if (o) o.waiting = w;
    }
    const infra = details
      .filter((d) => d.labels[LABEL_CONTAINER_NAME] === INFRA_CONTAINER_NAME)
      .sort((a, b) => restartCountOf(b.labels) - restartCountOf(a.labels))[0];
    return { infra, containers };
  }

  private statusInput(pod: Pod, obs: { infra?: ContainerDetails; containers: Map<string, ContainerObservation> }) {
    return {
      pod,
      infra: obs.infra,
      containers: obs.containers,
      hostIP: this.deps.hostIP(),
      previous: this.lastStatus,
      now: rfc3339(this.now()),
    };
  }

  private async syncRunning(pod: Pod, all: ContainerSummary[]): Promise<void> {
    const id = podIdentity(pod);
    const { runtime } = this.deps;
    this.terminalObservation = undefined;
    const specNames = new Set(pod.spec.containers.map((c) => c.name));
    const byName = new Map<string, ContainerSummary[]>();
    for (const c of all) {
      const name = c.labels[LABEL_CONTAINER_NAME] ?? "";
      if (name !== INFRA_CONTAINER_NAME && !specNames.has(name)) {
        await runtime.removeContainer(c.id); // a container the spec no longer has
        continue;
      }
      byName.set(name, [...(byName.get(name) ?? []), c]);
    }
    const details = await this.inspectAll(all);
    const detailOf = (c: ContainerSummary | undefined) => (c ? details.find((d) => d.id === c.id) : undefined);
    const observed = this.observeFromDetails(pod, details);
    const finished = podFinished(pod, observed);
    const waiting = new Map<string, Waiting>();

    // The infra container: the pod's network namespace.
    const infras = byName.get(INFRA_CONTAINER_NAME) ?? [];
    for (const old of infras.slice(1)) await runtime.removeContainer(old.id);
    let infra: ContainerSummary | undefined = infras[0];
    // Resolves once the infra container runs; app containers are created meanwhile
    // and only started after it, which saves a container create on every pod start.
    let infraStarted: Promise<void> = Promise.resolve();
    let sandboxChanged = false;
    const killed = new Set<string>();
    if (infra?.state !== "running" && !finished) {
      const appsRan = pod.spec.containers.some((c) => (byName.get(c.name) ?? []).length > 0);
      // As the kubelet: a Never pod whose containers already ran gets no new sandbox.
      if (!(pod.spec.restartPolicy === "Never" && appsRan)) {
        const sandbox = await this.startInfra(pod, infra, byName, killed);
        infra = sandbox?.infra;
        if (sandbox) infraStarted = sandbox.started;
        sandboxChanged = infra !== undefined && appsRan;
      }
    }

    if (infra?.state === "running") {
      for (const spec of pod.spec.containers) {
        const restartNow = (c: ContainerSummary, exitCode: number) =>
          killed.has(c.id) || (sandboxChanged && shouldRestart(pod.spec.restartPolicy, exitCode));
        const w = await this.syncContainer(pod, spec, byName.get(spec.name) ?? [], detailOf, infra.id, restartNow, infraStarted);
        if (w) waiting.set(spec.name, w);
      }
    }

    if (finished && infra?.state === "running") {
      // A finished pod needs no network namespace; its containers stay for their logs.
      await runtime.stopContainer(infra.id, 2);
    }

    await infraStarted.catch(() => undefined); // report the sandbox as it settled, not mid-start
    const now = await this.listContainers();
    const obs = this.observe(pod, await this.inspectAll(now), waiting);
    this.syncProbes(pod, obs);
    const status = computePodStatus(this.statusInput(pod, obs));
    this.lastStatus = status;
    this.deps.reportStatus(id, status, false);
  }

  /**
   * Hands the running containers to the probes (new instances get fresh probe
   * workers) and puts what the probes say into the observation.
   */
  private syncProbes(pod: Pod, obs: { infra?: ContainerDetails; containers: Map<string, ContainerObservation> }): void {
    const running: RunningContainer[] = [];
    for (const spec of pod.spec.containers) {
      const cur = obs.containers.get(spec.name)?.current;
      if (cur?.running) running.push({ spec, id: cur.id, startedAtMs: timeOf(cur.startedAt, this.now()) });
    }
    const { probes } = this.deps;
    probes.sync(pod, obs.infra?.running ? obs.infra.ipAddress : "", running);
    for (const c of running) {
      const o = obs.containers.get(c.spec.name);
      if (o) o.health = probes.health(c.spec, c.id);
    }
  }

  /** Stops a container whose liveness or startup probe failed, as the kubelet does, so that the restart logic runs it again. */
  private async killUnhealthy(pod: Pod, spec: Container, containerId: string, failed: "liveness" | "startup"): Promise<void> {
    const probe = failed === "liveness" ? spec.livenessProbe : spec.startupProbe;
    const restart = (pod.spec.restartPolicy ?? "Always") !== "Never";
    this.event(
      podIdentity(pod),
      "Normal",
      "Killing",
      `Container ${spec.name} failed ${failed} probe${restart ? ", will be restarted" : ""}`,
      spec.name,
    );
    this.probeKilled.add(containerId);
    const grace = probe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    await this.deps.runtime.stopContainer(containerId, grace);
    this.inspectCache.delete(containerId);
  }

  /**
   * Creates a new infra container and starts it without waiting, replacing a dead one
   * and the containers joined to it. `started` settles when it runs (or fails to).
   */
  private async startInfra(
    pod: Pod,
    dead: ContainerSummary | undefined,
    byName: Map<string, ContainerSummary[]>,
    killed: Set<string>,
  ): Promise<{ infra: ContainerSummary; started: Promise<void> } | undefined> {
    const { runtime, infraImage, nodeName } = this.deps;
    const id = podIdentity(pod);
    if (dead) {
      log.info({ pod: podKey(id) }, "the pod's infra container is not running; recreating the pod's sandbox");
      for (const spec of pod.spec.containers) {
        for (const c of byName.get(spec.name) ?? []) {
          if (c.state === "running") {
            this.event(id, "Normal", "Killing", `Stopping container ${spec.name}: its pod sandbox changed`, spec.name);
            await runtime.stopContainer(c.id, graceSeconds(pod));
            c.state = "exited";
            killed.add(c.id);
            this.inspectCache.delete(c.id);
          }
        }
      }
      await runtime.removeContainer(dead.id);
    }
    if (!(await runtime.imageId(infraImage))) {
      try {
        await runtime.pullImage(infraImage);
      } catch (err) {
        this.event(id, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: infra image ${infraImage} is missing and could not be pulled (${(err as Error).message}); build it with scripts/build-images.sh`);
        this.wakeIn(10_000);
        return undefined;
      }
    }
    const restartCount = dead ? restartCountOf(dead.labels) + 1 : 0;
    const spec = infraContainerSpec(nodeName, pod, infraImage, restartCount);
    const cid = await runtime.createContainer(spec);
    const started = runtime.startContainer(cid);
    // Awaited by the app containers' starts; a failure surfaces there and in the next sync.
    started.catch((err: unknown) => log.warn({ pod: podKey(id), err: String(err) }, "the pod's infra container failed to start"));
    return { infra: { id: cid, labels: spec.labels, state: "running", created: Math.floor(this.now() / 1000) }, started };
  }

  /** Brings one spec container to its desired state; returns why it waits, if it does. */
  private async syncContainer(
    pod: Pod,
    spec: Container,
    instances: ContainerSummary[],
    detailOf: (c: ContainerSummary | undefined) => ContainerDetails | undefined,
    infraId: string,
    restartNow: (c: ContainerSummary, exitCode: number) => boolean,
    infraStarted: Promise<void>,
  ): Promise<Waiting | undefined> {
    const { runtime } = this.deps;
    const id = podIdentity(pod);
    const key = `${this.uid}/${spec.name}`;
    const hash = specHash(spec);
    const current = instances[0];
    let cur = detailOf(current);
    // Keep the newest instance and the one before it (for lastState and logs --previous).
    for (const old of instances.slice(2)) await runtime.removeContainer(old.id);

    const hashChanged = current !== undefined && current.labels[LABEL_SPEC_HASH] !== hash;
    if (current && current.state === "running" && !hashChanged) {
      const failed = this.deps.probes.health(spec, current.id).failed;
      if (!failed) return undefined;
      await this.killUnhealthy(pod, spec, current.id, failed);
      cur = await runtime.inspectContainer(current.id);
      if (cur) this.inspectCache.set(current.id, cur);
      current.state = cur?.state ?? "exited";
    }
    if (current && current.state === "running" && hashChanged) {
      this.event(id, "Normal", "Killing", `Container ${spec.name} definition changed, will be restarted`, spec.name);
      await runtime.stopContainer(current.id, graceSeconds(pod));
      this.inspectCache.delete(current.id);
    }

    let restartCount = 0;
    if (current) {
      if (current.state === "created" && cur && !isExited(cur)) {
        // Created but never started (the agent stopped in between): start it now.
        return this.startCreated(pod, spec, current.id, infraStarted);
      }
      const exitCode = cur ? effectiveExitCode(cur) : 0;
      // A new spec or a new sandbox restarts the container at once, without back-off.
      const forced = hashChanged || restartNow(current, exitCode);
      if (!forced && !willRestart(pod, { killedByProbe: this.probeKilled.has(current.id) }, exitCode)) return undefined;
      if (!forced) {
        const finishedAt = timeOf(cur?.finishedAt, this.now());
        const remaining = this.deps.restartBackoff.remaining(key, finishedAt);
        if (remaining > 0) {
          const message = crashLoopMessage(this.deps.restartBackoff.delay(key), spec.name, id);
          if (!this.backoffEventSent.has(current.id)) {
            this.backoffEventSent.add(current.id);
            this.event(id, "Warning", "BackOff", `Back-off restarting failed container ${spec.name} in pod ${id.name}_${id.namespace}(${id.uid})`, spec.name);
          }
          this.wakeIn(remaining);
          return { reason: "CrashLoopBackOff", message };
        }
        this.deps.restartBackoff.next(key, finishedAt);
      }
      restartCount = restartCountOf(current.labels) + 1;
    }

    const imageWait = await this.ensureImage(pod, spec);
    if (imageWait) return imageWait;

    // The instance before `current` is no longer needed once a new one exists.
    for (const old of instances.slice(1)) await runtime.removeContainer(old.id);
    const create = appContainerSpec(this.deps.nodeName, pod, spec, infraId, restartCount);
    let cid: string;
    try {
      cid = await runtime.createContainer(create);
    } catch (err) {
      const message = (err as Error).message;
      this.event(id, "Warning", "Failed", `Error: ${message}`, spec.name);
      this.wakeIn(RETRY_AFTER_ERROR_MS * 5);
      return { reason: "CreateContainerError", message };
    }
    if (current) this.probeKilled.delete(current.id);
    this.event(id, "Normal", "Created", `Created container ${spec.name}`, spec.name);
    return this.startCreated(pod, spec, cid, infraStarted);
  }

  private async startCreated(pod: Pod, spec: Container, cid: string, infraStarted: Promise<void>): Promise<Waiting | undefined> {
    const id = podIdentity(pod);
    try {
      await infraStarted;
      await this.deps.runtime.startContainer(cid);
    } catch (err) {
      const message = (err as Error).message;
      this.event(id, "Warning", "Failed", `Error: ${message}`, spec.name);
      // The failed instance counts as an exit, so the next sync restarts it with back-off.
      this.trigger();
      return undefined;
    }
    this.event(id, "Normal", "Started", `Started container ${spec.name}`, spec.name);
    return undefined;
  }

  /** Makes the container's image present per its imagePullPolicy; returns why it waits, if it does. */
  private async ensureImage(pod: Pod, spec: Container): Promise<Waiting | undefined> {
    const { runtime, pullBackoff } = this.deps;
    const id = podIdentity(pod);
    const policy = pullPolicyOf(spec);
    const present = (await runtime.imageId(spec.image)) !== undefined;
    if (policy === "Never") {
      if (present) return undefined;
      const message = `Container image "${spec.image}" is not present with pull policy of Never`;
      this.event(id, "Warning", "ErrImageNeverPull", message, spec.name);
      this.wakeIn(10_000);
      return { reason: "ErrImageNeverPull", message };
    }
    if (policy === "IfNotPresent" && present) {
      this.event(id, "Normal", "Pulled", `Container image "${spec.image}" already present on machine`, spec.name);
      return undefined;
    }
    const key = `${this.uid}/${spec.name}/pull`;
    const failedAt = this.lastPullFailure.get(key);
    if (failedAt !== undefined) {
      const remaining = pullBackoff.remaining(key, failedAt);
      if (remaining > 0) {
        this.wakeIn(remaining);
        return { reason: "ImagePullBackOff", message: `Back-off pulling image "${spec.image}"` };
      }
    }
    this.event(id, "Normal", "Pulling", `Pulling image "${spec.image}"`, spec.name);
    const started = this.now();
    try {
      await runtime.pullImage(spec.image);
    } catch (err) {
      const message = `Failed to pull image "${spec.image}": ${(err as Error).message}`;
      const at = this.now();
      this.lastPullFailure.set(key, at);
      const delay = pullBackoff.next(key, at);
      this.event(id, "Warning", "Failed", message, spec.name);
      this.event(id, "Warning", "Failed", "Error: ErrImagePull", spec.name);
      this.wakeIn(delay);
      return { reason: "ErrImagePull", message };
    }
    this.lastPullFailure.delete(key);
    pullBackoff.forget(key);
    const seconds = ((this.now() - started) / 1000).toFixed(3);
    this.event(id, "Normal", "Pulled", `Successfully pulled image "${spec.image}" in ${seconds}s`, spec.name);
    return undefined;
  }
}
