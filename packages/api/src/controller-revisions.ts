// What a ControllerRevision of a DaemonSet or StatefulSet holds, as Kubernetes
// stores it (daemon/update.go and statefulset getPatch): the strategic merge patch
// {"spec":{"template":{..., "$patch":"replace"}}} that puts the owner's pod
// template back. The controllers write it; `rollout history` reads the template
// out of it and `rollout undo` sends it as the patch, as kubectl does.
import { isPlainObject } from "./objects.js";
import type { ControllerRevision } from "./types/apps.js";
import type { PodTemplateSpec } from "./types/core.js";

/** The revision's data for a template (getPatch). */
export function revisionData(template: PodTemplateSpec): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template), $patch: "replace" } } };
}

/** The template a revision holds, or undefined when its data is not a template patch. */
export function templateOfRevision(revision: Pick<ControllerRevision, "data">): PodTemplateSpec | undefined {
  const data = revision.data;
  const spec = isPlainObject(data) ? data.spec : undefined;
  const template = isPlainObject(spec) ? spec.template : undefined;
  if (!isPlainObject(template)) return undefined;
  const { $patch: _directive, ...rest } = structuredClone(template);
  return isPlainObject(rest.spec) ? (rest as unknown as PodTemplateSpec) : undefined;
}
