// The garbage collector, after Kubernetes' pkg/controller/garbagecollector: deletes
// objects whose owners are gone (background cascading), deletes the dependents of
// an owner deleted in the foreground and then lets the owner go, and strips the
// references to an owner deleted with the orphan policy.
//
// The queue holds uids. Every decision is taken from the state the informers hold
// now (and a fresh read before anything is deleted), never from the event that
// queued it, so a collector that restarts halfway converges all the same; a
// periodic resync catches whatever no event announced.
import { objectKey, resourceByKind, type KubeObject, type OwnerReference, type ResourceInfo } from "@bosun/api";
import { createLogger, isConflict, isNotFound, WorkQueue } from "@bosun/client";
import { errorMessage, hasFinalizer, patchMetadata, removeFinalizer, runWorkers, type Controller, type ControllerContext, type Workers } from "../common/index.js";
import { AbsentOwners } from "./absent-owners.js";
import { collectedResources } from "./collected-resources.js";
import {
  classifyOwners,
  decideDependentAction,
  foregroundFinalizer,
  orphanFinalizer,
  type DependentAction,
  type OwnerState,
} from "./decide.js";
import { OwnerGraph, type GraphNode } from "./graph.js";

const log = createLogger("controllers/garbage-collector");

export interface GarbageCollectorOptions {
  workers?: number;
  /** How often every owned or finalizing object is looked at again (default 30 s). */
  resyncMs?: number;
}

export class GarbageCollectorController implements Controller {
  readonly name = "garbage-collector";
  private readonly queue = new WorkQueue<string>();
  private readonly graph = new OwnerGraph();
  private readonly absentOwners = new AbsentOwners(10_000);
  /** Owner kinds already reported as unknown, so the log says it once. */
  private readonly unknownKinds = new Set<string>();
  private readonly workerCount: number;
  private readonly resyncMs: number;
  private workers: Workers | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    opts: GarbageCollectorOptions = {},
  ) {
    this.workerCount = opts.workers ?? 4;
    this.resyncMs = opts.resyncMs ?? 30_000;
    for (const res of collectedResources()) {
      ctx.informers
        .for<KubeObject>(res)
        .onAdd((obj) => this.observed(res, undefined, obj))
        .onUpdate((old, obj) => this.observed(res, old, obj))
        .onDelete((obj) => this.vanished(obj));
    }
  }

  async run(): Promise<void> {
    this.workers = runWorkers(this.name, this.queue, this.workerCount, (uid) => this.sync(uid));
    this.resync();
    this.resyncTimer = setInterval(() => this.resync(), this.resyncMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
    await this.workers?.done;
  }

  // ---- graph maintenance ----

  private observed(res: ResourceInfo, old: KubeObject | undefined, obj: KubeObject): void {
    this.graph.upsert(res, obj);
    const uid = obj.metadata.uid;
    if (!uid) return;
    const refsChanged = !old || JSON.stringify(old.metadata.ownerReferences ?? []) !== JSON.stringify(obj.metadata.ownerReferences ?? []);
    const deletionChanged =
      !old ||
      old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp ||
      JSON.stringify(old.metadata.finalizers ?? []) !== JSON.stringify(obj.metadata.finalizers ?? []);
    // As a dependent: its owners may be gone.
    if (refsChanged && (obj.metadata.ownerReferences ?? []).length > 0) this.queue.add(uid);
    // As an owner: deleted with a policy the collector carries out.
    if (deletionChanged && needsCollector(obj)) this.queue.add(uid);
    if (refsChanged || deletionChanged) this.enqueueDeletingOwners(old, obj);
  }

  private vanished(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.graph.remove(obj);
    for (const dependent of this.graph.dependents(uid)) this.queue.add(dependent.object.metadata.uid ?? "");
    this.enqueueDeletingOwners(obj);
  }

  /** Owners being deleted wait on their dependents; a dependent's change may release them. */
  private enqueueDeletingOwners(...objects: (KubeObject | undefined)[]): void {
    for (const obj of objects) {
      for (const ref of obj?.metadata.ownerReferences ?? []) {
        if (this.graph.get(ref.uid)?.object.metadata.deletionTimestamp) this.queue.add(ref.uid);
      }
    }
  }

  private resync(): void {
    for (const { object } of this.graph.nodes()) {
      if ((object.metadata.ownerReferences ?? []).length > 0 || needsCollector(object)) this.queue.add(object.metadata.uid ?? "");
    }
  }

  // ---- sync ----

  private async sync(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    const obj = node.object;
    if (obj.metadata.deletionTimestamp) {
      if (hasFinalizer(obj, orphanFinalizer)) await this.orphanDependents(node);
      else if (hasFinalizer(obj, foregroundFinalizer)) await this.deleteDependentsFirst(node);
      // Otherwise it is simply on its way out; its dependents are looked at once it is gone.
      return;
    }
    await this.collectIfOwnersGone(node);
  }

  /** Background cascading: an object none of whose owners remains is deleted. */
  private async collectIfOwnersGone(node: GraphNode): Promise<void> {
    const cached = node.object;
    if ((cached.metadata.ownerReferences ?? []).length === 0) return;
    // Judged on the cache first, which spares the API server while owners live.
    if ((await this.decide(cached)).kind === "keep") return;
    // Acted on as the object is now: it may have been orphaned or re-owned meanwhile.
    let latest: KubeObject;
    try {
      latest = await this.ctx.client.get<KubeObject>(node.res, cached.metadata.name ?? "", cached.metadata.namespace);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (latest.metadata.uid !== cached.metadata.uid || latest.metadata.deletionTimestamp) return;
    const action = await this.decide(latest);
    await this.apply(node, latest, action);
  }

  private async decide(obj: KubeObject): Promise<DependentAction> {
    const refs = obj.metadata.ownerReferences ?? [];
    const states = await Promise.all(refs.map((ref) => this.ownerState(obj, ref)));
    const dependents = this.graph.dependents(obj.metadata.uid ?? "").map((n) => n.object);
    return decideDependentAction(obj, classifyOwners(refs, states), dependents);
  }

  /** Whether the owner a reference names exists: from the graph, else from a live read. */
  private async ownerState(dependent: KubeObject, ref: OwnerReference): Promise<OwnerState> {
    const known = this.graph.get(ref.uid);
    if (known) return { kind: "present", object: known.object };
    if (this.absentOwners.has(ref.uid)) return { kind: "absent" };
    const res = resourceByKind(ref.apiVersion, ref.kind);
    if (!res) {
      const kind = `${ref.apiVersion}/${ref.kind}`;
      if (!this.unknownKinds.has(kind)) {
        this.unknownKinds.add(kind);
        log.warn({ kind, dependent: objectKey(dependent) }, "ownerReference to a kind this API does not serve; leaving its dependents alone");
      }
      return { kind: "unverifiable" };
    }
    try {
      const owner = await this.ctx.client.get<KubeObject>(res, ref.name, res.namespaced ? dependent.metadata.namespace : undefined);
      if (owner.metadata.uid === ref.uid) return { kind: "present", object: owner };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.absentOwners.add(ref.uid);
    return { kind: "absent" };
  }

  private async apply(node: GraphNode, obj: KubeObject, action: DependentAction): Promise<void> {
    const key = `${node.res.resource}/${objectKey(obj)}`;
    if (action.kind === "keep") return;
    if (action.kind === "removeOwnerReferences") {
      const gone = new Set(action.uids);
      if (await this.removeOwnerReferences(node.res, obj, (r) => gone.has(r.uid))) {
        log.info({ object: key, owners: action.uids }, "removed references to owners that are gone or deleting; other owners keep it");
      }
      return;
    }
    let target: KubeObject | undefined = obj;
    if (action.unblockOwners) {
      target = await patchMetadata(this.ctx.client, node.res, obj, (current) => {
        const refs = current.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.blockOwnerDeletion)) return undefined;
        return { ownerReferences: refs.map((r) => ({ ...r, blockOwnerDeletion: false })) };
      });
      if (!target) return;
    }
    try {
      await this.ctx.client.delete(node.res, obj.metadata.name ?? "", {
        namespace: obj.metadata.namespace,
        preconditions: { uid: obj.metadata.uid },
        propagationPolicy: action.policy,
      });
      log.info({ object: key, propagationPolicy: action.policy }, "deleted an object whose owners are gone or deleting");
    } catch (err) {
      // Gone already, or a new object of the same name (uid precondition): nothing to collect.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  /** Foreground cascading: dependents go first; the owner goes once none blocks it. */
  private async deleteDependentsFirst(node: GraphNode): Promise<void> {
    const uid = node.object.metadata.uid ?? "";
    const dependents = this.graph.dependents(uid);
    const blocking = dependents.filter((d) =>
      (d.object.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true),
    );
    if (blocking.length === 0) {
      await this.removeFinalizer(node, foregroundFinalizer);
      return;
    }
    for (const d of dependents) if (!d.object.metadata.deletionTimestamp) this.queue.add(d.object.metadata.uid ?? "");
  }

  /** Orphan policy: the dependents lose their reference to the owner and stay. */
  private async orphanDependents(node: GraphNode): Promise<void> {
    const uid = node.object.metadata.uid ?? "";
    const failures: string[] = [];
    for (const d of this.graph.dependents(uid)) {
      try {
        await this.removeOwnerReferences(d.res, d.object, (r) => r.uid === uid);
      } catch (err) {
        failures.push(`${d.res.resource}/${objectKey(d.object)}: ${errorMessage(err)}`);
      }
    }
    if (failures.length > 0) {
      throw new Error(`could not orphan ${failures.length} dependent(s) of ${objectKey(node.object)}, keeping its orphan finalizer: ${failures[0]}`);
    }
    await this.removeFinalizer(node, orphanFinalizer);
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    if (await removeFinalizer(this.ctx.client, node.res, node.object, finalizer)) log.info({ object: `${node.res.resource}/${objectKey(node.object)}`, finalizer }, "removed finalizer");
  }

  /** Answers whether a reference was removed (false: none matched, or the object is gone). */
  private async removeOwnerReferences(res: ResourceInfo, obj: KubeObject, drop: (ref: OwnerReference) => boolean): Promise<boolean> {
    let removed = false;
    const written = await patchMetadata(this.ctx.client, res, obj, (current) => {
      const refs = current.metadata.ownerReferences ?? [];
      const rest = refs.filter((r) => !drop(r));
      removed = rest.length < refs.length;
      if (!removed) return undefined;
      return { ownerReferences: rest.length > 0 ? rest : null };
    });
    return removed && written !== undefined;
  }
}

/** Being deleted with the foreground or orphan policy, which the collector carries out. */
function needsCollector(obj: KubeObject): boolean {
  return !!obj.metadata.deletionTimestamp && (hasFinalizer(obj, foregroundFinalizer) || hasFinalizer(obj, orphanFinalizer));
}
