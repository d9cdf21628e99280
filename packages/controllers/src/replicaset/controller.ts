// The ReplicaSet controller, after Kubernetes' pkg/controller/replicaset: keeps
// spec.replicas active pods matching the selector, adopting orphans and releasing
// pods it no longer selects, and reports what it sees in status. The same
// controller keeps ReplicationControllers, each read as a ReplicaSet (kinds.ts).
import { mustResource, objectKey, type KubeObject, type Pod, type ReplicaSet, type ReplicaSetStatus } from "@bosun/api";
import { createLogger, isConflict, isNotFound, type Informer } from "@bosun/client";
import {
  claimObjects,
  controllerRefOf,
  Expectations,
  isPodActive,
  labelSelectorOf,
  PodControl,
  type ControllerContext,
  type PodChanges,
  watchDependents,
  QueueController,
} from "../common/index.js";
import { replicaSetKind, replicationControllerKind, type ReplicatedKind } from "./kinds.js";
import { podsToDelete } from "./pod-ranking.js";
import { calculateReplicaSetStatus, nextAvailabilityCheckMs, sameReplicaSetStatus } from "./status.js";

const log = createLogger("controllers/replicaset");

export interface ReplicaSetControllerOptions {
  /** What it keeps: ReplicaSets unless told otherwise. */
  kind?: ReplicatedKind;
  workers?: number;
  /** At most this many pods are created or deleted per sync (Kubernetes' burstReplicas). */
  burstReplicas?: number;
}

const podsRes = mustResource("pods");

export class ReplicaSetController extends QueueController {
  readonly name: string;
  private readonly kind: ReplicatedKind;
  private readonly expectations: Expectations;
  private readonly podControl: PodControl;
  private readonly pods: Informer<Pod>;
  private readonly replicaSets: Informer<KubeObject>;
  private readonly burstReplicas: number;

  constructor(
    ctx: ControllerContext,
    opts: ReplicaSetControllerOptions = {},
  ) {
    super(ctx, opts.workers ?? 2);
    this.kind = opts.kind ?? replicaSetKind;
    this.name = this.kind.controllerName;
    this.expectations = new Expectations(this.now);
    this.podControl = new PodControl(ctx.client, ctx.recorder, this.expectations);
    this.burstReplicas = opts.burstReplicas ?? 500;
    this.replicaSets = ctx.informers.for<KubeObject>(this.kind.res);
    this.pods = ctx.informers.for<Pod>(podsRes);
    this.replicaSets
      .onAdd((rs) => this.queue.add(objectKey(rs)))
      .onUpdate((_old, rs) => this.queue.add(objectKey(rs)))
      .onDelete((rs) => {
        this.expectations.delete(objectKey(rs));
        this.queue.add(objectKey(rs));
      });
    watchDependents(this.pods, {
      ownerRes: this.kind.res,
      owners: this.replicaSets,
      selectorOf: (owner) => labelSelectorOf(this.kind.view(owner).spec.selector),
      enqueue: (key) => this.queue.add(key),
      expectations: this.expectations,
    });
  }

  // ---- sync ----

  protected async sync(key: string): Promise<void> {
    const owner = this.replicaSets.get(key);
    if (!owner) {
      this.expectations.delete(key);
      return;
    }
    const rs = this.kind.view(owner);
    const selector = labelSelectorOf(rs.spec.selector);
    if (!selector) {
      log.warn({ [this.kind.controllerName]: key }, "invalid or empty selector; not managing pods until spec.selector is fixed");
      return;
    }
    // Read before listing pods: what the informer shows is then at least as new as the expectations.
    const needsManage = this.expectations.satisfied(key);
    const namespace = rs.metadata.namespace;
    const candidates = this.pods.list().filter((p) => p.metadata.namespace === namespace && isPodActive(p));
    const pods = await claimObjects(
      { client: this.ctx.client, res: podsRes, ownerRes: this.kind.res, owner: rs, selector },
      candidates,
    );
    let manageError: Error | undefined;
    if (needsManage && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (err) {
        manageError = err instanceof Error ? err : new Error(String(err));
      }
    }
    const nowMs = this.now();
    await this.writeStatus(owner, calculateReplicaSetStatus(rs, pods, manageError, nowMs));
    if (manageError) throw manageError;
    const wait = nextAvailabilityCheckMs(pods, rs.spec.minReadySeconds ?? 0, nowMs);
    if (wait !== undefined) this.queue.addAfter(key, wait);
  }

  private async manageReplicas(key: string, rs: ReplicaSet, pods: Pod[]): Promise<void> {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    let changes: PodChanges = {};
    if (diff < 0) {
      const template = rs.spec.template;
      if (!template) throw new Error(`${rs.kind} ${key} has no spec.template to create pods from; add one`);
      changes = { create: { template, count: Math.min(-diff, this.burstReplicas) } };
    } else if (diff > 0) {
      const victims = podsToDelete(pods, this.relatedPods(rs, pods), Math.min(diff, this.burstReplicas));
      changes = { delete: victims.map((pod) => ({ pod })) };
    }
    const { errors } = await this.podControl.apply(key, rs, changes);
    // sync() reports the first failure in status and retries.
    if (errors.length > 0) throw errors[0];
  }

  /**
   * Pods whose placement counts when choosing whom to delete: those of every
   * ReplicaSet under the same controller (a Deployment's old and new ReplicaSets).
   */
  private relatedPods(rs: ReplicaSet, own: Pod[]): Pod[] {
    const controller = controllerRefOf(rs);
    if (!controller) return own;
    const siblings = new Set(
      this.replicaSets
        .list()
        .filter((other) => other.metadata.namespace === rs.metadata.namespace && controllerRefOf(other)?.uid === controller.uid)
        .map((other) => other.metadata.uid),
    );
    return this.pods.list().filter((p) => p.metadata.namespace === rs.metadata.namespace && siblings.has(controllerRefOf(p)?.uid));
  }

  /**
   * Writes status through /status when it changed (an RC's status has the
   * ReplicaSet's fields); one retry on a fresh read after a conflict.
   */
  private async writeStatus(owner: KubeObject, status: ReplicaSetStatus): Promise<void> {
    const rs = owner as KubeObject & { status?: ReplicaSetStatus };
    if (sameReplicaSetStatus(rs.status, status)) return;
    let target: KubeObject = owner;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ctx.client.update<KubeObject>(this.kind.res, { ...target, status } as KubeObject, { subresource: "status" });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt > 0) throw err;
      }
      try {
        target = await this.ctx.client.get<KubeObject>(this.kind.res, rs.metadata.name ?? "", rs.metadata.namespace);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (target.metadata.uid !== rs.metadata.uid) return;
    }
  }
}

/** The ReplicationController manager: the ReplicaSet controller over RCs, as Kubernetes' NewReplicationManager. */
export function newReplicationControllerController(ctx: ControllerContext, opts: Omit<ReplicaSetControllerOptions, "kind"> = {}): ReplicaSetController {
  return new ReplicaSetController(ctx, { ...opts, kind: replicationControllerKind });
}
