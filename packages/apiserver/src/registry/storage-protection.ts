// Kubernetes' StorageObjectInUseProtection admission
// (plugin/pkg/admission/storage/storageobjectinuseprotection): every new claim and
// volume carries a finalizer, so a delete only marks it Terminating. The
// pvc-protection controller lets a claim go once no pod uses it, the pv-protection
// controller a volume once it is no longer Bound; a claim in use never loses its data
// under a running pod.
import { pvcProtectionFinalizer, pvProtectionFinalizer, type KubeObject } from "@bosun/api";

/** Appends `finalizer` unless the object has it already; a finalizers field that is no list is left for validation to report. */
function addFinalizer(object: KubeObject, finalizer: string): void {
  const finalizers: unknown = object.metadata.finalizers;
  if (finalizers === undefined || finalizers === null) object.metadata.finalizers = [finalizer];
  else if (Array.isArray(finalizers) && !finalizers.includes(finalizer)) object.metadata.finalizers = [...(finalizers as string[]), finalizer];
}

export function protectClaim(object: KubeObject): void {
  addFinalizer(object, pvcProtectionFinalizer);
}

export function protectVolume(object: KubeObject): void {
  addFinalizer(object, pvProtectionFinalizer);
}
