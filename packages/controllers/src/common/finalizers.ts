// What controllers that hold objects by a finalizer do with it (the garbage
// collector, the volume protection controllers), after Kubernetes'
// protectionutil (pkg/controller/volume/protectionutil): an object being deleted
// that still carries it is a candidate for removal; one not being deleted that lacks
// it (made before the apiserver added it) gets it. Writes are merge patches computed
// against the version read (patchMetadata), so other finalizers survive a race.
import type { KubeObject, ResourceInfo } from "@bosun/api";
import { patchMetadata, type MetadataPatchApi } from "./metadata-patch.js";

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/** Being deleted and held by `finalizer`: the controller decides whether it may go. */
export function isDeletionCandidate(obj: KubeObject, finalizer: string): boolean {
  return !!obj.metadata.deletionTimestamp && hasFinalizer(obj, finalizer);
}

/** Not being deleted and without `finalizer`. */
export function needsFinalizer(obj: KubeObject, finalizer: string): boolean {
  return !obj.metadata.deletionTimestamp && !hasFinalizer(obj, finalizer);
}

/**
 * Removes `finalizer`, keeping the others. `stillFree` is asked again of each fresh
 * version after a conflict: a volume Bound again meanwhile keeps its finalizer.
 * Resolves whether the finalizer was removed; a conflict that outlasts
 * patchMetadata's attempts throws, so the queue retries the key.
 */
export async function removeFinalizer<T extends KubeObject>(
  client: MetadataPatchApi,
  res: ResourceInfo,
  obj: T,
  finalizer: string,
  stillFree: (current: T) => boolean = () => true,
): Promise<boolean> {
  let asked = false;
  const written = await patchMetadata(client, res, obj, (current) => {
    asked = hasFinalizer(current, finalizer) && stillFree(current);
    if (!asked) return undefined;
    const rest = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    return { finalizers: rest.length > 0 ? rest : null };
  });
  return asked && written !== undefined;
}

/** Adds `finalizer` to an object not being deleted that lacks it. */
export async function addFinalizer<T extends KubeObject>(client: MetadataPatchApi, res: ResourceInfo, obj: T, finalizer: string): Promise<void> {
  await patchMetadata(client, res, obj, (current) =>
    needsFinalizer(current, finalizer) ? { finalizers: [...(current.metadata.finalizers ?? []), finalizer] } : undefined,
  );
}
