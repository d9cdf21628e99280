// What each verb does to stored objects: server-owned metadata, defaulting,
// validation, the status/spec split, finalizers and graceful deletion, every write
// a compare-and-swap on the revision it read. The HTTP layer has already checked
// the request's shape (kind, namespace, name against the URL) before calling here.
import {
  alreadyExists,
  applyDefaults,
  canonicalJson,
  conflict,
  fieldErrors,
  generateNameSuffix,
  invalid,
  mustResource,
  notFound,
  resourceByPath,
  statusError,
  validateObject,
  type DeleteOptions,
  type KubeObject,
  type PersistentVolumeClaim,
  type Pod,
  type PriorityClass,
  type ResourceInfo,
  type Service,
  type Status,
  type StorageClass,
} from "@bosun/api";
import { managedFieldsAfterWrite, type FieldManagerRef } from "../apply/managed-fields.js";
import { StatusError } from "../errors.js";
import type { LeaseManager } from "../storage/leases.js";
import type { ListPage, ListRequest } from "../storage/paging.js";
import type { Store } from "../storage/store.js";
import type { IndexClash } from "../storage/unique-index.js";
import type { WatchCache, WatchFilter } from "../storage/cacher/watch-cache.js";
import { withDefaultClass } from "./claim-default-class.js";
import { admitClaimResize } from "./claim-resize.js";
import { prepareForCreate, prepareForUpdate } from "./create-hooks.js";
import { RangeFull, type Picked, type ServiceAllocator } from "./service-allocation.js";
import type { ServiceAccountAdmission } from "./service-account-admission.js";
import { admitPodPriority, admitPriorityClass, refuseSystemPriorityClassDelete, type PriorityClassLister } from "./priority-admission.js";
import { finalizersForDelete } from "./gc.js";
import { carryUpdateMeta, clone, initCreateMeta, markDeleting, readyToRemove } from "./meta.js";

export const namespaces = resourceByPath("", "v1", "namespaces")!;

export const conflictMessage = "the object has been modified; please apply your changes to the latest version and try again";
/**
 * How often a write decides again after losing a compare-and-swap. Every loss
 * means another write of the same object committed meanwhile, so this many are
 * reached only under a sustained stream of writes to one object; Kubernetes
 * bounds the same loop only by the request's timeout.
 */
export const maxCasAttempts = 1000;

export type Outcome = { kind: "put"; object: KubeObject } | { kind: "delete"; object: KubeObject } | { kind: "unchanged" };

export interface WriteOptions {
  dryRun: boolean;
  /**
   * Who writes, recorded as an Update entry of metadata.managedFields; without
   * it the entries are carried over unchanged (server-side apply sets its own).
   */
  fieldManager?: FieldManagerRef;
}

export interface DeleteResult {
  object: KubeObject;
  /** Whether the object is gone (false: marked for graceful deletion or waiting on finalizers). */
  removed: boolean;
}

export class Registry {
  /**
   * @param eventLeases when given, every write of an Event attaches a lease from it,
   * so etcd removes events that are not written again within the TTL.
   */
  constructor(
    readonly store: Store,
    readonly cache: WatchCache,
    private readonly eventLeases?: LeaseManager,
    /** Cluster IPs and node ports; without it Services are stored as they come (tests of other kinds). */
    private readonly services?: ServiceAllocator,
    /** The ServiceAccount admission of new pods; without it pods keep the account they name (tests of other kinds). */
    private readonly serviceAccounts?: ServiceAccountAdmission,
  ) {}

  async get(info: ResourceInfo, namespace: string | undefined, name: string, fromCache: boolean): Promise<KubeObject> {
    if (fromCache) {
      const cached = this.cache.get(info, namespace, name);
      if (cached) return cached;
    }
    const stored = await this.store.get(info, namespace, name);
    if (!stored) throw new StatusError(notFound(info, name));
    return stored.object;
  }

  async create(info: ResourceInfo, sent: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    // NamespaceLifecycle comes first of Kubernetes' admission: an object of a missing
    // namespace is a 404 before anything else is looked up or validated.
    if (info.namespaced) await this.requireNamespace(sent.metadata.namespace ?? "");
    const body = info.kind === "PersistentVolumeClaim" ? await withDefaultClass(sent, () => this.storageClasses()) : sent;
    const admitPod = await this.podAdmission(info, sent);
    if (info.kind === "PriorityClass") await admitPriorityClass(sent, this.priorityClasses);
    const generated = !body.metadata.name && !!body.metadata.generateName;
    let object = this.prepareCreate(info, body, opts, admitPod);
    let picked = await this.allocate(info, object);
    if (opts.dryRun) return object;
    // A generated name can collide; Kubernetes retries with a new suffix too. The
    // object is prepared again because a create hook may have used its name. So can
    // a value the allocator picked, when another master picked it at the same time.
    for (let attempt = 0; ; attempt++) {
      const res = await this.store.create(info, object, await this.leaseFor(info));
      if (res.ok) return withVersion(object, res.revision);
      if (res.clash && !(picked && pickedHolds(picked, res.clash) && attempt < 8)) {
        throw new StatusError(clashRefused(info, object.metadata.name ?? "", res.clash));
      }
      if (!res.clash && (!generated || attempt >= 8)) throw new StatusError(alreadyExists(info, object.metadata.name ?? ""));
      object = this.prepareCreate(info, body, opts, admitPod);
      picked = await this.allocate(info, object);
    }
  }

  /**
   * A new pod's ServiceAccount and Priority admission, in Kubernetes' order: the
   * account and the class are looked up now (after NamespaceLifecycle: a pod of a
   * missing namespace is a 404, not a missing account), and what admission
   * changes is done in prepareCreate.
   */
  private async podAdmission(info: ResourceInfo, sent: KubeObject): Promise<((pod: KubeObject) => void) | undefined> {
    if (info.kind !== "Pod") return undefined;
    const admitAccount = await this.serviceAccounts?.admission(sent);
    const admitPriority = await admitPodPriority(sent, this.priorityClasses);
    return (pod) => {
      admitAccount?.(pod);
      admitPriority(pod);
    };
  }

  /** PriorityClasses as the Priority admission reads them: the watch cache, and etcd for a name the cache has not seen yet. */
  private readonly priorityClasses: PriorityClassLister = {
    get: async (name) => {
      try {
        return (await this.get(mustResource("priorityclasses"), undefined, name, true)) as PriorityClass;
      } catch (err) {
        if (err instanceof StatusError && err.status.code === 404) return undefined;
        throw err;
      }
    },
    list: async () => {
      const page = await this.list(mustResource("priorityclasses"), { predicate: () => true, selective: false }, { at: { kind: "any" }, limit: 0 });
      return page.items as PriorityClass[];
    },
  };

  /** The StorageClasses the watch cache holds, as the admission plugins' listers see them. */
  private async storageClasses(): Promise<StorageClass[]> {
    const page = await this.list(mustResource("storageclasses"), { predicate: () => true, selective: false }, { at: { kind: "any" }, limit: 0 });
    return page.items as StorageClass[];
  }

  /** A Service's cluster IP and node ports (see service-allocation.ts); what was picked, to tell a lost race from a refusal. */
  private async allocate(info: ResourceInfo, object: KubeObject, old?: KubeObject): Promise<Picked | undefined> {
    if (info.kind !== "Service" || !this.services) return undefined;
    try {
      const { causes, picked } = await this.services.allocate(object as Service, old as Service | undefined);
      if (causes.length > 0) throw new StatusError(invalid(info, object.metadata.name ?? "", causes));
      return picked;
    } catch (err) {
      if (err instanceof RangeFull) throw new StatusError(statusError(500, "InternalError", `Internal error occurred: ${err.message}`));
      throw err;
    }
  }

  /**
   * Server-owned metadata, the kind's create hook, defaults, managed fields, then
   * mutating admission and validation. Admission comes after the managed fields,
   * as in Kubernetes, so what it adds (a pod's token volume) belongs to no
   * manager: a server-side apply that leaves it out does not remove it.
   */
  private prepareCreate(info: ResourceInfo, body: KubeObject, opts: WriteOptions, admit?: (object: KubeObject) => void): KubeObject {
    const object = clone(body);
    initCreateMeta(info, object);
    if (!object.metadata.name && object.metadata.generateName) object.metadata.name = object.metadata.generateName + generateNameSuffix();
    if (info.kind === "Pod") (object as Pod).status = { phase: "Pending" };
    prepareForCreate(info.kind, object);
    applyDefaults(info, object);
    setManagedFields(object, managedFieldsAfterWrite(info, undefined, object, opts.fieldManager));
    if (admit) {
      admit(object);
      applyDefaults(info, object);
    }
    const causes = validateObject(info, object);
    if (causes.length > 0) throw new StatusError(invalid(info, object.metadata.name ?? "", causes));
    return object;
  }

  /** The lease a write of this kind attaches, if its objects expire. */
  private async leaseFor(info: ResourceInfo): Promise<string | undefined> {
    return info.kind === "Event" && this.eventLeases !== undefined ? this.eventLeases.lease() : undefined;
  }

  /**
   * Replaces an object (PUT, and PATCH after the patch is applied by mutate).
   * On the main resource status changes are ignored; on /status only status changes.
   */
  async update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
    subresource: "status" | undefined,
    opts: WriteOptions,
  ): Promise<KubeObject> {
    let picked: Picked | undefined;
    const retryPicked = (clash: IndexClash) => picked !== undefined && pickedHolds(picked, clash);
    const result = await this.guaranteedUpdate(info, namespace, name, opts, async (current) => {
      const requested = mutate(clone(current));
      const expected = requested.metadata?.resourceVersion;
      if (expected && expected !== current.metadata.resourceVersion) {
        throw new StatusError(conflict(info, name, conflictMessage));
      }
      let next: KubeObject & { status?: unknown };
      if (subresource === "status") {
        next = clone(current) as KubeObject & { status?: unknown };
        next.status = (requested as { status?: unknown }).status;
        // What a status write may leave besides status: the entries an apply computed.
        next.metadata.managedFields = requested.metadata?.managedFields;
      } else {
        next = requested;
        next.metadata = next.metadata ?? {};
        if (info.subresources.includes("status")) next.status = clone((current as { status?: unknown }).status);
      }
      if (next.status === undefined) delete next.status;
      prepareForUpdate(info.kind, next, current);
      // Defaults first, so a spec that differs from the stored one only by defaults
      // does not count as a change of generation.
      applyDefaults(info, next);
      carryUpdateMeta(info, current, next);
      if (subresource === undefined) picked = await this.allocate(info, next, current);
      const writer = opts.fieldManager && { ...opts.fieldManager, ...(subresource ? { subresource } : {}) };
      setManagedFields(next, managedFieldsAfterWrite(info, current, next, writer));
      const causes = validateObject(info, next, current);
      if (causes.length > 0) throw new StatusError(invalid(info, name, causes));
      if (info.kind === "PriorityClass") await admitPriorityClass(next, this.priorityClasses);
      if (info.kind === "PersistentVolumeClaim" && subresource === undefined) {
        await admitClaimResize(this.store, info, next as PersistentVolumeClaim, current as PersistentVolumeClaim);
      }
      if (readyToRemove(next)) return { kind: "delete", object: next };
      // Key order is no change: a client may send back what it got, keys moved.
      if (canonicalJson(next) === canonicalJson(current)) return { kind: "unchanged" };
      return { kind: "put", object: next };
    }, retryPicked);
    if (result.removed && info.kind === "Namespace" && !opts.dryRun) await this.deleteNamespaceContents(name);
    return result.object;
  }

  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
    opts: WriteOptions,
  ): Promise<DeleteResult> {
    if (info.kind === "Namespace" && protectedNamespaces.has(name)) {
      throw new StatusError(
        statusError(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
          name,
          kind: "namespaces",
        }),
      );
    }
    if (info.kind === "PriorityClass") refuseSystemPriorityClassDelete(name);
    const result = await this.guaranteedUpdate(info, namespace, name, opts, (current) => {
      checkPreconditions(info, name, current, options);
      const next = clone(current);
      const meta = next.metadata;
      // The garbage collector's finalizers follow the propagation policy, also on a
      // second delete of an object already being deleted (it may switch policy).
      const before = meta.finalizers ?? [];
      const finalizers = finalizersForDelete(info, before, options);
      const finalizersChanged = finalizers.join("\n") !== before.join("\n");
      if (finalizers.length > 0) meta.finalizers = finalizers;
      else delete meta.finalizers;
      const grace = gracePeriod(info, current, options);
      if (meta.deletionTimestamp) {
        // Already being deleted: a second delete may only shorten the grace period.
        const shorter = grace < (meta.deletionGracePeriodSeconds ?? 0);
        if (shorter) markDeleting(next, grace);
        if (!shorter && !finalizersChanged && !readyToRemove(next)) return { kind: "unchanged" };
      } else if (grace > 0 || finalizers.length > 0) {
        markDeleting(next, grace);
      } else {
        return { kind: "delete", object: next };
      }
      return readyToRemove(next) ? { kind: "delete", object: next } : { kind: "put", object: next };
    });
    if (result.removed && info.kind === "Namespace" && !opts.dryRun) await this.deleteNamespaceContents(name);
    return result;
  }

  /** Creates the namespace unless it exists. */
  async ensureNamespace(name: string): Promise<void> {
    if (await this.store.get(namespaces, undefined, name)) return;
    try {
      await this.create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } }, { dryRun: false });
    } catch (err) {
      if (!(err instanceof StatusError && err.status.reason === "AlreadyExists")) throw err;
    }
  }

  async list(info: ResourceInfo, filter: WatchFilter, req: ListRequest): Promise<ListPage> {
    return this.cache.list(info, filter, req);
  }

  private async requireNamespace(namespace: string): Promise<void> {
    if (!namespace) throw new StatusError(statusError(400, "BadRequest", "a namespace is required for this resource"));
    if (!(await this.store.get(namespaces, undefined, namespace))) throw new StatusError(notFound(namespaces, namespace));
  }

  /**
   * Removes everything in a deleted namespace. Kubernetes first marks the namespace
   * Terminating and lets controllers and finalizers drain it; Bosun removes the
   * contents directly after the namespace is gone, so bound pods vanish without a
   * grace period (their agents still stop the containers when they see the delete).
   */
  private async deleteNamespaceContents(namespace: string): Promise<void> {
    for (const info of this.store.namespacedResources()) await this.store.deletePrefix(this.store.keys.listPrefix(info, namespace));
    // The objects went without their own writes: the values they held in the unique
    // indexes (Services' cluster IPs and node ports) are freed by a repair pass.
    await this.store.repairIndexes();
  }

  /**
   * Read, decide, compare-and-swap; on a lost race decide again on the object as
   * the losing transaction read it, as Kubernetes' GuaranteedUpdate does. So a
   * write without a resourceVersion precondition (a patch, an update without
   * one) never answers 409 for a race it merely lost; a precondition decide
   * checks (a stale resourceVersion) still does, on the current object.
   */
  async guaranteedUpdate(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: WriteOptions,
    decide: (current: KubeObject) => Outcome | Promise<Outcome>,
    /** Whether a clash on the index is a race lost by a value decide picked itself: then it decides again. */
    retryClash?: (clash: IndexClash) => boolean,
  ): Promise<DeleteResult> {
    let stored = await this.store.get(info, namespace, name);
    for (let attempt = 0; attempt < maxCasAttempts; attempt++) {
      if (!stored) throw new StatusError(notFound(info, name));
      const decided = await decide(stored.object);
      // A value stored with an old key is written again even unchanged: that is how a rotation re-encrypts.
      if (decided.kind === "unchanged" && !stored.stale) return { object: stored.object, removed: false };
      const outcome = decided.kind === "unchanged" ? { kind: "put" as const, object: stored.object } : decided;
      if (opts.dryRun) return { object: outcome.object, removed: outcome.kind === "delete" };
      const res =
        outcome.kind === "put"
          ? await this.store.update(info, outcome.object, stored, await this.leaseFor(info))
          : await this.store.delete(info, namespace, name, stored);
      if (res.ok) return { object: withVersion(outcome.object, res.revision), removed: outcome.kind === "delete" };
      if (res.clash && !(retryClash?.(res.clash) && attempt < 8)) throw new StatusError(clashRefused(info, name, res.clash));
      stored = res.clash ? await this.store.get(info, namespace, name) : res.current;
    }
    throw new StatusError(conflict(info, name, `${conflictMessage} (${maxCasAttempts} writes of it overtook this one)`));
  }
}

const protectedNamespaces = new Set(["default", "kube-system", "kube-public"]);

/**
 * A value another object holds (a pod CIDR of another node) is refused as Invalid
 * on the field that claims it, as Kubernetes refuses an allocated cluster IP.
 */
function pickedHolds(picked: Picked, clash: IndexClash): boolean {
  const value = clash.claim.value;
  return typeof clash.claim.fieldValue === "number" ? picked.nodePorts.has(clash.claim.fieldValue) : picked.ips.has(value);
}

function clashRefused(info: ResourceInfo, name: string, clash: IndexClash): Status {
  return invalid(info, name, [fieldErrors.invalidValue(clash.claim.field, clash.claim.fieldValue ?? clash.claim.value, clash.message)]);
}

function setManagedFields(object: KubeObject, entries: KubeObject["metadata"]["managedFields"]): void {
  if (entries === undefined) delete object.metadata.managedFields;
  else object.metadata.managedFields = entries;
}

function withVersion(object: KubeObject, revision: number): KubeObject {
  object.metadata.resourceVersion = String(revision);
  return object;
}

export function checkPreconditions(info: ResourceInfo, name: string, current: KubeObject, options: DeleteOptions): void {
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== current.metadata.uid) {
    throw new StatusError(
      conflict(info, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ""}`),
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw new StatusError(
      conflict(
        info,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ""}`,
      ),
    );
  }
}

/**
 * Seconds the object may take to go away. Only a pod bound to a node has anyone to
 * wait for (its agent stops the containers); everything else goes at once.
 */
function gracePeriod(info: ResourceInfo, current: KubeObject, options: DeleteOptions): number {
  if (info.kind !== "Pod") return 0;
  const pod = current as Pod;
  if (!pod.spec.nodeName) return 0;
  if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return 0;
  return Math.max(0, options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
}
