// The arithmetic of a rolling update, exactly as pkg/controller/deployment computes
// it (deployment_util.go, rolling.go): maxSurge rounds up, maxUnavailable rounds
// down, and old ReplicaSets shrink only as far as availability stays at
// replicas - maxUnavailable. Pure functions: they plan, the sync loop writes.
import { scaledValue, type IntOrString, type ReplicaSet } from "@bosun/api";
import { isRollingUpdate, type DefaultedDeployment } from "./defaults.js";
import { byCreation, specReplicas, sumAvailableReplicas, sumSpecReplicas } from "./replica-sets.js";

/** A ReplicaSet to be resized to `replicas`. */
export interface ScaleStep {
  rs: ReplicaSet;
  replicas: number;
}

/**
 * ResolveFenceposts: maxSurge rounded up and maxUnavailable rounded down for
 * `desired` replicas; when both come to 0, maxUnavailable is 1 so a rollout can move.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true, "spec.strategy.rollingUpdate.maxSurge");
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false, "spec.strategy.rollingUpdate.maxUnavailable");
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** MaxSurge: how many pods above spec.replicas a rollout may run (0 for Recreate). */
export function maxSurge(d: DefaultedDeployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy.rollingUpdate;
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, d.spec.replicas).surge;
}

/** MaxUnavailable: how many of spec.replicas may be unavailable, never more than spec.replicas. */
export function maxUnavailable(d: DefaultedDeployment): number {
  if (!isRollingUpdate(d) || d.spec.replicas === 0) return 0;
  const ru = d.spec.strategy.rollingUpdate;
  return Math.min(resolveFenceposts(ru.maxSurge, ru.maxUnavailable, d.spec.replicas).unavailable, d.spec.replicas);
}

/** MinAvailable: replicas - maxUnavailable for a rolling update, 0 for Recreate. */
export function minAvailable(d: DefaultedDeployment): number {
  if (!isRollingUpdate(d)) return 0;
  return d.spec.replicas - maxUnavailable(d);
}

/**
 * NewRSNewReplicas: the new ReplicaSet's size after one step. A rolling update grows
 * it as far as replicas + maxSurge allows, never past replicas; Recreate sets it to
 * replicas at once.
 */
export function newRSNewReplicas(d: DefaultedDeployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return d.spec.replicas;
  const surge = scaledValue(d.spec.strategy.rollingUpdate.maxSurge, d.spec.replicas, true, "spec.strategy.rollingUpdate.maxSurge");
  const current = sumSpecReplicas(allRSs);
  const maxTotal = d.spec.replicas + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, d.spec.replicas - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/** reconcileNewReplicaSet's decision: the new ReplicaSet's next size, or undefined to leave it. */
export function newReplicaSetTarget(d: DefaultedDeployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number | undefined {
  const current = specReplicas(newRS);
  if (current === d.spec.replicas) return undefined;
  if (current > d.spec.replicas) return d.spec.replicas;
  const next = newRSNewReplicas(d, allRSs, newRS);
  return next === current ? undefined : next;
}

/** What reconcileOldReplicaSets does: first drop unhealthy old pods, then scale old ReplicaSets down. */
export interface OldReplicaSetsPlan {
  cleanup: ScaleStep[];
  scaleDown: ScaleStep[];
}

/**
 * reconcileOldReplicaSets. Old ReplicaSets may lose at most
 * allPods - minAvailable - (new ReplicaSet's unavailable pods), so pods of a new
 * ReplicaSet that never become available do not let the old ones shrink.
 */
export function planOldReplicaSets(
  d: DefaultedDeployment,
  allRSs: readonly (ReplicaSet | undefined)[],
  activeOldRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
): OldReplicaSetsPlan {
  const none: OldReplicaSetsPlan = { cleanup: [], scaleDown: [] };
  if (sumSpecReplicas(activeOldRSs) === 0) return none;
  const allPods = sumSpecReplicas(allRSs);
  const minAvail = d.spec.replicas - maxUnavailable(d);
  const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvail - newRSUnavailable;
  if (maxScaledDown <= 0) return none;
  const cleaned = cleanupUnhealthyReplicas(activeOldRSs, maxScaledDown);
  // Kubernetes gives up scaling this round when a cleanup step makes no sense.
  if (!cleaned.ok) return { cleanup: cleaned.steps, scaleDown: [] };
  return { cleanup: cleaned.steps, scaleDown: scaleDownOldReplicaSetsForRollingUpdate(d, [...cleaned.oldRSs, newRS], cleaned.oldRSs) };
}

/**
 * cleanupUnhealthyReplicas: scale old ReplicaSets down by their unavailable pods,
 * oldest first, at most maxCleanupCount in all. The ReplicaSet controller deletes
 * unready pods first, so this never lowers availability.
 */
export function cleanupUnhealthyReplicas(
  oldRSs: readonly ReplicaSet[],
  maxCleanupCount: number,
): { steps: ScaleStep[]; oldRSs: ReplicaSet[]; ok: boolean } {
  const sorted = [...oldRSs].sort(byCreation);
  const steps: ScaleStep[] = [];
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const rs = sorted[i]!;
    if (total >= maxCleanupCount) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxCleanupCount - total, replicas - available);
    const next = replicas - count;
    if (next > replicas) return { steps, oldRSs: sorted, ok: false };
    steps.push({ rs, replicas: next });
    sorted[i] = { ...rs, spec: { ...rs.spec, replicas: next } };
    total += count;
  }
  return { steps, oldRSs: sorted, ok: true };
}

/**
 * scaleDownOldReplicaSetsForRollingUpdate: remove available - minAvailable pods
 * from the old ReplicaSets, oldest first.
 */
export function scaleDownOldReplicaSetsForRollingUpdate(
  d: DefaultedDeployment,
  allRSs: readonly (ReplicaSet | undefined)[],
  oldRSs: readonly ReplicaSet[],
): ScaleStep[] {
  const minAvail = d.spec.replicas - maxUnavailable(d);
  const available = sumAvailableReplicas(allRSs);
  if (available <= minAvail) return [];
  const totalScaleDown = available - minAvail;
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= totalScaleDown) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const count = Math.min(replicas, totalScaleDown - total);
    steps.push({ rs, replicas: replicas - count });
    total += count;
  }
  return steps;
}
