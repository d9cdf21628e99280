// pods/{name}/binding: how the scheduler assigns a pod to a node. Compare-and-swap
// like every write, so two schedulers racing for one pod cannot both win.
import {
  mustResource,
  badRequest,
  bindingSchema,
  conflict,
  invalid,
  isPodSchedulingGated,
  setPodCondition,
  validateObject,
  type Binding,
  type Pod,
  type ResourceInfo,
  rfc3339,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import { clone } from "./meta.js";
import type { Registry } from "./registry.js";

const pods = mustResource("pods");
const bindings: ResourceInfo = { ...pods, kind: "Binding", schema: bindingSchema, subresources: [] };

export async function bindPod(registry: Registry, namespace: string, name: string, body: unknown, dryRun: boolean): Promise<Pod> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StatusError(badRequest("the request body must be a JSON object holding a Binding"));
  }
  const meta = ((body as { metadata?: unknown }).metadata ??= {});
  if (typeof meta === "object" && meta !== null && !Array.isArray(meta)) {
    const m = meta as { name?: unknown; namespace?: unknown };
    if (m.namespace !== undefined && m.namespace !== "" && m.namespace !== namespace) {
      throw new StatusError(badRequest("the namespace of the provided object does not match the namespace sent on the request"));
    }
    if (m.name !== undefined && m.name !== "" && m.name !== name) {
      throw new StatusError(badRequest(`the name of the binding (${String(m.name)}) does not match the pod on the URL (${name})`));
    }
    m.namespace = namespace;
    m.name = name;
  }
  const causes = validateObject(bindings, body);
  if (causes.length > 0) throw new StatusError(invalid(bindings, name, causes));
  const binding = body as Binding;
  const node = binding.target.name;
  if (!node || (binding.target.kind !== undefined && binding.target.kind !== "" && binding.target.kind !== "Node")) {
    throw new StatusError(
      invalid(bindings, name, [{ reason: "FieldValueRequired", field: "target.name", message: "Required value: the name of a Node to bind the pod to" }]),
    );
  }
  const result = await registry.guaranteedUpdate(pods, namespace, name, { dryRun }, (current) => {
    const pod = clone(current) as Pod;
    if (binding.metadata.uid && binding.metadata.uid !== pod.metadata.uid) {
      throw new StatusError(conflict(pods, name, `the pod's UID is ${pod.metadata.uid ?? ""}, not ${binding.metadata.uid}`));
    }
    if (pod.metadata.deletionTimestamp) {
      throw new StatusError(conflict(pods, name, `pod ${name} is being deleted, cannot be assigned to a host`));
    }
    if (pod.spec.nodeName) {
      throw new StatusError(conflict(pods, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`));
    }
    // Kubernetes' words; its 500 is a 409 here: the pod may be bound once its gates are removed.
    if (isPodSchedulingGated(pod)) throw new StatusError(conflict(pods, name, `pod ${name} has non-empty .spec.schedulingGates`));
    pod.spec.nodeName = node;
    setPodCondition((pod.status ??= {}), { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: rfc3339() });
    return { kind: "put", object: pod };
  });
  return result.object as Pod;
}
