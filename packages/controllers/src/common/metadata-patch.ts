// Changing an object's ownerReferences or finalizers without losing a concurrent
// writer's change. Kubernetes sends strategic merge patches keyed by uid for this;
// Bosun's strategic patch replaces lists whole, so instead the merge patch carries
// the resourceVersion it was computed from: the apiserver answers 409 when the
// object moved on, and the change is computed again from a fresh read.
import type { KubeObject, ResourceInfo } from "@bosun/api";
import { isConflict, isNotFound, type ApiClient } from "@bosun/client";

const maxAttempts = 5;

export type MetadataPatchApi = Pick<ApiClient, "get" | "patch">;

/**
 * Metadata fields to merge, computed from the object as it is now (null removes a
 * field), or undefined when it needs no change.
 */
export type MetadataChange<T extends KubeObject> = (current: T) => Record<string, unknown> | undefined;

/**
 * Applies `change` to the object's metadata, compare-and-swap. Answers the object
 * as written (or as it is, when no change was needed), or undefined when it is gone
 * or was replaced by another object of the same name.
 */
export async function patchMetadata<T extends KubeObject>(
  client: MetadataPatchApi,
  res: ResourceInfo,
  obj: T,
  change: MetadataChange<T>,
): Promise<T | undefined> {
  const name = obj.metadata.name ?? "";
  const namespace = obj.metadata.namespace;
  let current = obj;
  for (let attempt = 1; ; attempt++) {
    const fields = change(current);
    if (fields === undefined) return current;
    try {
      const patch = { metadata: { ...fields, resourceVersion: current.metadata.resourceVersion } };
      return await client.patch<T>(res, name, patch, { namespace, type: "merge" });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!isConflict(err) || attempt >= maxAttempts) throw err;
    }
    try {
      current = await client.get<T>(res, name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (current.metadata.uid !== obj.metadata.uid) return undefined;
  }
}
