// The /scale subresource of Deployments, ReplicaSets, ReplicationControllers and StatefulSets: an
// autoscaling/v1 Scale view of the parent, as Kubernetes' scaleFromDeployment and
// friends build it. Writing a Scale writes the parent's spec.replicas, compare-and-
// swap like every update: a Scale carrying a stale resourceVersion is a conflict.
import {
  formatLabelSelector,
  invalid,
  labelSelectorFromMatch,
  scaleSchema,
  validateObject,
  type KubeObject,
  type LabelSelectorSpec,
  type ResourceInfo,
  type Scale,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import type { Registry } from "./registry.js";

/** What a scalable parent holds that its Scale shows. */
type Scalable = KubeObject & { spec: { replicas?: number; selector?: LabelSelectorSpec | Record<string, string> }; status?: { replicas?: number } };

/** The parent's selector as a label selector: a ReplicationController's is a plain map of labels. */
function selectorOf(parent: Scalable): LabelSelectorSpec {
  const sel = parent.spec.selector ?? {};
  if (parent.kind === "ReplicationController") return { matchLabels: sel as Record<string, string> };
  return sel as LabelSelectorSpec;
}

/** The Scale "resource" of a parent: what its bodies are validated as and errors name. */
export function scaleInfo(parent: ResourceInfo): ResourceInfo {
  return { ...parent, group: "autoscaling", version: "v1", kind: "Scale", listKind: "ScaleList", schema: scaleSchema, subresources: [] };
}

export function scaleOf(object: KubeObject): Scale {
  const parent = object as Scalable;
  const meta = parent.metadata;
  const sel = selectorOf(parent);
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: parent.spec.replicas ?? 0 },
    status: {
      replicas: parent.status?.replicas ?? 0,
      selector: formatLabelSelector(labelSelectorFromMatch(sel.matchLabels, sel.matchExpressions)),
    },
  };
}

/**
 * Replaces the parent's Scale with what toScale makes of the current one (a PUT
 * body, or the current Scale patched) and returns the parent's new Scale.
 * `fieldManager` is who writes, for the parent's managedFields.
 */
export async function updateScale(
  registry: Registry,
  parent: ResourceInfo,
  namespace: string | undefined,
  name: string,
  toScale: (current: Scale) => KubeObject,
  dryRun: boolean,
  fieldManager?: string,
): Promise<Scale> {
  const scales = scaleInfo(parent);
  const updated = await registry.update(
    parent,
    namespace,
    name,
    (current) => {
      const scale = toScale(scaleOf(current));
      const causes = validateObject(scales, scale);
      if (causes.length > 0) throw new StatusError(invalid(scales, name, causes));
      const next = current as Scalable;
      // As in Kubernetes, a Scale without spec.replicas asks for zero.
      next.spec.replicas = (scale as Scale).spec?.replicas ?? 0;
      const expected = scale.metadata.resourceVersion;
      if (expected) next.metadata.resourceVersion = expected;
      return next;
    },
    undefined,
    // Recorded against the parent's spec.replicas, through the scale subresource.
    { dryRun, ...(fieldManager === undefined ? {} : { fieldManager: { manager: fieldManager, subresource: "scale" } }) },
  );
  return scaleOf(updated);
}
