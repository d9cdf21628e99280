// One sync of one Deployment against the API, after sync.go and progress.go: find
// or create the new ReplicaSet and keep revisions in step, resize ReplicaSets with
// ScalingReplicaSet events, prune history and write status. It keeps the freshest
// copy of every object it wrote, so later steps of the same sync compare-and-swap
// against what the apiserver holds now.
import {
  desiredReplicasAnnotation,
  equalIgnoreHash,
  mustResource,
  revisionAnnotation,
  semanticEqual,
  type DeploymentStatus,
  type ReplicaSet,
} from "@bosun/api";
import { createLogger, isAlreadyExists, isNotFound, type ApiClient, type EventRecorder } from "@bosun/client";
import { errorMessage, isControlledBy, newControllerRef, templateHash } from "../common/index.js";
import {
  calculateStatus,
  getCondition,
  newCondition,
  pausedStatus,
  progressing,
  reasons,
  rolloutStatus,
  setCondition,
  stuckRequeueAfterMs,
} from "./conditions.js";
import { hasProgressDeadline, type DefaultedDeployment } from "./defaults.js";
import { planScale } from "./proportional-scaling.js";
import {
  activeReplicaSets,
  findNewReplicaSet,
  findOldReplicaSets,
  selectorWithHash,
  specReplicas,
  templateWithHash,
} from "./replica-sets.js";
import {
  int32Annotation,
  maxRevision,
  replicaSetsToPrune,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from "./revisions.js";
import { maxSurge, newRSNewReplicas } from "./rolling-math.js";

const log = createLogger("controllers/deployment");
const deployments = mustResource("deployments");
const replicasets = mustResource("replicasets");

export type SyncApi = Pick<ApiClient, "create" | "get" | "update" | "patch" | "delete">;

export interface SyncEnv {
  client: SyncApi;
  recorder: EventRecorder;
  now: () => number;
  /** The informer's copy of a ReplicaSet, by "namespace/name". */
  cachedReplicaSet(key: string): ReplicaSet | undefined;
  /** Syncs this Deployment again after `ms` (0: soon, with backoff). */
  requeue(ms: number): void;
}

export interface ReplicaSetsOfDeployment {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

export class DeploymentSync {
  private d: DefaultedDeployment;
  private readonly rsList: ReplicaSet[];

  constructor(
    private readonly env: SyncEnv,
    deployment: DefaultedDeployment,
    rsList: readonly ReplicaSet[],
  ) {
    this.d = deployment;
    this.rsList = [...rsList];
  }

  get deployment(): DefaultedDeployment {
    return this.d;
  }

  private get name(): string {
    return `${this.d.metadata.namespace}/${this.d.metadata.name}`;
  }

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created if asked) and all old ones. */
  async replicaSets(createIfMissing: boolean): Promise<ReplicaSetsOfDeployment> {
    const oldRSs = findOldReplicaSets(this.d, this.rsList);
    const newRS = await this.newReplicaSet(oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  /**
   * getNewReplicaSet: the ReplicaSet running the current template, with its revision
   * raised above every old one (a reused, rolled-back-to ReplicaSet gets the next
   * number) and minReadySeconds kept in step; created when missing if asked.
   */
  private async newReplicaSet(oldRSs: readonly ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, this.rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true, maxSurge(d));
      if (annotationsUpdated || (copy.spec.minReadySeconds ?? 0) !== d.spec.minReadySeconds) {
        copy.spec.minReadySeconds = d.spec.minReadySeconds;
        return this.updateReplicaSet(copy);
      }
      await this.setDeploymentRevision(copy.metadata.annotations?.[revisionAnnotation] ?? "");
      // Progress of a Deployment that had no Progressing condition is measured from now.
      if (hasProgressDeadline(d) && !getCondition(d.status, progressing)) {
        const status = structuredClone(d.status ?? {});
        const msg = `Found new replica set "${copy.metadata.name}"`;
        setCondition(status, newCondition(progressing, "True", reasons.foundNewReplicaSet, msg, this.env.now()));
        await this.updateStatus(status);
      }
      return copy;
    }
    if (!createIfMissing) return undefined;

    const hash = templateHash(d.spec.template, d.status?.collisionCount);
    const template = templateWithHash(d.spec.template, hash);
    const name = `${d.metadata.name}-${hash}`;
    const newRS: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        ownerReferences: [newControllerRef(d)],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec.minReadySeconds,
        selector: selectorWithHash(d.spec.selector, hash),
        template,
      },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false, maxSurge(d));

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.env.client.create<ReplicaSet>(replicasets, newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        // A slow cache, or a hash collision with another template.
        const found = this.env.cachedReplicaSet(`${d.metadata.namespace}/${name}`) ?? (await this.env.client.get<ReplicaSet>(replicasets, name, d.metadata.namespace));
        if (!isControlledBy(found, d) || !equalIgnoreHash(d.spec.template, found.spec.template)) {
          const collisionCount = (d.status?.collisionCount ?? 0) + 1;
          await this.updateStatus({ ...structuredClone(d.status ?? {}), collisionCount });
          log.info({ deployment: this.name, replicaSet: name, collisionCount }, "pod-template-hash collision; bumped collisionCount");
          throw new Error(
            `replica set ${d.metadata.namespace}/${name} already exists with a different template (pod-template-hash collision); raised status.collisionCount to ${collisionCount}, the next sync uses a new name`,
          );
        }
        created = found;
        alreadyExists = true;
      } else {
        const msg = `Failed to create new replica set "${name}": ${errorMessage(err)}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition(progressing, "False", reasons.failedRSCreate, msg, this.env.now()));
          // The create error is the one to report; a failed status write changes nothing about it.
          await this.updateStatus(status).catch(() => undefined);
        }
        this.env.recorder.event(d, "Warning", reasons.failedRSCreate, msg);
        throw err;
      }
    }
    this.remember(created);
    if (!alreadyExists && replicas > 0) {
      this.env.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${name} from 0 to ${replicas}`);
    }
    await this.setDeploymentRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      const status = structuredClone(this.d.status ?? {});
      setCondition(status, newCondition(progressing, "True", reasons.newReplicaSetCreated, `Created new replica set "${name}"`, this.env.now()));
      await this.updateStatus(status);
    }
    return created;
  }

  /** isScalingEvent: an active ReplicaSet was sized for a different spec.replicas. */
  isScalingEvent({ newRS, oldRSs }: ReplicaSetsOfDeployment): boolean {
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = int32Annotation(rs, desiredReplicasAnnotation);
      return desired !== undefined && desired !== this.d.spec.replicas;
    });
  }

  /** sync: scaling events and paused Deployments; no rollout progress. */
  async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSets(false);
    for (const step of planScale(this.d, newRS, oldRSs)) await this.scaleReplicaSet(step.rs, step.replicas);
    if (this.d.spec.paused) await this.cleanup(oldRSs);
    await this.syncStatus([...oldRSs, newRS], newRS);
  }

  /** checkPausedConditions: record pausing and resuming in the Progressing condition. */
  async syncPausedCondition(): Promise<void> {
    const status = pausedStatus(this.d, this.env.now());
    if (status) await this.updateStatus(status);
  }

  /** scaleReplicaSetAndRecordEvent: resize unless it already has that size. */
  async scaleIfNeeded(rs: ReplicaSet, replicas: number): Promise<boolean> {
    const current = this.latest(rs);
    if (specReplicas(current) === replicas) return false;
    return this.scaleReplicaSet(current, replicas);
  }

  /** scaleReplicaSet: the new size and the replicas annotations; an event when the size changed. */
  async scaleReplicaSet(rs: ReplicaSet, replicas: number): Promise<boolean> {
    const current = this.latest(rs);
    const from = specReplicas(current);
    const desired = this.d.spec.replicas;
    const max = desired + maxSurge(this.d);
    const sizeChanges = from !== replicas;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(current, desired, max)) return false;
    const copy = structuredClone(current);
    copy.spec.replicas = replicas;
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.updateReplicaSet(copy);
    if (sizeChanges) {
      const op = from < replicas ? "up" : "down";
      this.env.recorder.event(this.d, "Normal", "ScalingReplicaSet", `Scaled ${op} replica set ${updated.metadata.name} from ${from} to ${replicas}`);
    }
    return sizeChanges;
  }

  /** cleanupDeployment: delete old ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(oldRSs: readonly ReplicaSet[]): Promise<void> {
    for (const rs of replicaSetsToPrune(oldRSs.map((r) => this.latest(r)), this.d.spec.revisionHistoryLimit)) {
      try {
        await this.env.client.delete(replicasets, rs.metadata.name ?? "", { namespace: rs.metadata.namespace });
        log.info({ deployment: this.name, replicaSet: rs.metadata.name }, "deleted old replica set beyond revisionHistoryLimit");
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** syncDeploymentStatus: counts and Available, leaving Progressing as it is. */
  async syncStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(this.d, allRSs, newRS, this.env.now());
    if (!semanticEqual(this.d.status, status)) await this.updateStatus(status);
  }

  /**
   * syncRolloutStatus: counts and both conditions. With nothing new to write, a
   * rollout short of complete is requeued for when its deadline passes, so the
   * timeout is noticed even if no event comes.
   */
  async syncRolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const nowMs = this.env.now();
    const status = rolloutStatus(this.d, allRSs, newRS, nowMs);
    if (!semanticEqual(this.d.status, status)) {
      await this.updateStatus(status);
      return;
    }
    const after = stuckRequeueAfterMs(this.d, status, nowMs);
    // A second more than the deadline, so the check lands after it has passed.
    if (after === 0) this.env.requeue(0);
    else if (after > 0) this.env.requeue(after + 1000);
  }

  /** The freshest copy of a ReplicaSet this sync has seen or written. */
  private latest(rs: ReplicaSet): ReplicaSet {
    return this.rsList.find((r) => r.metadata.uid === rs.metadata.uid) ?? rs;
  }

  private remember(rs: ReplicaSet): void {
    const i = this.rsList.findIndex((r) => r.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
  }

  private async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = await this.env.client.update<ReplicaSet>(replicasets, rs);
    this.remember(updated);
    return updated;
  }

  /** SetDeploymentRevision: the Deployment carries its new ReplicaSet's revision too. */
  private async setDeploymentRevision(revision: string): Promise<void> {
    if (this.d.metadata.annotations?.[revisionAnnotation] === revision) return;
    // resourceVersion in the patch makes it compare-and-swap like every other write here.
    const patched = await this.env.client.patch<DefaultedDeployment>(
      deployments,
      this.d.metadata.name ?? "",
      { metadata: { resourceVersion: this.d.metadata.resourceVersion, annotations: { [revisionAnnotation]: revision } } },
      { namespace: this.d.metadata.namespace, type: "merge" },
    );
    this.d = { ...this.d, metadata: patched.metadata };
  }

  private async updateStatus(status: DeploymentStatus): Promise<void> {
    const updated = await this.env.client.update<DefaultedDeployment>(deployments, { ...this.d, status }, { subresource: "status" });
    this.d = { ...this.d, metadata: updated.metadata, status: updated.status };
  }
}
