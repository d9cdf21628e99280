// The rules of core/v1 ReplicationController and apps/v1 ControllerRevision, after
// Kubernetes' ValidateReplicationControllerSpec (pkg/apis/core/validation) and
// ValidateControllerRevision (pkg/apis/apps/validation), with their messages and
// field paths. The RC's template is validated as a pod by validation.ts
// (podTemplatesOf); this file holds the rest.
import { semanticEqual } from "./equality.js";
import { forbidden, invalidValue, notSupported, required } from "./field-errors.js";
import { labelSelectorFromMatch, matchesLabels } from "./labels.js";
import type { ControllerRevision } from "./types/apps.js";
import type { StatusCause } from "./types/meta.js";
import type { ReplicationController } from "./types/replication-controllers.js";
import { isQualifiedName, isValidLabelValue } from "./naming.js";

function nonNegative(value: number | undefined, path: string): StatusCause[] {
  return value !== undefined && value < 0 ? [invalidValue(path, value, "must be greater than or equal to 0")] : [];
}

/** An RC's selector and replicas may change; its rules are the same on create and update. */
export function validateReplicationController(rc: ReplicationController): StatusCause[] {
  const spec = rc.spec;
  const causes = [...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"), ...nonNegative(spec.replicas, "spec.replicas")];
  const selector = spec.selector ?? {};
  // A map selector: its keys and values are checked as labels are.
  for (const [k, v] of Object.entries(selector)) {
    for (const msg of isQualifiedName(k)) causes.push(invalidValue("spec.selector", k, msg));
    for (const msg of isValidLabelValue(v)) causes.push(invalidValue("spec.selector", v, msg));
  }
  const empty = Object.keys(selector).length === 0;
  if (empty) causes.push(required("spec.selector"));
  const template = spec.template;
  if (template === undefined) {
    causes.push(required("spec.template"));
    return causes;
  }
  const labels = template.metadata?.labels ?? {};
  if (!empty && !matchesLabels(labelSelectorFromMatch(selector), labels)) {
    causes.push(invalidValue("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"));
  }
  const policy = template.spec.restartPolicy;
  if (policy !== undefined && policy !== "Always") causes.push(notSupported("spec.template.spec.restartPolicy", policy, ["Always"]));
  if (template.spec.activeDeadlineSeconds !== undefined) {
    causes.push(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicationController is not Supported"));
  }
  return causes;
}

/** A revision is a snapshot: its data is required and never changes; its number may. */
export function validateControllerRevision(cr: ControllerRevision, old?: ControllerRevision): StatusCause[] {
  const causes = nonNegative(cr.revision, "revision");
  if (cr.data === undefined || cr.data === null) causes.push(required("data", "data is mandatory"));
  if (old !== undefined && !semanticEqual(cr.data, old.data)) causes.push(invalidValue("data", cr.data ?? null, "field is immutable"));
  return causes;
}
