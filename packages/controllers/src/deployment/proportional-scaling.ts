// Scaling a Deployment whose replicas changed, as Kubernetes' scale() in sync.go
// does: with one active ReplicaSet it simply takes the new size; during a rollout
// every active ReplicaSet grows or shrinks in proportion to its share, so a resize
// neither hastens nor stalls the rollout.
import { desiredReplicasAnnotation, maxReplicasAnnotation, type ReplicaSet } from "@bosun/api";
import { isRollingUpdate, type DefaultedDeployment } from "./defaults.js";
import { activeReplicaSets, bySizeNewer, bySizeOlder, findActiveOrLatest, specReplicas, sumSpecReplicas } from "./replica-sets.js";
import { int32Annotation } from "./revisions.js";
import { maxSurge, type ScaleStep } from "./rolling-math.js";

/** IsSaturated: the ReplicaSet holds, and is annotated with, all replicas, every one available. */
export function isSaturated(d: DefaultedDeployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = rs.metadata.annotations?.[desiredReplicasAnnotation];
  if (desired === undefined || !/^-?\d+$/.test(desired)) return false;
  return (
    specReplicas(rs) === d.spec.replicas &&
    Number(desired) === d.spec.replicas &&
    (rs.status?.availableReplicas ?? 0) === d.spec.replicas
  );
}

/** integer.RoundToInt32: halves away from zero. */
function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? Math.trunc(x - 0.5) : Math.trunc(x + 0.5);
}

/**
 * getReplicaSetFraction: how many replicas this ReplicaSet gains (or loses) when the
 * Deployment's replicas + maxSurge becomes what it is now, measured against the
 * max-replicas annotation it was last sized for.
 */
export function replicaSetFraction(rs: ReplicaSet, d: DefaultedDeployment): number {
  if (d.spec.replicas === 0) return -specReplicas(rs);
  const deploymentMax = d.spec.replicas + maxSurge(d);
  let before = int32Annotation(rs, maxReplicasAnnotation);
  if (before === undefined || before === 0) {
    // Annotation removed or zeroed by someone else: fall back to the current size.
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  return roundHalfAwayFromZero((specReplicas(rs) * deploymentMax) / before) - specReplicas(rs);
}

/** GetProportion: the ReplicaSet's fraction, bounded by what is still left to add or remove. */
export function proportion(rs: ReplicaSet | undefined, d: DefaultedDeployment, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * scale(): the sizes the Deployment's ReplicaSets should take after a scaling event
 * or while paused. Steps whose size does not change appear only in the proportional
 * case, where the replicas annotations still need refreshing.
 */
export function planScale(d: DefaultedDeployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ScaleStep[] {
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (specReplicas(activeOrLatest) === d.spec.replicas) return [];
    return [{ rs: activeOrLatest, replicas: d.spec.replicas }];
  }
  // A saturated new ReplicaSet (e.g. after adopting old ones) leaves nothing to the old ones.
  if (isSaturated(d, newRS)) {
    return activeReplicaSets(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  }
  if (!isRollingUpdate(d)) return [];

  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowedSize = d.spec.replicas > 0 ? d.spec.replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - sumSpecReplicas(all);
  // Grow the largest (newest among equals) first; shrink the largest (oldest among equals) first.
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);

  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  // Whatever rounding left over goes to (or comes from) the largest ReplicaSet.
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, sizes[0]! + toAdd - added);
  return all.map((rs, i) => ({ rs, replicas: sizes[i]! }));
}
