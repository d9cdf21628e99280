// Kubernetes' PersistentVolumeClaimResize admission
// (plugin/pkg/admission/storage/persistentvolume/resize): a claim's storage request
// may grow only when the StorageClass that made its volume allows expansion. It
// runs after validation, which has already refused a smaller request and changes
// to an unbound claim's request.
import {
  compareQuantities,
  isValidQuantity,
  mustResource,
  persistentVolumeClaimClass,
  qualifiedResource,
  statusError,
  type PersistentVolumeClaim,
  type ResourceInfo,
  type StorageClass,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import type { Store } from "../storage/store.js";

function storageRequest(pvc: PersistentVolumeClaim): string | number | undefined {
  return pvc.spec?.resources?.requests?.storage;
}

/** Throws 403 Forbidden when `next` grows the claim's request and its class does not allow that. */
export async function admitClaimResize(store: Store, info: ResourceInfo, next: PersistentVolumeClaim, current: PersistentVolumeClaim): Promise<void> {
  const now = storageRequest(next);
  const before = storageRequest(current);
  if (now === undefined || before === undefined || !isValidQuantity(now) || !isValidQuantity(before)) return;
  if (compareQuantities(now, before) <= 0) return;
  const className = persistentVolumeClaimClass(next);
  if (className !== "" && className === persistentVolumeClaimClass(current)) {
    const stored = await store.get(mustResource("storageclasses"), undefined, className);
    if ((stored?.object as StorageClass | undefined)?.allowVolumeExpansion === true) return;
  }
  const name = next.metadata.name ?? "";
  const hint = className === "" ? "the claim has no StorageClass" : `set allowVolumeExpansion: true on StorageClass "${className}" if its provisioner can grow volumes`;
  throw new StatusError(
    statusError(
      403,
      "Forbidden",
      `${qualifiedResource(info)} "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize (${hint})`,
      { name, group: info.group, kind: info.resource },
    ),
  );
}
