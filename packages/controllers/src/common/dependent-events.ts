// What every workload controller does with the informer events of the objects it
// creates (Kubernetes' addPod/updatePod/deletePod of the ReplicaSet, DaemonSet and
// StatefulSet controllers, and the Deployment controller's ReplicaSet handlers):
// queue the owner a controllerRef names, count the owner's creates and deletes as
// seen, and offer an orphan to every owner whose selector matches it.
import { matchesLabels, objectKey, type KubeObject, type LabelSelector, type OwnerReference, type ResourceInfo } from "@bosun/api";
import { controllerRefOf } from "./controller-ref.js";
import type { Expectations } from "./expectations.js";

/** The part of an Informer that reports changes of the dependents. */
export interface DependentChanges<D> {
  onAdd(handler: (obj: D) => void): unknown;
  onUpdate(handler: (old: D, obj: D) => void): unknown;
  onDelete(handler: (obj: D) => void): unknown;
}

/** The part of an Informer that holds the owners. */
export interface OwnerCache<O> {
  get(key: string): O | undefined;
  list(): O[];
}

export interface DependentEventsOptions<O extends KubeObject> {
  /** The owners' resource: a controllerRef names one by this kind and API group. */
  ownerRes: ResourceInfo;
  owners: OwnerCache<O>;
  /** The owner's selector; undefined when it is invalid or empty and so adopts nothing. */
  selectorOf(owner: O): LabelSelector | undefined;
  enqueue(ownerKey: string): void;
  /** Where the owner's creates and deletes are counted as seen, for controllers that expect them. */
  expectations?: Expectations;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The cached owner a controllerRef names, if it is that very object (resolveControllerRef). */
export function resolveControllerRef<O extends KubeObject>(
  owners: OwnerCache<O>,
  ownerRes: ResourceInfo,
  namespace: string | undefined,
  ref: OwnerReference,
): O | undefined {
  if (ref.kind !== ownerRes.kind || groupOf(ref.apiVersion) !== ownerRes.group) return undefined;
  const owner = owners.get(`${namespace ?? ""}/${ref.name}`);
  return owner?.metadata.uid === ref.uid ? owner : undefined;
}

/**
 * Registers the handlers on the dependents' informer. A deletion is counted once:
 * when the object first shows a deletionTimestamp (a graceful delete began; for
 * counting it is gone), or when it goes without ever having shown one.
 */
export function watchDependents<D extends KubeObject, O extends KubeObject>(dependents: DependentChanges<D>, opts: DependentEventsOptions<O>): void {
  const resolve = (obj: KubeObject, ref: OwnerReference) => resolveControllerRef(opts.owners, opts.ownerRes, obj.metadata.namespace, ref);
  const enqueueOwner = (owner: O | undefined) => {
    if (owner) opts.enqueue(objectKey(owner));
  };
  // Owners that could adopt this orphan; an object without labels matches none.
  const enqueueSelecting = (obj: D) => {
    if (Object.keys(obj.metadata.labels ?? {}).length === 0) return;
    for (const owner of opts.owners.list()) {
      if (owner.metadata.namespace !== obj.metadata.namespace) continue;
      const selector = opts.selectorOf(owner);
      if (selector && matchesLabels(selector, obj.metadata.labels)) opts.enqueue(objectKey(owner));
    }
  };
  const deletionSeen = (obj: D) => {
    const ref = controllerRefOf(obj);
    const owner = ref && resolve(obj, ref);
    if (!owner) return;
    opts.expectations?.deletionObserved(objectKey(owner));
    opts.enqueue(objectKey(owner));
  };

  dependents.onAdd((obj) => {
    // Seen for the first time already terminating (after a restart or a relist).
    if (obj.metadata.deletionTimestamp) return deletionSeen(obj);
    const ref = controllerRefOf(obj);
    if (!ref) return enqueueSelecting(obj);
    const owner = resolve(obj, ref);
    if (!owner) return;
    opts.expectations?.creationObserved(objectKey(owner));
    opts.enqueue(objectKey(owner));
  });
  dependents.onUpdate((old, obj) => {
    if (old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    const oldRef = controllerRefOf(old);
    const ref = controllerRefOf(obj);
    // Released or handed over: the previous owner recounts.
    if (oldRef && oldRef.uid !== ref?.uid) enqueueOwner(resolve(old, oldRef));
    if (obj.metadata.deletionTimestamp) {
      if (!old.metadata.deletionTimestamp) deletionSeen(obj);
      else if (ref) enqueueOwner(resolve(obj, ref));
      return;
    }
    if (ref) return enqueueOwner(resolve(obj, ref));
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(obj.metadata.labels ?? {});
    if (labelsChanged || oldRef) enqueueSelecting(obj);
  });
  dependents.onDelete((obj) => {
    if (!obj.metadata.deletionTimestamp) return deletionSeen(obj);
    // Counted when its deletionTimestamp showed; the owner still looks again now that it is gone.
    const ref = controllerRefOf(obj);
    if (ref) enqueueOwner(resolve(obj, ref));
  });
}
