// The scheduling loop. It sees the cluster only through the public API: informers
// on pods and nodes, a work queue of pods to place, and the pods/binding
// subresource to place them. One pod is decided at a time, against a snapshot that
// includes pods this scheduler bound but the informer has not shown yet ("assumed"),
// so two quick pods never both take the last slot on a node. Pods wait in order of
// priority; a pod that fits nowhere may preempt lower-priority pods (the
// PostFilter plugins), and the node it is nominated for keeps room for it: pods
// of lower priority see it there as if it were bound.
import {
  nodeReadyCondition,
  podReferencedNames,
  mustResource,
  isPodTerminal,
  setPodCondition,
  type Namespace,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type PodDisruptionBudget,
  type PodStatus,
  type ReplicaSet,
  type ReplicationController,
  type Service,
  type StatefulSet,
  type StorageClass,
} from "@bosun/api";
import {
  Informer,
  WorkQueue,
  createLogger,
  isConflict,
  isNotFound,
  objectKey,
  type ApiClient,
  type EventRecorder,
} from "@bosun/client";
import { resolveConfig, type SchedulerConfig } from "./config.js";
import type { FitError } from "./framework/fit-error.js";
import type { Handle } from "./framework/handle.js";
import { buildNodeInfos, type NodeInfo } from "./framework/node-info.js";
import { buildProfile, type Registry } from "./framework/registry.js";
import { filterOnNodes, scheduleOne, type Profile } from "./framework/schedule-one.js";
import { podPriority } from "./framework/preemption.js";
import { inTreeRegistry } from "./plugins/registry.js";

const log = createLogger("scheduler");

export interface SchedulerOptions {
  client: ApiClient;
  config?: Partial<SchedulerConfig>;
  /** Plugins by name; the built-in ones unless a caller brings its own. */
  registry?: Registry;
  /** Breaks ties between equally good nodes; injectable for deterministic tests. */
  random?: () => number;
  /** Where Scheduled and FailedScheduling events go; without one they are not recorded. */
  recorder?: EventRecorder;
}

export interface RunningScheduler {
  stop(): Promise<void>;
}

const discardEvents: EventRecorder = { event: () => undefined };

/** Starts informers and the scheduling worker; resolves once the caches are synced. */
export async function startScheduler(opts: SchedulerOptions): Promise<RunningScheduler> {
  const scheduler = new Scheduler(opts);
  await scheduler.start();
  return { stop: () => scheduler.stop() };
}

function readyStatus(node: Node): string | undefined {
  return nodeReadyCondition(node)?.status;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether a change of claims, volumes or classes could make this pod fit: it has claims. */
function usesClaims(pod: Pod): boolean {
  return podReferencedNames(pod, "PersistentVolumeClaim").size > 0;
}

/**
 * Whether another pod's arrival could make this pod fit: its required pod affinity
 * may wait for that pod, or it may raise the least populated domain of a hard
 * spread constraint. (Anti-affinity and resources only get tighter.)
 */
function waitsForOtherPods(pod: Pod): boolean {
  return (
    (pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0 ||
    (pod.spec.topologySpreadConstraints ?? []).some((c) => c.whenUnsatisfiable === "DoNotSchedule")
  );
}

/** Whether a node change could make a parked pod fit (heartbeats alone cannot). */
function nodeSchedulingChanged(old: Node, node: Node): boolean {
  return (
    readyStatus(old) !== readyStatus(node) ||
    !!old.spec?.unschedulable !== !!node.spec?.unschedulable ||
    !same(old.spec?.taints, node.spec?.taints) ||
    !same(old.metadata.labels, node.metadata.labels) ||
    !same(old.status?.allocatable ?? old.status?.capacity, node.status?.allocatable ?? node.status?.capacity)
  );
}

class Scheduler {
  private readonly client: ApiClient;
  private readonly config: SchedulerConfig;
  private readonly profile: Profile;
  private readonly random: () => number;
  private readonly recorder: EventRecorder;
  private readonly podsRes = mustResource("pods");
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly storageClasses: Informer<StorageClass>;
  private readonly namespaces: Informer<Namespace>;
  private readonly services: Informer<Service>;
  private readonly replicationControllers: Informer<ReplicationController>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly statefulSets: Informer<StatefulSet>;
  private readonly budgets: Informer<PodDisruptionBudget>;
  // Kubernetes' pod backoff: 1s doubling to 10s. Its PrioritySort: the higher
  // priority first, pods of one priority in the order they came.
  private readonly queue = new WorkQueue<string>({
    baseDelayMs: 1000,
    maxDelayMs: 10_000,
    before: (a, b) => this.queuedPriority(a) > this.queuedPriority(b),
  });
  /**
   * The node each pod preempted for was nominated, by pod key, from the moment of
   * the preemption (the informer shows status.nominatedNodeName a little later).
   */
  private readonly nominated = new Map<string, string>();
  /** Pods that fit nowhere, waiting for a node or pod change to try again. */
  private readonly unschedulable = new Set<string>();
  /** Pods placed but not bound yet: a pre-bind step (volume provisioning) must finish first. */
  private readonly waitingOnVolumes = new Set<string>();
  /**
   * Those pods, with nodeName set to the node chosen for them: counted there, so other
   * pods do not take the room they will need once their volumes are made.
   */
  private readonly reserved = new Map<string, Pod>();
  /** Pods bound by us that the pod informer still shows unbound, with nodeName set. */
  private readonly assumed = new Map<string, Pod>();
  /** The last FailedScheduling message recorded per pod, so retries do not spam events. */
  private readonly reportedFailure = new Map<string, string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private worker: Promise<void> | undefined;

  constructor(opts: SchedulerOptions) {
    this.client = opts.client;
    this.config = resolveConfig(opts.config);
    this.random = opts.random ?? Math.random;
    this.recorder = opts.recorder ?? discardEvents;
    this.pods = new Informer<Pod>(this.client, this.podsRes);
    this.nodes = new Informer<Node>(this.client, mustResource("nodes"));
    this.claims = new Informer<PersistentVolumeClaim>(this.client, mustResource("persistentvolumeclaims"));
    this.volumes = new Informer<PersistentVolume>(this.client, mustResource("persistentvolumes"));
    this.storageClasses = new Informer<StorageClass>(this.client, mustResource("storageclasses"));
    this.namespaces = new Informer<Namespace>(this.client, mustResource("namespaces"));
    this.services = new Informer<Service>(this.client, mustResource("services"));
    this.replicationControllers = new Informer<ReplicationController>(this.client, mustResource("replicationcontrollers"));
    this.replicaSets = new Informer<ReplicaSet>(this.client, mustResource("replicasets"));
    this.statefulSets = new Informer<StatefulSet>(this.client, mustResource("statefulsets"));
    this.budgets = new Informer<PodDisruptionBudget>(this.client, mustResource("poddisruptionbudgets"));
    const handle: Handle = {
      client: this.client,
      recorder: this.recorder,
      listers: {
        pods: () => this.pods.list(),
        podDisruptionBudgets: () => this.budgets.list(),
        claim: (namespace, name) => this.claims.get(`${namespace}/${name}`),
        volume: (name) => this.volumes.get(name),
        volumes: () => this.volumes.list(),
        storageClass: (name) => this.storageClasses.get(name),
        namespace: (name) => this.namespaces.get(name),
        namespaces: () => this.namespaces.list(),
        services: (namespace) => this.services.list().filter((s) => (s.metadata.namespace ?? "default") === namespace),
        replicationController: (namespace, name) => this.replicationControllers.get(`${namespace}/${name}`),
        replicaSet: (namespace, name) => this.replicaSets.get(`${namespace}/${name}`),
        statefulSet: (namespace, name) => this.statefulSets.get(`${namespace}/${name}`),
      },
    };
    this.profile = buildProfile(this.config, opts.registry ?? inTreeRegistry, handle);
  }

  async start(): Promise<void> {
    this.pods.onAdd((pod) => this.podAdded(pod));
    this.pods.onUpdate((old, pod) => this.podUpdated(old, pod));
    this.pods.onDelete((pod) => this.podDeleted(pod));
    this.nodes.onAdd(() => this.retryUnschedulable("node added"));
    this.nodes.onUpdate((old, node) => {
      if (nodeSchedulingChanged(old, node)) this.retryUnschedulable("node changed");
    });
    // A claim bound or made, a volume made or freed, a class added: pods waiting on
    // volumes may go on, and pods with claims that fit nowhere may fit now.
    const volumesChanged = (why: string) => () => {
      this.retryWaitingOnVolumes();
      this.retryUnschedulable(why, usesClaims);
    };
    this.claims.onAdd(volumesChanged("claim added")).onUpdate(volumesChanged("claim changed"));
    this.volumes.onAdd(volumesChanged("volume added")).onUpdate(volumesChanged("volume changed"));
    this.storageClasses.onAdd(volumesChanged("storage class added"));
    // A namespace's labels decide which pods an affinity term's namespaceSelector names.
    this.namespaces.onAdd(() => this.retryUnschedulable("namespace added")).onUpdate((old, ns) => {
      if (!same(old.metadata.labels, ns.metadata.labels)) this.retryUnschedulable("namespace labels changed");
    });
    await Promise.all(this.informers().map((i) => i.start()));
    this.retryTimer = setInterval(() => {
      this.retryWaitingOnVolumes();
      this.retryUnschedulable("periodic retry");
    }, this.config.unschedulableRetryMs);
    this.retryTimer.unref();
    this.worker = this.run();
    log.info({ schedulerName: this.config.schedulerName }, "scheduler started");
  }

  async stop(): Promise<void> {
    clearInterval(this.retryTimer);
    this.queue.shutDown();
    await Promise.all(this.informers().map((i) => i.stop()));
    await this.worker;
    log.info("scheduler stopped");
  }

  private informers(): { start(): Promise<void>; stop(): Promise<void> }[] {
    return [
      this.nodes,
      this.pods,
      this.claims,
      this.volumes,
      this.storageClasses,
      this.namespaces,
      this.services,
      this.replicationControllers,
      this.replicaSets,
      this.statefulSets,
      this.budgets,
    ];
  }

  private queuedPriority(key: string): number {
    const pod = this.pods.get(key);
    return pod ? podPriority(pod) : 0;
  }

  private isOurs(pod: Pod): boolean {
    const name = pod.spec.schedulerName;
    return !name || name === this.config.schedulerName;
  }

  private needsScheduling(pod: Pod): boolean {
    return !pod.spec.nodeName && !pod.metadata.deletionTimestamp && !isPodTerminal(pod) && this.isOurs(pod);
  }

  private podAdded(pod: Pod): void {
    if (this.needsScheduling(pod)) this.queue.add(objectKey(pod));
    else if (pod.spec.nodeName && !isPodTerminal(pod)) this.retryUnschedulable("bound pod added", waitsForOtherPods);
  }

  private podUpdated(old: Pod, pod: Pod): void {
    const key = objectKey(pod);
    // A nomination cleared through the API (a higher-priority pod took the node) ends ours too.
    if (old.status?.nominatedNodeName && !pod.status?.nominatedNodeName) this.nominated.delete(key);
    if (pod.spec.nodeName) {
      this.forgetPod(key);
      // A pod that finished frees its node's resources; one newly bound may be what a
      // parked pod's affinity waits for; one relabelled may no longer repel, or now attract.
      if (!isPodTerminal(old) && isPodTerminal(pod)) this.retryUnschedulable("pod finished");
      else if (!old.spec.nodeName) this.retryUnschedulable("pod bound", waitsForOtherPods);
      else if (!same(old.metadata.labels, pod.metadata.labels)) this.retryUnschedulable("pod labels changed");
      return;
    }
    if (!this.needsScheduling(pod)) {
      this.forgetPod(key);
      return;
    }
    // Our own status patch updates a parked pod; only a change to what it asks for
    // is worth another attempt before the cluster changes.
    if (this.unschedulable.has(key)) {
      if (same(old.spec, pod.spec)) return;
      this.unschedulable.delete(key);
    }
    this.queue.add(key);
  }

  private podDeleted(pod: Pod): void {
    const key = objectKey(pod);
    const held = !!pod.spec.nodeName || this.assumed.has(key);
    this.forgetPod(key);
    if (held && !isPodTerminal(pod)) this.retryUnschedulable("pod deleted");
  }

  private forgetPod(key: string): void {
    this.assumed.delete(key);
    this.unschedulable.delete(key);
    this.waitingOnVolumes.delete(key);
    this.reserved.delete(key);
    this.nominated.delete(key);
    this.reportedFailure.delete(key);
    this.queue.forget(key);
  }

  /** Requeues the parked pods, or only those `which` says the change may help. */
  private retryUnschedulable(why: string, which?: (pod: Pod) => boolean): void {
    if (this.unschedulable.size === 0) return;
    log.debug({ pods: this.unschedulable.size, why }, "retrying unschedulable pods");
    for (const key of this.unschedulable) {
      const pod = this.pods.get(key);
      if (which && pod && !which(pod)) continue;
      this.queue.add(key);
      this.unschedulable.delete(key);
    }
  }

  private retryWaitingOnVolumes(): void {
    for (const key of this.waitingOnVolumes) this.queue.add(key);
    this.waitingOnVolumes.clear();
  }

  private async run(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.scheduleKey(key);
      } catch (err) {
        log.warn({ pod: key, err: String(err) }, "scheduling attempt failed; retrying with backoff");
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async scheduleKey(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || !this.needsScheduling(pod)) {
      this.forgetPod(key);
      return;
    }
    const assumed = this.assumed.get(key);
    if (assumed?.metadata.uid === pod.metadata.uid) return; // bound already; the informer will catch up
    for (const plugin of this.profile.preEnqueues) {
      const status = plugin.preEnqueue(pod);
      if (status.code !== "Success") {
        // Not tried, not reported: an update of the pod (its last gate removed) brings it back.
        log.debug({ pod: key, plugin: plugin.name, reasons: status.reasons }, "pod not ready for scheduling");
        this.queue.forget(key);
        return;
      }
    }
    const nodeInfos = buildNodeInfos(this.nodes.list(), this.snapshotPods(key, pod));
    const result = scheduleOne(pod, nodeInfos, this.profile, { random: this.random });
    if ("fitError" in result) return this.handleFitError(key, pod, result.fitError, nodeInfos);
    if (await this.preBind(key, pod, result.node)) await this.bind(key, pod, result.node);
  }

  /** Runs the pre-bind steps for the chosen node; false when the pod must wait for them. */
  private async preBind(key: string, pod: Pod, node: string): Promise<boolean> {
    for (const plugin of this.profile.preBinds) {
      const result = await plugin.preBind(pod, node);
      if (result.code === "Wait") {
        this.waitingOnVolumes.add(key);
        this.reserved.set(key, { ...pod, spec: { ...pod.spec, nodeName: node } });
        this.queue.forget(key);
        log.info({ pod: key, node, plugin: plugin.name, reason: result.reason }, "pod waits before binding");
        return false;
      }
    }
    return true;
  }

  /**
   * The informer's pods, with assumed bindings laid over the copies that lag behind,
   * the reservations of pods waiting on volumes, and pods nominated to a node that
   * are at least as important as the pod being scheduled, placed on it (Kubernetes'
   * RunFilterPluginsWithNominatedPods); never the pod being scheduled (`self`)
   * itself, which must not compete with itself.
   */
  private snapshotPods(self: string, pod: Pod): Pod[] {
    for (const [key, assumed] of this.assumed) {
      const current = this.pods.get(key);
      if (!current || current.metadata.uid !== assumed.metadata.uid || current.spec.nodeName) this.assumed.delete(key);
    }
    const priority = podPriority(pod);
    return this.pods.list().map((p) => {
      const key = objectKey(p);
      const laid = this.assumed.get(key) ?? (key === self ? undefined : this.reserved.get(key));
      if (laid) return laid;
      if (key === self || !this.needsScheduling(p) || podPriority(p) < priority) return p;
      const node = this.nominated.get(key) ?? p.status?.nominatedNodeName;
      return node ? { ...p, spec: { ...p.spec, nodeName: node } } : p;
    });
  }

  private async bind(key: string, pod: Pod, node: string): Promise<void> {
    const namespace = pod.metadata.namespace ?? "default";
    const name = pod.metadata.name ?? "";
    try {
      await this.client.bind(namespace, name, node);
    } catch (err) {
      // Bound meanwhile, changed, or gone: the informer will tell us what it is now.
      if (isConflict(err) || isNotFound(err)) {
        log.info({ pod: key, node, err: String(err) }, "binding refused; dropping the attempt");
        this.queue.forget(key);
        return;
      }
      throw err;
    }
    this.assumed.set(key, { ...pod, spec: { ...pod.spec, nodeName: node } });
    this.unschedulable.delete(key);
    this.waitingOnVolumes.delete(key);
    this.reserved.delete(key);
    this.reportedFailure.delete(key);
    this.queue.forget(key);
    log.info({ pod: key, node }, "bound pod");
    this.recorder.event(pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${node}`);
  }

  private async handleFitError(key: string, pod: Pod, fitError: FitError, nodeInfos: readonly NodeInfo[]): Promise<void> {
    // Parked before any write (preemption's deletions, the status), so the informer's echoes find it parked.
    this.unschedulable.add(key);
    let message = fitError.message;
    let nominatedNodeName: string | undefined;
    try {
      const filter = (p: Pod, node: NodeInfo, nodes: readonly NodeInfo[]) => filterOnNodes(this.profile, p, node, nodes);
      // As kube-scheduler: with no nodes at all there is no FitError, and no PostFilter runs.
      for (const plugin of nodeInfos.length > 0 ? this.profile.postFilters : []) {
        const result = await plugin.postFilter(pod, nodeInfos, fitError.nodeStatuses, filter);
        if (result.message) message += ` ${result.message}`;
        if (result.nominatedNodeName !== undefined) nominatedNodeName = result.nominatedNodeName;
        if (result.nominatedNodeName) break; // as kube-scheduler, the first PostFilter that helps ends them
      }
      if (nominatedNodeName) this.nominated.set(key, nominatedNodeName);
      else if (nominatedNodeName === "") this.nominated.delete(key);
      log.info({ pod: key, reason: message, nominatedNodeName }, "pod is unschedulable");
      await this.setUnschedulableStatus(pod, message, nominatedNodeName);
    } catch (err) {
      if (isNotFound(err)) return this.forgetPod(key);
      this.unschedulable.delete(key);
      throw err;
    }
    if (this.reportedFailure.get(key) !== message) {
      this.recorder.event(pod, "Warning", "FailedScheduling", message);
      this.reportedFailure.set(key, message);
    }
    this.queue.forget(key);
  }

  /** PodScheduled=False with why, and the nominated node when preemption set or cleared one. */
  private async setUnschedulableStatus(pod: Pod, message: string, nominatedNodeName: string | undefined): Promise<void> {
    // A merge patch replaces arrays whole, so the pod's other conditions are carried along.
    const status: PodStatus = { conditions: [...(pod.status?.conditions ?? [])] };
    const changed = setPodCondition(status, { type: "PodScheduled", status: "False", reason: "Unschedulable", message });
    const current = pod.status?.nominatedNodeName ?? "";
    const nominationChanged = nominatedNodeName !== undefined && nominatedNodeName !== current;
    if (!changed && !nominationChanged) return;
    const patch: { status: PodStatus | Record<string, unknown> } = nominationChanged
      ? { status: { ...status, nominatedNodeName: nominatedNodeName === "" ? null : nominatedNodeName } }
      : { status };
    await this.client.patch<Pod>(this.podsRes, pod.metadata.name ?? "", patch, {
      namespace: pod.metadata.namespace ?? "default",
      type: "merge",
      subresource: "status",
    });
  }
}
