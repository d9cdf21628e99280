// The disruption controller, after Kubernetes' pkg/controller/disruption: keeps
// every PodDisruptionBudget's status (expected, desired and current healthy pods,
// disruptionsAllowed, the DisruptionAllowed condition) in line with its pods, and
// drops disruptedPods entries once the pod is deleting or 2 minutes have passed.
// The eviction subresource reads that status and decrements it; this controller
// recomputes it from the pods whenever they change. A second queue clears
// DisruptionTarget conditions that no deletion followed (stale-condition.ts).
import {
  budgetSelectsPod,
  controllerRefOf,
  disruptionTargetCondition,
  mustResource,
  objectKey,
  resourceByName,
  rfc3339,
  semanticEqual,
  setPodCondition,
  type Deployment,
  type KubeObject,
  type OwnerReference,
  type Pod,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
  type ReplicaSet,
  type StatefulSet,
} from "@bosun/api";
import { createLogger, isConflict, WorkQueue, type Informer } from "@bosun/client";
import { errorMessage, QueueController, runWorkers, type ControllerContext, type Workers } from "../common/index.js";
import { staleDisruptionWaitMs } from "./stale-condition.js";
import { countHealthyPods, expectedCounts, failSafeStatus, keptDisruptedPods, nextBudgetStatus, type ControllerScale, type ExpectedCounts } from "./status.js";

const log = createLogger("controllers/disruption");

const pdbsRes = mustResource("poddisruptionbudgets");
const podsRes = mustResource("pods");

/** What the controllers a budget counts hold of their scale. */
type Scalable = KubeObject & { spec?: { replicas?: number } };

export interface DisruptionControllerOptions {
  /** Budgets synced at once (Kubernetes runs one worker). */
  workers?: number;
}

export class DisruptionController extends QueueController {
  readonly name = "disruption";
  private readonly pdbs: Informer<PodDisruptionBudget>;
  private readonly pods: Informer<Pod>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly deployments: Informer<Deployment>;
  private readonly statefulSets: Informer<StatefulSet>;
  /** ReplicationControllers, when the API serves them. */
  private readonly replicationControllers: Informer<Scalable> | undefined;
  /** Pods whose DisruptionTarget condition is or will be stale, by "ns/name". */
  private readonly stalePods = new WorkQueue<string>();
  private staleWorkers: Workers | undefined;

  constructor(ctx: ControllerContext, opts: DisruptionControllerOptions = {}) {
    super(ctx, opts.workers ?? 1);
    this.pdbs = ctx.informers.for<PodDisruptionBudget>(pdbsRes);
    this.pods = ctx.informers.for<Pod>(podsRes);
    this.replicaSets = ctx.informers.for<ReplicaSet>(mustResource("replicasets"));
    this.deployments = ctx.informers.for<Deployment>(mustResource("deployments"));
    this.statefulSets = ctx.informers.for<StatefulSet>(mustResource("statefulsets"));
    const rcs = resourceByName("replicationcontrollers");
    this.replicationControllers = rcs ? ctx.informers.for<Scalable>(rcs) : undefined;
    const enqueue = (pdb: PodDisruptionBudget) => this.queue.add(objectKey(pdb));
    this.pdbs.onAdd(enqueue).onUpdate((_old, pdb) => enqueue(pdb)).onDelete(enqueue);
    const enqueueFor = (pod: Pod) => {
      for (const pdb of this.budgetsSelecting(pod)) enqueue(pdb);
    };
    this.pods
      .onAdd((pod) => {
        enqueueFor(pod);
        this.watchStaleCondition(pod);
      })
      .onUpdate((old, pod) => {
        // A pod whose labels changed may have left a budget: that one counts again too.
        if (!semanticEqual(old.metadata.labels ?? {}, pod.metadata.labels ?? {})) enqueueFor(old);
        enqueueFor(pod);
        this.watchStaleCondition(pod);
      })
      .onDelete(enqueueFor);
  }

  override async run(): Promise<void> {
    await super.run();
    this.staleWorkers = runWorkers(`${this.name}-stale-pod-disruption`, this.stalePods, 1, (key) => this.clearStaleCondition(key));
  }

  override async stop(): Promise<void> {
    this.stalePods.shutDown();
    await this.staleWorkers?.done;
    await super.stop();
  }

  private watchStaleCondition(pod: Pod): void {
    const wait = staleDisruptionWaitMs(pod, this.now());
    if (wait !== undefined) this.stalePods.addAfter(objectKey(pod), wait);
  }

  /** Sets a DisruptionTarget condition that stood 2 minutes without a deletion to False. */
  private async clearStaleCondition(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod) return;
    const wait = staleDisruptionWaitMs(pod, this.now());
    if (wait === undefined) return;
    if (wait > 0) {
      this.stalePods.addAfter(key, wait);
      return;
    }
    const next = structuredClone(pod);
    setPodCondition((next.status ??= {}), { type: disruptionTargetCondition, status: "False", lastTransitionTime: rfc3339(this.now()) });
    await this.ctx.client.update<Pod>(podsRes, next, { subresource: "status" });
    log.info({ pod: key }, "reset stale DisruptionTarget condition to False");
  }

  /** The budgets that count this pod (an empty selector counts every pod of the namespace). */
  private budgetsSelecting(pod: Pod): PodDisruptionBudget[] {
    return this.pdbs.list().filter((pdb) => budgetSelectsPod(pdb, pod));
  }

  protected async sync(key: string): Promise<void> {
    const pdb = this.pdbs.get(key);
    if (!pdb) return;
    try {
      await this.trySync(pdb);
    } catch (err) {
      // A conflict only says the informer is behind: the retry decides again.
      if (isConflict(err)) throw err;
      log.warn({ pdb: key, err: errorMessage(err) }, "failed to sync PodDisruptionBudget; it allows no disruptions until it syncs");
      await this.writeStatus(pdb, failSafeStatus(pdb, errorMessage(err), this.now()));
      throw err;
    }
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<void> {
    const pods = this.pods.list().filter((p) => budgetSelectsPod(pdb, p));
    if (pods.length === 0) this.ctx.recorder.event(pdb, "Normal", "NoPods", "No matching pods found");
    const counts = this.expectedCounts(pdb, pods);
    if (counts.unmanagedPods.length > 0) {
      this.ctx.recorder.event(
        pdb,
        "Warning",
        "UnmanagedPods",
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector ?? null)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.now();
    const kept = keptDisruptedPods(pdb, pods, now);
    for (const pod of kept.notDeleted) {
      this.ctx.recorder.event(pod, "Warning", "NotDeleted", `Pod was expected by PDB ${objectKey(pdb)} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthyPods(pods, kept.disruptedPods, now);
    const next = nextBudgetStatus(pdb, { currentHealthy, desiredHealthy: counts.desiredHealthy, expectedPods: counts.expectedPods, disruptedPods: kept.disruptedPods }, now);
    if (next) await this.writeStatus(pdb, next);
    // Look again when the first disruptedPods entry runs out, in case its pod is never deleted.
    if (kept.recheckAtMs !== undefined) this.queue.addAfter(objectKey(pdb), Math.max(0, kept.recheckAtMs - now) + 1);
  }

  private expectedCounts(pdb: PodDisruptionBudget, pods: readonly Pod[]): ExpectedCounts {
    try {
      return expectedCounts(pdb, pods, (ref, namespace) => this.scaleOf(ref, namespace));
    } catch (err) {
      this.ctx.recorder.event(pdb, "Warning", "CalculateExpectedPodCountFailed", `Failed to calculate the number of expected pods: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    if (semanticEqual(pdb.status ?? {}, status)) return;
    await this.ctx.client.update<PodDisruptionBudget>(pdbsRes, { ...pdb, status }, { subresource: "status" });
  }

  /**
   * The controller a pod's controllerRef names and its spec.replicas, as
   * Kubernetes' finders: a ReplicaSet of a Deployment counts as the Deployment.
   */
  private scaleOf(ref: OwnerReference, namespace: string): ControllerScale | undefined {
    const group = ref.apiVersion.includes("/") ? ref.apiVersion.slice(0, ref.apiVersion.indexOf("/")) : "";
    if (ref.kind === "ReplicationController" && group === "") return owned(this.replicationControllers?.get(`${namespace}/${ref.name}`), ref);
    if (ref.kind === "StatefulSet" && group === "apps") return owned(this.statefulSets.get(`${namespace}/${ref.name}`), ref);
    if (ref.kind !== "ReplicaSet" || group !== "apps") return undefined;
    const rs = this.replicaSets.get(`${namespace}/${ref.name}`);
    const rsScale = owned(rs, ref);
    if (!rs || !rsScale) return undefined;
    const deploymentRef = controllerRefOf(rs);
    if (deploymentRef?.kind !== "Deployment") return rsScale;
    return owned(this.deployments.get(`${namespace}/${deploymentRef.name}`), deploymentRef);
  }
}

/** The object's scale when it is the one the reference means (same uid). */
function owned(obj: Scalable | undefined, ref: OwnerReference): ControllerScale | undefined {
  if (!obj || obj.metadata.uid !== ref.uid) return undefined;
  return { uid: ref.uid, replicas: obj.spec?.replicas ?? 1 };
}
