// pods/{name}/eviction: a delete that a disruption budget could refuse. Bosun has
// no PodDisruptionBudgets, so every valid eviction is allowed and deletes the pod
// with the Eviction's deleteOptions (grace period, preconditions, propagation).
import {
  badRequest,
  evictionSchema,
  fieldErrors,
  invalid,
  isPlainObject,
  mustResource,
  validateObject,
  type Eviction,
  type ResourceInfo,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import { deleteOptionsConflict } from "./gc.js";
import type { Registry } from "./registry.js";

const pods = mustResource("pods");
const evictions: ResourceInfo = { ...pods, group: "policy", version: "v1", kind: "Eviction", schema: evictionSchema, subresources: [] };

export async function evictPod(registry: Registry, namespace: string, name: string, body: unknown, dryRun: boolean): Promise<void> {
  if (!isPlainObject(body)) throw new StatusError(badRequest("the request body must be a JSON object holding a policy/v1 Eviction"));
  const meta = (body.metadata ??= {});
  if (isPlainObject(meta)) {
    if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== namespace) {
      throw new StatusError(badRequest("the namespace of the provided object does not match the namespace sent on the request"));
    }
    if (meta.name !== undefined && meta.name !== "" && meta.name !== name) {
      throw new StatusError(badRequest("name in URL does not match name in Eviction object"));
    }
    meta.namespace = namespace;
    meta.name = name;
  }
  const causes = validateObject(evictions, body);
  const options = (body as unknown as Eviction).deleteOptions ?? {};
  const conflict = causes.length === 0 ? deleteOptionsConflict(options) : undefined;
  if (conflict !== undefined) causes.push(fieldErrors.invalidValue("deleteOptions.propagationPolicy", options.propagationPolicy, conflict));
  const badDryRun = (options.dryRun ?? []).find((v) => v !== "All");
  if (badDryRun !== undefined) causes.push(fieldErrors.notSupported("deleteOptions.dryRun", badDryRun, ["All"]));
  if (causes.length > 0) throw new StatusError(invalid(evictions, name, causes));
  await registry.delete(pods, namespace, name, options, { dryRun: dryRun || (options.dryRun ?? []).length > 0 });
}
