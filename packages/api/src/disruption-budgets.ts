// What the disruption controller, the eviction subresource and preemption share
// about PodDisruptionBudgets, after k8s.io/component-helpers/apps/poddisruptionbudget
// and the eviction REST's getPodDisruptionBudgets: which pods a budget counts, which
// it guards, and the DisruptionAllowed condition that follows status.disruptionsAllowed.
import { rfc3339 } from "./formats.js";
import { labelSelectorOrUndefined, matchesLabels, type LabelSelector } from "./labels.js";
import type { Pod } from "./types/core.js";
import {
  disruptionAllowedCondition,
  insufficientPodsReason,
  sufficientPodsReason,
  type MetaCondition,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from "./types/policy.js";

/** The budget's selector, for a pod of its namespace; undefined for another namespace's pod, or when it has none or one that does not parse. */
function budgetSelector(pdb: PodDisruptionBudget, pod: Pod): LabelSelector | undefined {
  if ((pdb.metadata.namespace ?? "") !== (pod.metadata.namespace ?? "")) return undefined;
  return labelSelectorOrUndefined(pdb.spec?.selector);
}

/**
 * Whether the disruption controller counts the pod in the budget's status: same
 * namespace and a selector that matches its labels. As in policy/v1, an empty
 * selector matches every pod of the namespace; a missing or invalid one none.
 */
export function budgetSelectsPod(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const selector = budgetSelector(pdb, pod);
  return selector !== undefined && matchesLabels(selector, pod.metadata.labels);
}

/**
 * Whether the budget guards the pod when it is disrupted (evicted or preempted): as
 * budgetSelectsPod, but an empty selector guards nothing, as Kubernetes' eviction
 * and preemption read it ("it should match nothing, not everything").
 */
export function budgetGuardsPod(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const selector = budgetSelector(pdb, pod);
  return selector !== undefined && selector.requirements.length > 0 && matchesLabels(selector, pod.metadata.labels);
}

/** The budgets of `pdbs` that guard the pod. */
export function budgetsGuardingPod(pdbs: readonly PodDisruptionBudget[], pod: Pod): PodDisruptionBudget[] {
  return pdbs.filter((pdb) => budgetGuardsPod(pdb, pod));
}

/** The DisruptionAllowed condition the status calls for: True with SufficientPods while a disruption is allowed. */
function wantedCondition(status: PodDisruptionBudgetStatus): Pick<MetaCondition, "status" | "reason"> {
  return (status.disruptionsAllowed ?? 0) > 0
    ? { status: "True", reason: sufficientPodsReason }
    : { status: "False", reason: insufficientPodsReason };
}

/**
 * Sets DisruptionAllowed from status.disruptionsAllowed (pdbhelper's
 * UpdateDisruptionAllowedCondition), as meta.SetStatusCondition does: the
 * transition time moves only when the condition's status changes.
 */
export function updateDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: number = Date.now()): void {
  setMetaCondition(status, { type: disruptionAllowedCondition, ...wantedCondition(status), message: "", observedGeneration: status.observedGeneration ?? 0 }, now);
}

/** Whether the stored condition already says what the status calls for (pdbhelper's ConditionsAreUpToDate). */
export function disruptionAllowedConditionUpToDate(pdb: PodDisruptionBudget): boolean {
  const status = pdb.status ?? {};
  const cond = status.conditions?.find((c) => c.type === disruptionAllowedCondition);
  if (cond === undefined || (status.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  const wanted = wantedCondition(status);
  return cond.status === wanted.status && cond.reason === wanted.reason;
}

/** meta.SetStatusCondition on a status's conditions. */
export function setMetaCondition(status: { conditions?: MetaCondition[] }, cond: Omit<MetaCondition, "lastTransitionTime">, now: number): void {
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === cond.type);
  const old = i === -1 ? undefined : conditions[i]!;
  const lastTransitionTime = old !== undefined && old.status === cond.status ? old.lastTransitionTime : rfc3339(now);
  const next: MetaCondition = { ...cond, lastTransitionTime };
  if (i === -1) conditions.push(next);
  else conditions[i] = next;
}
