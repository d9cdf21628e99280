// Ephemeral containers (`kubectl debug`), as Kubernetes' validateEphemeralContainers,
// ValidatePodCreate, ValidatePodTemplateSpec and ValidatePodEphemeralContainersUpdate
// check them (pkg/apis/core/validation): a Container's fields minus those that would
// make the pod depend on them (ports, probes, lifecycle, resources), a name unique
// across all the pod's containers, a target that is an app or init container; none
// on create nor in a template; through pods/{name}/ephemeralcontainers, only added,
// never changed or removed.
import { canonicalJson } from "./canonical-json.js";
import { child, duplicate, forbidden, index, notFound } from "./field-errors.js";
import { hasContent } from "./objects.js";
import type { EphemeralContainer, PodSpec } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";
import { validateContainer } from "./validation.js";
import { validateVolumeMounts } from "./validation-volumes.js";

const notForEphemeral = "cannot be set for an Ephemeral Container";

/** The Container fields Kubernetes' allowedEphemeralContainerFields leaves out. */
const disallowedFields = ["ports", "resources", "resizePolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "restartPolicy"] as const;


/** spec.ephemeralContainers of a pod. */
export function validateEphemeralContainers(spec: PodSpec, path: string, volumes: ReadonlySet<string>): StatusCause[] {
  const list = spec.ephemeralContainers ?? [];
  if (list.length === 0) return [];
  const causes: StatusCause[] = [];
  const others = new Set([...spec.containers, ...(spec.initContainers ?? [])].map((c) => c.name));
  const all = new Set(others);
  const listPath = child(path, "ephemeralContainers");
  list.forEach((ec, i) => {
    const p = index(listPath, i);
    const { targetContainerName, ...container } = ec;
    const common = { ...container };
    for (const field of disallowedFields) {
      if (common[field] === undefined) continue;
      // kubectl writes `resources: {}` (a Go struct, never nil), which asks for nothing.
      if (field !== "resources" || hasContent(common[field])) causes.push(forbidden(child(p, field), notForEphemeral));
      delete common[field];
    }
    causes.push(...validateContainer(common, p), ...validateVolumeMounts(common, volumes, child(p, "volumeMounts")));
    // A subPath is a bind mount the kubelet keeps until the pod ends, and implies the workload relies on the container.
    (ec.volumeMounts ?? []).forEach((m, j) => {
      const mp = index(child(p, "volumeMounts"), j);
      if (m.subPath) causes.push(forbidden(child(mp, "subPath"), notForEphemeral));
      if (m.subPathExpr) causes.push(forbidden(child(mp, "subPathExpr"), notForEphemeral));
    });
    if (ec.name !== "" && all.has(ec.name)) causes.push(duplicate(child(p, "name"), ec.name));
    all.add(ec.name);
    if (targetContainerName && !others.has(targetContainerName)) causes.push(notFound(child(p, "targetContainerName"), targetContainerName));
  });
  return causes;
}

/** A new pod may not bring ephemeral containers: they are added to a running pod. */
export function validateNoEphemeralContainersOnCreate(spec: PodSpec, path: string): StatusCause[] {
  return (spec.ephemeralContainers ?? []).length > 0 ? [forbidden(child(path, "ephemeralContainers"), "cannot be set on create")] : [];
}

/** Nor may a pod template (a workload's pods are not debugged through their template). */
export function validateNoEphemeralContainersInTemplate(spec: PodSpec, path: string): StatusCause[] {
  return (spec.ephemeralContainers ?? []).length > 0 ? [forbidden(child(path, "ephemeralContainers"), "ephemeral containers not allowed in pod template")] : [];
}

/** What a write of pods/{name}/ephemeralcontainers may do: add containers; an existing one stays as it is. */
export function validateEphemeralContainersUpdate(spec: PodSpec, old: PodSpec): StatusCause[] {
  const path = "spec.ephemeralContainers";
  const now = new Map<string, EphemeralContainer>((spec.ephemeralContainers ?? []).map((c) => [c.name, c]));
  const causes: StatusCause[] = [];
  for (const before of old.ephemeralContainers ?? []) {
    const after = now.get(before.name);
    if (after === undefined) causes.push(forbidden(path, `existing ephemeral containers "${before.name}" may not be removed`));
    else if (canonicalJson(after) !== canonicalJson(before)) causes.push(forbidden(path, `existing ephemeral containers "${before.name}" may not be changed`));
  }
  return causes;
}
