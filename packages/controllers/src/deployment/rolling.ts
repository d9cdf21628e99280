// RollingUpdate (rolling.go): each sync takes one step, growing the new ReplicaSet
// within maxSurge or, when it cannot grow, shrinking old ones within maxUnavailable,
// and history is pruned once the rollout is complete.
import { deploymentComplete } from "./conditions.js";
import { activeReplicaSets } from "./replica-sets.js";
import { newReplicaSetTarget, planOldReplicaSets } from "./rolling-math.js";
import type { DeploymentSync } from "./sync.js";

export async function rolloutRolling(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.replicaSets(true);
  if (!newRS) throw new Error(`deployment ${s.deployment.metadata.namespace}/${s.deployment.metadata.name} has no new replica set after creating it`);
  const allRSs = [...oldRSs, newRS];

  const target = newReplicaSetTarget(s.deployment, allRSs, newRS);
  if (target !== undefined && (await s.scaleIfNeeded(newRS, target))) {
    await s.syncRolloutStatus(allRSs, newRS);
    return;
  }

  const plan = planOldReplicaSets(s.deployment, allRSs, activeReplicaSets(oldRSs), newRS);
  let scaledDown = false;
  for (const step of [...plan.cleanup, ...plan.scaleDown]) {
    if (await s.scaleIfNeeded(step.rs, step.replicas)) scaledDown = true;
  }
  if (scaledDown) {
    await s.syncRolloutStatus(allRSs, newRS);
    return;
  }

  if (deploymentComplete(s.deployment, s.deployment.status ?? {})) await s.cleanup(oldRSs);
  await s.syncRolloutStatus(allRSs, newRS);
}
