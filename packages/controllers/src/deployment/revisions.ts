// Revisions of a Deployment, recorded on its ReplicaSets as Kubernetes does
// (deployment_util.go): the revision annotation numbers rollouts, the replicas
// annotations tell scaling events from rollouts, and old ReplicaSets beyond
// revisionHistoryLimit are pruned oldest revision first.
import {
  deploymentOwnAnnotations,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  revisionAnnotation,
  revisionHistoryAnnotation,
  revisionOf,
  type ReplicaSet,
} from "@bosun/api";
import { unlimited, type DefaultedDeployment } from "./defaults.js";
import { byCreation, specReplicas } from "./replica-sets.js";

/** Limit of the revision-history annotation, as Kubernetes' maxRevHistoryLengthInChars. */
const maxRevisionHistoryChars = 2000;

/** MaxRevision: the highest parseable revision, 0 for none. */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((max, rs) => Math.max(max, revisionOf(rs) ?? 0), 0);
}

/** getNonNegativeInt32FromAnnotation: an int32 >= 0, or undefined. */
export function int32Annotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n <= unlimited ? n : undefined;
}

function annotationsOf(rs: ReplicaSet): Record<string, string> {
  rs.metadata.annotations ??= {};
  return rs.metadata.annotations;
}

/** SetReplicasAnnotations on `rs` (mutated); whether anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  if (a[desiredReplicasAnnotation] !== String(desired)) {
    a[desiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (a[maxReplicasAnnotation] !== String(max)) {
    a[maxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return a?.[desiredReplicasAnnotation] !== String(desired) || a?.[maxReplicasAnnotation] !== String(max);
}

/** copyDeploymentAnnotationsToReplicaSet (kubernetes.io/change-cause and the like). */
function copyDeploymentAnnotations(d: DefaultedDeployment, rs: ReplicaSet): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (deploymentOwnAnnotations.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations on `rs` (mutated): copies the Deployment's annotations
 * and raises the revision to `newRevision` when it is lower, keeping earlier numbers
 * of a reused (rolled back to) ReplicaSet in revision-history. A ReplicaSet about to
 * be created also gets the replicas annotations. Whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: DefaultedDeployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
  maxSurge: number,
): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotationsOf(rs);
  const had = a[revisionAnnotation] || undefined;
  const old = had === undefined ? 0 : /^-?\d+$/.test(had) ? Number(had) : undefined;
  // A revision that is not a number is left alone, as Kubernetes does.
  if (old === undefined) return changed;
  if (old < newRevision) {
    a[revisionAnnotation] = String(newRevision);
    changed = true;
    if (had !== undefined) a[revisionHistoryAnnotation] = appendRevisionHistory(a[revisionHistoryAnnotation] ?? "", had);
  }
  if (!exists && setReplicasAnnotations(rs, d.spec.replicas, d.spec.replicas + maxSurge)) changed = true;
  return changed;
}

/**
 * Appends a revision to the comma-separated revision-history, dropping the oldest
 * entries to stay within maxChars; unchanged when even that cannot make it fit.
 */
export function appendRevisionHistory(history: string, revision: string, maxChars = maxRevisionHistoryChars): string {
  if (history === "") return revision;
  const revisions = history.split(",");
  let total = history.length + revision.length + 1;
  let start = 0;
  while (total > maxChars && start < revisions.length) {
    total -= revisions[start]!.length + 1;
    start++;
  }
  return total <= maxChars ? [...revisions.slice(start), revision].join(",") : history;
}

/** ReplicaSetsByRevision: lowest revision first; creation time when revisions tie or do not parse. */
function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreation(a, b);
  return ra - rb;
}

/**
 * cleanupDeployment's choice: the oldest revisions beyond revisionHistoryLimit, among
 * those that run nothing, have been observed at their current generation and are not
 * already being deleted.
 */
export function replicaSetsToPrune(oldRSs: readonly ReplicaSet[], revisionHistoryLimit: number): ReplicaSet[] {
  if (revisionHistoryLimit === unlimited) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - revisionHistoryLimit;
  if (diff <= 0) return [];
  return [...alive]
    .sort(byRevision)
    .slice(0, diff)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        specReplicas(rs) === 0 &&
        (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}
