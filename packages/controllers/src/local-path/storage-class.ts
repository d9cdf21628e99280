// The built-in local-path StorageClass, as k3s ships Rancher's: the default class,
// waiting for the first consumer (a node-local directory exists only once the
// scheduler has chosen the node), its volumes deleted with their claims.
import { defaultStorageClassAnnotation, mustResource, type StorageClass } from "@bosun/api";
import { isAlreadyExists, type ApiClient } from "@bosun/client";

export const localPathClassName = "local-path";
/** The provisioner name the class names and the volumes carry in pv.kubernetes.io/provisioned-by. */
export const localPathProvisionerName = "bosun.io/local-path";

export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: localPathClassName, annotations: { [defaultStorageClassAnnotation]: "true" } },
    provisioner: localPathProvisionerName,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  };
}

/**
 * Creates the class when there is none of its name, as k3s deploys its manifest at
 * start. A class of that name the user made or changed is left as it is.
 */
export async function ensureLocalPathStorageClass(client: ApiClient): Promise<boolean> {
  try {
    await client.create(mustResource("storageclasses"), localPathStorageClass());
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw err;
  }
}
