// The rules of a PriorityClass (Kubernetes' pkg/apis/scheduling/validation) and of
// the priority fields of a pod spec (ValidatePodSpec's priorityClassName and
// preemptionPolicy). That only one class is the global default is the Priority
// admission's rule, in the apiserver, since it needs the other classes.
import { child, forbidden, invalidValue, notSupported } from "./field-errors.js";
import { isDNS1123Subdomain } from "./naming.js";
import type { StatusCause } from "./types/meta.js";
import {
  highestUserDefinablePriority,
  preemptionPolicies,
  systemPriorityClassMismatch,
  systemPriorityClassPrefix,
  type PriorityClass,
} from "./types/scheduling.js";

export function validatePreemptionPolicy(policy: string | undefined, path: string): StatusCause[] {
  if (policy === undefined || (preemptionPolicies as readonly string[]).includes(policy)) return [];
  return [notSupported(path, policy, preemptionPolicies)];
}

export function validatePriorityClass(pc: PriorityClass, old?: PriorityClass): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = pc.metadata.name ?? "";
  if (name.startsWith(systemPriorityClassPrefix)) {
    const mismatch = systemPriorityClassMismatch(name, pc.value, pc.globalDefault ?? false);
    if (mismatch !== undefined) {
      causes.push(forbidden("metadata.name", `priority class names with '${systemPriorityClassPrefix}' prefix are reserved for system use only. error: ${mismatch}`));
    }
  } else if (pc.value > highestUserDefinablePriority) {
    causes.push(forbidden("value", `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
  }
  causes.push(...validatePreemptionPolicy(pc.preemptionPolicy, "preemptionPolicy"));
  if (old !== undefined) {
    if (pc.value !== old.value) causes.push(forbidden("value", "may not be changed in an update."));
    if (pc.preemptionPolicy !== old.preemptionPolicy) {
      causes.push(invalidValue("preemptionPolicy", pc.preemptionPolicy ?? null, "field is immutable"));
    }
  }
  return causes;
}

/** A pod spec's (or template's) priorityClassName and preemptionPolicy; priority itself is admission's to set. */
export function validatePodPriorityFields(spec: { priorityClassName?: string; preemptionPolicy?: string }, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = spec.priorityClassName;
  if (name !== undefined && name !== "") {
    for (const msg of isDNS1123Subdomain(name)) causes.push(invalidValue(child(path, "priorityClassName"), name, msg));
  }
  causes.push(...validatePreemptionPolicy(spec.preemptionPolicy, child(path, "preemptionPolicy")));
  return causes;
}
