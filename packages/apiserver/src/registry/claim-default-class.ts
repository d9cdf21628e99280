// Kubernetes' DefaultStorageClass admission
// (plugin/pkg/admission/storage/storageclass/setdefault): a new claim that names
// no class gets the default StorageClass's name, read, as the plugin reads its
// lister, from what the watch cache holds. A claim that says
// `storageClassName: ""` asks for no class and keeps that.
import { claimNamesClass, defaultStorageClass, isPlainObject, type KubeObject, type PersistentVolumeClaim, type StorageClass } from "@bosun/api";

/** `claim` with the default class's name set, or `claim` itself when it names one or there is no default. */
export async function withDefaultClass(claim: KubeObject, listClasses: () => Promise<StorageClass[]>): Promise<KubeObject> {
  const pvc = claim as PersistentVolumeClaim;
  // A spec that is not an object is left for validation to report.
  if ((pvc.spec !== undefined && !isPlainObject(pvc.spec)) || claimNamesClass(pvc)) return claim;
  const found = defaultStorageClass(await listClasses());
  if (found?.metadata.name === undefined) return claim;
  return { ...pvc, spec: { ...pvc.spec, storageClassName: found.metadata.name } } as KubeObject;
}
