// pods/{name}/ephemeralcontainers, as Kubernetes' ephemeralContainersStrategy: a
// write there changes spec.ephemeralContainers and nothing else of the pod (the
// rest of the body is ignored), and may only add containers; the main resource
// may not change them at all (its update rules forbid it). kubectl debug sends a
// strategic merge patch of the Pod here (1.27 and 1.33 alike).
import {
  applyDefaults,
  canonicalJson,
  conflict,
  invalid,
  validateEphemeralContainersUpdate,
  validateObject,
  type KubeObject,
  type Pod,
  type ResourceInfo,
} from "@bosun/api";
import { managedFieldsAfterWrite } from "../apply/managed-fields.js";
import { StatusError } from "../errors.js";
import { carryUpdateMeta, clone } from "./meta.js";
import { conflictMessage, type Registry, type WriteOptions } from "./registry.js";

export const ephemeralContainersSubresource = "ephemeralcontainers";

/**
 * The stored pod with the ephemeral containers of `requested` (a PUT body, or the
 * stored pod patched), defaulted and validated; undefined when nothing changes.
 */
export function withEphemeralContainers(info: ResourceInfo, current: Pod, requested: Pod, manager: string | undefined): Pod | undefined {
  const name = current.metadata.name ?? "";
  const expected = requested.metadata?.resourceVersion;
  if (expected && expected !== current.metadata.resourceVersion) throw new StatusError(conflict(info, name, conflictMessage));
  const next = clone(current);
  const wanted = requested.spec?.ephemeralContainers;
  if (wanted === undefined || wanted.length === 0) delete next.spec.ephemeralContainers;
  else next.spec.ephemeralContainers = clone(wanted);
  applyDefaults(info, next);
  carryUpdateMeta(info, current, next);
  const entries = managedFieldsAfterWrite(info, current, next, manager === undefined ? undefined : { manager, subresource: ephemeralContainersSubresource });
  if (entries === undefined) delete next.metadata.managedFields;
  else next.metadata.managedFields = entries;
  // The pod's own update rules see the ephemeral containers as unchanged; this subresource's rules judge them.
  const asBefore: Pod = { ...current, spec: { ...current.spec, ...(next.spec.ephemeralContainers ? { ephemeralContainers: next.spec.ephemeralContainers } : {}) } };
  if (!next.spec.ephemeralContainers) delete asBefore.spec.ephemeralContainers;
  const causes = [...validateObject(info, next, asBefore), ...validateEphemeralContainersUpdate(next.spec, current.spec)];
  if (causes.length > 0) throw new StatusError(invalid(info, name, causes));
  return canonicalJson(next) === canonicalJson(current) ? undefined : next;
}

/** Writes the pod's ephemeral containers as `toPod` makes them of the stored pod; answers the pod. */
export async function updateEphemeralContainers(
  registry: Registry,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  toPod: (current: Pod) => KubeObject,
  opts: WriteOptions,
): Promise<KubeObject> {
  const result = await registry.guaranteedUpdate(info, namespace, name, opts, (stored) => {
    const current = stored as Pod;
    const next = withEphemeralContainers(info, current, toPod(clone(current)) as Pod, opts.fieldManager?.manager);
    return next === undefined ? { kind: "unchanged" } : { kind: "put", object: next };
  });
  return result.object;
}
