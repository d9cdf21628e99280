// A pod's init containers, its containers' lifecycle hooks and restart policy, and
// its activeDeadlineSeconds, as Kubernetes' validateInitContainers,
// validateLifecycle and ValidatePodUpdate check them (pkg/apis/core/validation).
// An init container is a plain one (runs to completion; no probes, no hooks) or,
// with restartPolicy Always, a sidecar (probes and hooks as an app container's).
import { child, duplicate, forbidden, index, invalidValue, notSupported } from "./field-errors.js";
import { isSidecar } from "./pods.js";
import type { PodSpec } from "./types/core.js";
import { containerRestartPolicyAlways, type Lifecycle, type LifecycleHandler } from "./types/lifecycle.js";
import type { StatusCause } from "./types/meta.js";
import { validateContainer, validateHandler } from "./validation.js";
import { validateVolumeMounts } from "./validation-volumes.js";

const maxInt32 = 2147483647;
const notForPlainInit = "may not be set for init containers without restartPolicy=Always";

function validateSleep(handler: LifecycleHandler, gracePeriod: number | undefined, path: string): StatusCause[] {
  const seconds = handler.sleep?.seconds;
  // Without a grace period the pod's own error about it says enough.
  if (seconds === undefined || gracePeriod === undefined || gracePeriod < 0) return [];
  if (seconds >= 0 && seconds <= gracePeriod) return [];
  return [invalidValue(child(path, "sleep"), seconds, `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`)];
}

/** As validateLifecycle: each hook has exactly one well-formed action; a sleep fits in the grace period. */
export function validateLifecycle(lifecycle: Lifecycle | undefined, gracePeriod: number | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const hook of ["postStart", "preStop"] as const) {
    const handler = lifecycle?.[hook];
    if (handler === undefined) continue;
    const p = child(path, hook);
    causes.push(...validateHandler(handler, p), ...validateSleep(handler, gracePeriod, p));
  }
  return causes;
}

/**
 * The rules of validatePodSpec that concern init containers and lifecycle hooks: init
 * containers checked as containers (their volume mounts too), named uniquely across
 * init and app containers; restartPolicy only Always and only on init containers;
 * hooks and probes only where they can run; activeDeadlineSeconds in range.
 */
export function validateInitContainersAndHooks(spec: PodSpec, path: string, volumes: ReadonlySet<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  const grace = spec.terminationGracePeriodSeconds;
  spec.containers.forEach((c, i) => {
    const p = index(child(path, "containers"), i);
    causes.push(...validateLifecycle(c.lifecycle, grace, child(p, "lifecycle")));
    if (c.restartPolicy !== undefined) causes.push(forbidden(child(p, "restartPolicy"), "may not be set for non-init containers"));
  });

  const names = new Set(spec.containers.map((c) => c.name));
  (spec.initContainers ?? []).forEach((c, i) => {
    const p = index(child(path, "initContainers"), i);
    const sidecar = isSidecar(c);
    // A plain init container's probes and hooks are refused whole, not checked field by field.
    const { livenessProbe, readinessProbe, startupProbe, lifecycle, ...common } = c;
    causes.push(...validateContainer(sidecar ? c : common, p), ...validateVolumeMounts(c, volumes, child(p, "volumeMounts")));
    if (c.restartPolicy !== undefined && !sidecar) {
      causes.push(notSupported(child(p, "restartPolicy"), c.restartPolicy, [containerRestartPolicyAlways]));
    }
    if (c.name !== "" && names.has(c.name)) causes.push(duplicate(child(p, "name"), c.name));
    names.add(c.name);
    if (sidecar) {
      causes.push(...validateLifecycle(lifecycle, grace, child(p, "lifecycle")));
      return;
    }
    const present = { lifecycle, livenessProbe, readinessProbe, startupProbe };
    for (const [field, value] of Object.entries(present)) {
      if (value !== undefined) causes.push(forbidden(child(p, field), notForPlainInit));
    }
  });

  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && (deadline < 1 || deadline > maxInt32)) {
    causes.push(invalidValue(child(path, "activeDeadlineSeconds"), deadline, `must be between 1 and ${maxInt32}, inclusive`));
  }
  return causes;
}

/**
 * ValidatePodUpdate's rule for activeDeadlineSeconds: it may be set, or lowered,
 * never raised or removed.
 */
export function validateActiveDeadlineUpdate(spec: PodSpec, old: PodSpec): StatusCause[] {
  const path = "spec.activeDeadlineSeconds";
  const now = spec.activeDeadlineSeconds;
  const before = old.activeDeadlineSeconds;
  if (now === undefined) {
    return before === undefined ? [] : [invalidValue(path, null, "must not update from a positive integer to nil value")];
  }
  if (now < 0 || now > maxInt32) return [invalidValue(path, now, `must be between 0 and ${maxInt32}, inclusive`)];
  if (before !== undefined && before < now) return [invalidValue(path, now, "must be less than or equal to previous value")];
  return [];
}

/**
 * The spec with what a pod update may change taken from `old` (init containers'
 * images, activeDeadlineSeconds), so that any difference left is a forbidden one.
 */
export function withMutableInitFields(spec: PodSpec, old: PodSpec): PodSpec {
  const munged: PodSpec = { ...spec };
  if (old.activeDeadlineSeconds === undefined) delete munged.activeDeadlineSeconds;
  else munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  const oldInit = old.initContainers;
  if (spec.initContainers !== undefined && oldInit !== undefined && spec.initContainers.length === oldInit.length) {
    munged.initContainers = spec.initContainers.map((c, i) => ({ ...c, image: oldInit[i]!.image }));
  }
  return munged;
}
