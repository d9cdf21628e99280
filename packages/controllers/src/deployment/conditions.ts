// A Deployment's status and its Progressing and Available conditions, computed as
// Kubernetes' calculateStatus (sync.go), syncRolloutStatus and
// requeueStuckDeployment (progress.go) do, with the same reasons and messages that
// `kubectl rollout status` and `kubectl describe` show.
import { rfc3339, type AppsCondition, type ConditionStatus, type DeploymentStatus, type ReplicaSet } from "@bosun/api";
import { hasProgressDeadline, type DefaultedDeployment } from "./defaults.js";
import { sumActualReplicas, sumAvailableReplicas, sumReadyReplicas, sumSpecReplicas } from "./replica-sets.js";
import { maxUnavailable } from "./rolling-math.js";

export const progressing = "Progressing";
export const available = "Available";
export const replicaFailure = "ReplicaFailure";

export const reasons = {
  replicaSetUpdated: "ReplicaSetUpdated",
  failedRSCreate: "ReplicaSetCreateError",
  newReplicaSetCreated: "NewReplicaSetCreated",
  foundNewReplicaSet: "FoundNewReplicaSet",
  newReplicaSetAvailable: "NewReplicaSetAvailable",
  timedOut: "ProgressDeadlineExceeded",
  paused: "DeploymentPaused",
  resumed: "DeploymentResumed",
  minimumReplicasAvailable: "MinimumReplicasAvailable",
  minimumReplicasUnavailable: "MinimumReplicasUnavailable",
} as const;

export function newCondition(type: string, status: ConditionStatus, reason: string, message: string, nowMs: number): AppsCondition {
  const now = rfc3339(nowMs);
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): AppsCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: replaces the condition of that type unless it already has
 * the same status and reason; keeps lastTransitionTime while the status stays.
 */
export function setCondition(status: DeploymentStatus, condition: AppsCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status && current.lastTransitionTime !== undefined) {
    next.lastTransitionTime = current.lastTransitionTime;
  }
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const kept = (status.conditions ?? []).filter((c) => c.type !== type);
  if (kept.length > 0) status.conditions = kept;
  else delete status.conditions;
}

/** calculateStatus: counts from the ReplicaSets plus the Available condition. */
export function calculateStatus(
  d: DefaultedDeployment,
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  nowMs: number,
): DeploymentStatus {
  const availableReplicas = sumAvailableReplicas(allRSs);
  const status: DeploymentStatus = {
    ...(d.metadata.generation !== undefined ? { observedGeneration: d.metadata.generation } : {}),
    replicas: sumActualReplicas(allRSs),
    updatedReplicas: sumActualReplicas([newRS]),
    readyReplicas: sumReadyReplicas(allRSs),
    availableReplicas,
    // Negative while scaling down with more available pods than desired.
    unavailableReplicas: Math.max(0, sumSpecReplicas(allRSs) - availableReplicas),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
  const conditions = (d.status?.conditions ?? []).map((c) => ({ ...c }));
  if (conditions.length > 0) status.conditions = conditions;
  if (availableReplicas >= d.spec.replicas - maxUnavailable(d)) {
    setCondition(status, newCondition(available, "True", reasons.minimumReplicasAvailable, "Deployment has minimum availability.", nowMs));
  } else {
    setCondition(
      status,
      newCondition(available, "False", reasons.minimumReplicasUnavailable, "Deployment does not have minimum availability.", nowMs),
    );
  }
  return status;
}

/** DeploymentComplete: every desired replica updated and available, no old pods left. */
export function deploymentComplete(d: DefaultedDeployment, status: DeploymentStatus): boolean {
  const want = d.spec.replicas;
  return (
    (status.updatedReplicas ?? 0) === want &&
    (status.replicas ?? 0) === want &&
    (status.availableReplicas ?? 0) === want &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: more new, ready or available pods, or fewer old ones, than last recorded. */
export function deploymentProgressing(d: DefaultedDeployment, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function timeMs(t: string | undefined): number {
  const ms = Date.parse(t ?? "");
  return Number.isNaN(ms) ? 0 : ms;
}

/** DeploymentTimedOut: no progress recorded for progressDeadlineSeconds. */
export function deploymentTimedOut(d: DefaultedDeployment, status: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, progressing);
  if (!cond) return false;
  // A finished rollout is not judged again until a new one records progress.
  if (cond.reason === reasons.newReplicaSetAvailable) return false;
  if (cond.reason === reasons.timedOut) return true;
  return timeMs(cond.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 < nowMs;
}

function subject(d: DefaultedDeployment, newRS: ReplicaSet | undefined): string {
  return newRS ? `ReplicaSet "${newRS.metadata.name ?? ""}"` : `Deployment "${d.metadata.name ?? ""}"`;
}

/** ReplicaSet ReplicaFailure conditions, the new ReplicaSet's first (getReplicaFailures). */
function replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): AppsCondition[] {
  const of = (rs: ReplicaSet | undefined): AppsCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === replicaFailure)
      .map((c) => ({
        type: c.type,
        status: c.status,
        ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime } : {}),
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
        ...(c.message !== undefined ? { message: c.message } : {}),
      }));
  const fromNew = of(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(of);
}

/** syncRolloutStatus without the write: the status a rollout in progress should have now. */
export function rolloutStatus(
  d: DefaultedDeployment,
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  nowMs: number,
): DeploymentStatus {
  const status = calculateStatus(d, allRSs, newRS, nowMs);
  if (!hasProgressDeadline(d)) removeCondition(status, progressing);

  const current = getCondition(d.status, progressing);
  const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === reasons.newReplicaSetAvailable;
  if (hasProgressDeadline(d) && !alreadyComplete) {
    if (deploymentComplete(d, status)) {
      const msg = `${subject(d, newRS)} has successfully progressed.`;
      setCondition(status, newCondition(progressing, "True", reasons.newReplicaSetAvailable, msg, nowMs));
    } else if (deploymentProgressing(d, status)) {
      // Progress moves lastUpdateTime even when the reason stays, which is what the deadline is measured from.
      const cond = newCondition(progressing, "True", reasons.replicaSetUpdated, `${subject(d, newRS)} is progressing.`, nowMs);
      if (current) {
        if (current.status === "True" && current.lastTransitionTime !== undefined) cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, progressing);
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, nowMs)) {
      const msg = `${subject(d, newRS)} has timed out progressing.`;
      setCondition(status, newCondition(progressing, "False", reasons.timedOut, msg, nowMs));
    }
  }

  const failures = replicaFailures(allRSs, newRS);
  if (failures.length > 0) setCondition(status, failures[0]!);
  else removeCondition(status, replicaFailure);
  return status;
}

/**
 * requeueStuckDeployment's delay: -1 when no progress check is due, 0 to check
 * again right away, otherwise the milliseconds until the deadline passes.
 */
export function stuckRequeueAfterMs(d: DefaultedDeployment, next: DeploymentStatus, nowMs: number): number {
  const current = getCondition(d.status, progressing);
  if (!hasProgressDeadline(d) || !current) return -1;
  if (deploymentComplete(d, next) || current.reason === reasons.timedOut) return -1;
  const after = timeMs(current.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 - nowMs;
  return after < 1000 ? 0 : after;
}

/**
 * checkPausedConditions without the write: the status with Progressing set to
 * DeploymentPaused or DeploymentResumed (Unknown, so the time spent paused never
 * counts against the deadline), or undefined when nothing changes.
 */
export function pausedStatus(d: DefaultedDeployment, nowMs: number): DeploymentStatus | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const cond = getCondition(d.status, progressing);
  if (cond?.reason === reasons.timedOut) return undefined;
  const pausedRecorded = cond?.reason === reasons.paused;
  const status: DeploymentStatus = structuredClone(d.status ?? {});
  if (d.spec.paused && !pausedRecorded) {
    setCondition(status, newCondition(progressing, "Unknown", reasons.paused, "Deployment is paused", nowMs));
    return status;
  }
  if (!d.spec.paused && pausedRecorded) {
    setCondition(status, newCondition(progressing, "Unknown", reasons.resumed, "Deployment is resumed", nowMs));
    return status;
  }
  return undefined;
}
