// The Deployment controller (pkg/controller/deployment/deployment_controller.go):
// informers on Deployments, ReplicaSets and Pods feed a queue of Deployment keys;
// each sync claims the Deployment's ReplicaSets and then scales, rolls out
// (RollingUpdate or Recreate) or only records status while paused.
import {
  labelSelectorFromMatch,
  matchesLabels,
  mustResource,
  objectKey,
  type Deployment,
  type LabelSelector,
  type Pod,
  type ReplicaSet,
} from "@bosun/api";
import { createLogger, isConflict, type Informer } from "@bosun/client";
import {
  claimObjects,
  controllerRefOf,
  labelSelectorOf,
  resolveControllerRef,
  selectsAll,
  watchDependents,
  type ControllerContext,
  QueueController,
} from "../common/index.js";
import { withDeploymentDefaults, type DefaultedDeployment } from "./defaults.js";
import { rolloutRecreate, type PodsByReplicaSet } from "./recreate.js";
import { rolloutRolling } from "./rolling.js";
import { DeploymentSync } from "./sync.js";

const log = createLogger("controllers/deployment");
const deploymentsRes = mustResource("deployments");
const replicaSetsRes = mustResource("replicasets");

export interface DeploymentControllerOptions {
  /** Deployments synced at the same time (kube-controller-manager's --concurrent-deployment-syncs). */
  workers?: number;
}

export class DeploymentController extends QueueController {
  readonly name = "deployment";
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(
    ctx: ControllerContext,
    opts: DeploymentControllerOptions = {},
  ) {
    super(ctx, opts.workers ?? 2);
    this.deployments = ctx.informers.for<Deployment>(deploymentsRes);
    this.replicaSets = ctx.informers.for<ReplicaSet>(replicaSetsRes);
    this.pods = ctx.informers.for<Pod>(mustResource("pods"));

    this.deployments
      .onAdd((d) => this.enqueue(d))
      .onUpdate((_, d) => this.enqueue(d))
      .onDelete((d) => this.enqueue(d));
    watchDependents(this.replicaSets, {
      ownerRes: deploymentsRes,
      owners: this.deployments,
      selectorOf: (d) => labelSelectorOf(d.spec.selector),
      enqueue: (key) => this.queue.add(key),
    });
    this.pods.onDelete((pod) => this.podDeleted(pod));
  }

  /**
   * Every write compares and swaps against the informer's copy, which trails the
   * controller's own writes and the ReplicaSet controller's; losing such a race is
   * routine, so it is retried soon without a warning.
   */
  protected async sync(key: string): Promise<void> {
    try {
      await this.syncDeployment(key);
    } catch (err) {
      if (!isConflict(err)) throw err;
      log.debug({ deployment: key, err: String(err) }, "lost a write race; syncing again");
      this.queue.addRateLimited(key);
    }
  }

  /** syncDeployment: one pass over the Deployment stored under `key`. */
  private async syncDeployment(key: string): Promise<void> {
    const cached = this.deployments.get(key);
    if (!cached) return;
    // Its ReplicaSets belong to the garbage collector now.
    if (cached.metadata.deletionTimestamp) return;
    const d = withDeploymentDefaults(cached);

    if (selectsAll(d.spec.selector)) {
      this.ctx.recorder.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.ctx.client.update(deploymentsRes, { ...d, status: { ...d.status, observedGeneration: d.metadata.generation } }, { subresource: "status" });
      }
      return;
    }
    const selector = labelSelectorFromMatch(d.spec.selector.matchLabels, d.spec.selector.matchExpressions);
    // Every ReplicaSet of the namespace, so that owned ones the selector no longer matches are released.
    const inNamespace = this.replicaSets.list().filter((rs) => rs.metadata.namespace === d.metadata.namespace);
    const rsList = await claimObjects({ client: this.ctx.client, res: replicaSetsRes, ownerRes: deploymentsRes, owner: d, selector }, inNamespace);

    const s = new DeploymentSync(
      {
        client: this.ctx.client,
        recorder: this.ctx.recorder,
        now: this.now,
        cachedReplicaSet: (rsKey) => this.replicaSets.get(rsKey),
        requeue: (ms) => (ms <= 0 ? this.queue.addRateLimited(key) : this.queue.addAfter(key, ms)),
      },
      d,
      rsList,
    );
    await s.syncPausedCondition();
    if (d.spec.paused) return s.sync();

    const current = await s.replicaSets(false);
    if (s.isScalingEvent(current)) return s.sync();
    if (d.spec.strategy.type === "Recreate") return rolloutRecreate(s, this.podsByReplicaSet(d, selector, rsList));
    return rolloutRolling(s);
  }

  /** getPodMapForDeployment: every pod (finished or not) of the Deployment's ReplicaSets. */
  private podsByReplicaSet(d: DefaultedDeployment, selector: LabelSelector, rsList: readonly ReplicaSet[]): PodsByReplicaSet {
    const map = new Map<string, Pod[]>(rsList.map((rs) => [rs.metadata.uid ?? "", []]));
    for (const pod of this.pods.list()) {
      if (pod.metadata.namespace !== d.metadata.namespace || !matchesLabels(selector, pod.metadata.labels)) continue;
      const ref = controllerRefOf(pod);
      if (ref) map.get(ref.uid)?.push(pod);
    }
    return map;
  }

  private enqueue(d: Deployment): void {
    this.queue.add(objectKey(d));
  }

  /** A Recreate Deployment waits for its old pods to go; the last one leaving wakes it. */
  private podDeleted(pod: Pod): void {
    const podRef = controllerRefOf(pod);
    const rs = podRef && resolveControllerRef(this.replicaSets, replicaSetsRes, pod.metadata.namespace, podRef);
    if (!rs) return;
    const rsRef = controllerRefOf(rs);
    const d = rsRef && resolveControllerRef(this.deployments, deploymentsRes, rs.metadata.namespace, rsRef);
    if (!d || d.spec.strategy?.type !== "Recreate") return;
    const owned = new Set(
      this.replicaSets
        .list()
        .filter((r) => r.metadata.namespace === d.metadata.namespace && controllerRefOf(r)?.uid === d.metadata.uid)
        .map((r) => r.metadata.uid),
    );
    const remaining = this.pods.list().some((p) => p.metadata.namespace === d.metadata.namespace && owned.has(controllerRefOf(p)?.uid));
    if (!remaining) this.enqueue(d);
  }
}
