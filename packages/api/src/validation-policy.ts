// The semantic rules of policy/v1 PodDisruptionBudget, after Kubernetes'
// pkg/apis/policy/validation (ValidatePodDisruptionBudgetSpec and
// ValidatePodDisruptionBudgetStatusUpdate) and apimachinery's ValidateConditions,
// with their messages and field paths. The spec may change after creation, as in
// policy/v1; what the status holds is checked on every write.
import { child, duplicate, index, invalidValue, required, tooLong } from "./field-errors.js";
import { isQualifiedName, regexError } from "./naming.js";
import type { StatusCause } from "./types/meta.js";
import type { MetaCondition, PodDisruptionBudget, PodDisruptionBudgetStatus } from "./types/policy.js";
import { checkSelector, nonNegative, notMoreThan100Percent, positiveIntOrPercent } from "./validation-workloads.js";

const conditionReasonFmt = "[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?";
const conditionReasonRe = new RegExp(`^${conditionReasonFmt}$`);
const maxConditionReasonLength = 1024;
const maxConditionMessageLength = 32 * 1024;

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): StatusCause[] {
  const spec = pdb.spec ?? {};
  const causes: StatusCause[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    causes.push(invalidValue("spec", spec, "minAvailable and maxUnavailable cannot be both set"));
  }
  for (const field of ["minAvailable", "maxUnavailable"] as const) {
    causes.push(...positiveIntOrPercent(spec[field], child("spec", field)));
    causes.push(...notMoreThan100Percent(spec[field], child("spec", field)));
  }
  if (spec.selector !== undefined) causes.push(...checkSelector(spec.selector, "spec.selector").causes);
  // An unhealthyPodEvictionPolicy other than AlwaysAllow and IfHealthyBudget is refused by the schema.
  causes.push(...validatePodDisruptionBudgetStatus(pdb.status ?? {}, "status"));
  return causes;
}

function validatePodDisruptionBudgetStatus(status: PodDisruptionBudgetStatus, path: string): StatusCause[] {
  const causes = validateConditions(status.conditions ?? [], child(path, "conditions"));
  for (const field of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"] as const) {
    causes.push(...nonNegative(status[field], child(path, field)));
  }
  return causes;
}

/** metav1 ValidateConditions: what every metav1.Condition list must hold. */
export function validateConditions(conditions: readonly MetaCondition[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const p = index(path, i);
    for (const msg of isQualifiedName(c.type)) causes.push(invalidValue(child(p, "type"), c.type, msg));
    if (seen.has(c.type)) causes.push(duplicate(child(p, "type"), c.type));
    seen.add(c.type);
    if (c.observedGeneration !== undefined && c.observedGeneration < 0) {
      causes.push(invalidValue(child(p, "observedGeneration"), c.observedGeneration, "must be greater than or equal to zero"));
    }
    if (c.reason === "") causes.push(required(child(p, "reason"), "must be set"));
    else {
      if (!conditionReasonRe.test(c.reason)) {
        causes.push(
          invalidValue(
            child(p, "reason"),
            c.reason,
            regexError(
              "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'",
              conditionReasonFmt,
              "my_name",
              "MY_NAME",
              "MyName",
              "ReasonA,ReasonB",
              "ReasonA:ReasonB",
            ),
          ),
        );
      }
      if (c.reason.length > maxConditionReasonLength) causes.push(tooLong(child(p, "reason"), maxConditionReasonLength));
    }
    if (c.message.length > maxConditionMessageLength) causes.push(tooLong(child(p, "message"), maxConditionMessageLength));
  });
  return causes;
}
