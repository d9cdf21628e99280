// The arithmetic of a PodDisruptionBudget's status, after Kubernetes'
// pkg/controller/disruption (getExpectedPodCount, getExpectedScale,
// buildDisruptedPodMap, countHealthyPods, updatePdbStatus): how many pods are
// expected (the scale of the pods' controllers, or the pods themselves for an
// integer minAvailable), how many must be healthy, how many are, and so how many
// may be disrupted now. Pure: the controller supplies pods, scales and the time.
import {
  controllerRefOf,
  disruptedPodTimeoutMs,
  disruptionAllowedCondition,
  disruptionAllowedConditionUpToDate,
  isPodReady,
  scaledValue,
  semanticEqual,
  setMetaCondition,
  syncFailedReason,
  updateDisruptionAllowedCondition,
  type OwnerReference,
  type Pod,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from "@bosun/api";

/** A controller of pods and how many it wants (its spec.replicas). */
export interface ControllerScale {
  uid: string;
  replicas: number;
}

/** The controller a pod's controllerRef leads to and its scale, or undefined when no supported controller is found. */
export type ScaleFinder = (ref: OwnerReference, namespace: string) => ControllerScale | undefined;

export interface ExpectedCounts {
  expectedPods: number;
  desiredHealthy: number;
  /** Selected pods without a controller: they make percentages and maxUnavailable meaningless, so the controller warns. */
  unmanagedPods: string[];
}

/**
 * The pods the budget expects and how many of them must be healthy. Throws when a
 * pod's controller cannot be found, as Kubernetes' controller does, so the budget
 * fails safe (no disruptions) until it can.
 */
export function expectedCounts(pdb: PodDisruptionBudget, pods: readonly Pod[], findScale: ScaleFinder): ExpectedCounts {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) {
    const { expectedPods, unmanagedPods } = expectedScale(pods, findScale);
    const maxUnavailable = scaledValue(spec.maxUnavailable, expectedPods, true, "spec.maxUnavailable");
    return { expectedPods, desiredHealthy: Math.max(0, expectedPods - maxUnavailable), unmanagedPods };
  }
  if (typeof spec.minAvailable === "number") return { expectedPods: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
  if (typeof spec.minAvailable === "string") {
    const { expectedPods, unmanagedPods } = expectedScale(pods, findScale);
    return { expectedPods, desiredHealthy: scaledValue(spec.minAvailable, expectedPods, true, "spec.minAvailable"), unmanagedPods };
  }
  return { expectedPods: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/** The summed scale of the controllers of the pods, each controller counted once. */
function expectedScale(pods: readonly Pod[], findScale: ScaleFinder): { expectedPods: number; unmanagedPods: string[] } {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (ref === undefined) {
      unmanagedPods.push(pod.metadata.name ?? "");
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = findScale(ref, pod.metadata.namespace ?? "");
    if (found === undefined) throw new Error(`found no controllers for pod "${pod.metadata.name ?? ""}"`);
    scales.set(found.uid, found.replicas);
  }
  let expectedPods = 0;
  for (const replicas of scales.values()) expectedPods += replicas;
  return { expectedPods, unmanagedPods };
}

export interface DisruptedPods {
  /** The entries still in force: pods the eviction API let go that are not yet deleting, within the timeout. */
  disruptedPods: Record<string, string>;
  /** When the earliest kept entry expires: the budget is synced again then. */
  recheckAtMs?: number;
  /** Pods whose entry expired without the pod being deleted (a NotDeleted event each). */
  notDeleted: Pod[];
}

/** The disruptedPods map kept from the stored one, without pods that are gone, deleting, or overdue. */
export function keptDisruptedPods(pdb: PodDisruptionBudget, pods: readonly Pod[], nowMs: number): DisruptedPods {
  const stored = pdb.status?.disruptedPods ?? {};
  const disruptedPods: Record<string, string> = {};
  const notDeleted: Pod[] = [];
  let recheckAtMs: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata.name ?? "";
    const at = stored[name];
    if (pod.metadata.deletionTimestamp || at === undefined) continue;
    const expires = Date.parse(at) + disruptedPodTimeoutMs;
    if (expires < nowMs) {
      notDeleted.push(pod);
      continue;
    }
    disruptedPods[name] = at;
    if (recheckAtMs === undefined || expires < recheckAtMs) recheckAtMs = expires;
  }
  return { disruptedPods, notDeleted, ...(recheckAtMs === undefined ? {} : { recheckAtMs }) };
}

/** Ready pods that are neither deleting nor about to be (a disruptedPods entry still in force). */
export function countHealthyPods(pods: readonly Pod[], disruptedPods: Readonly<Record<string, string>>, nowMs: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disruptedPods[pod.metadata.name ?? ""];
    if (at !== undefined && Date.parse(at) + disruptedPodTimeoutMs > nowMs) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

export interface ObservedCounts {
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  disruptedPods: Record<string, string>;
}

/**
 * The status the budget should have, or undefined when the stored one already says
 * it. No disruption is allowed while no pod is expected, so that a budget whose
 * first pods appear before this controller sees them is safe.
 */
export function nextBudgetStatus(pdb: PodDisruptionBudget, counts: ObservedCounts, nowMs: number): PodDisruptionBudgetStatus | undefined {
  const { currentHealthy, desiredHealthy, expectedPods, disruptedPods } = counts;
  const disruptionsAllowed = expectedPods <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
  const stored = pdb.status ?? {};
  const generation = pdb.metadata.generation ?? 0;
  if (
    (stored.currentHealthy ?? 0) === currentHealthy &&
    (stored.desiredHealthy ?? 0) === desiredHealthy &&
    (stored.expectedPods ?? 0) === expectedPods &&
    (stored.disruptionsAllowed ?? 0) === disruptionsAllowed &&
    semanticEqual(stored.disruptedPods ?? {}, disruptedPods) &&
    (stored.observedGeneration ?? 0) === generation &&
    disruptionAllowedConditionUpToDate(pdb)
  ) {
    return undefined;
  }
  const next: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods,
    ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
    conditions: structuredClone(stored.conditions ?? []),
  };
  updateDisruptionAllowedCondition(next, nowMs);
  return next;
}

/** The fail-safe status when the status cannot be computed: nothing may be disrupted, and the condition says why. */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, nowMs: number): PodDisruptionBudgetStatus {
  const next: PodDisruptionBudgetStatus = { ...structuredClone(pdb.status ?? {}), disruptionsAllowed: 0 };
  const cond = { type: disruptionAllowedCondition, status: "False" as const, reason: syncFailedReason, message, observedGeneration: next.observedGeneration ?? 0 };
  setMetaCondition(next, cond, nowMs);
  return next;
}
