// Recreate (recreate.go): scale every old ReplicaSet to zero, wait until none of
// their pods is still running, then create or scale up the new ReplicaSet.
import type { Pod, ReplicaSet } from "@bosun/api";
import { deploymentComplete } from "./conditions.js";
import { activeReplicaSets, sumActualReplicas } from "./replica-sets.js";
import type { DeploymentSync } from "./sync.js";

/** Pods of the Deployment's ReplicaSets, by ReplicaSet uid (getPodMapForDeployment). */
export type PodsByReplicaSet = ReadonlyMap<string, readonly Pod[]>;

/**
 * oldPodsRunning: an old ReplicaSet still reports pods, or a pod of any but the new
 * ReplicaSet has not finished (pods being deleted still count: they may be running).
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: PodsByReplicaSet): boolean {
  if (sumActualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded")) return true;
  }
  return false;
}

export async function rolloutRecreate(s: DeploymentSync, podMap: PodsByReplicaSet): Promise<void> {
  // The new ReplicaSet is not created yet, so nothing scales up before the old pods are gone.
  let { newRS, oldRSs } = await s.replicaSets(false);
  let allRSs = [...oldRSs, newRS];

  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if (await s.scaleIfNeeded(rs, 0)) scaledDown = true;
  }
  if (scaledDown || oldPodsRunning(newRS, oldRSs, podMap)) {
    await s.syncRolloutStatus(allRSs, newRS);
    return;
  }

  if (!newRS) {
    ({ newRS, oldRSs } = await s.replicaSets(true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) await s.scaleIfNeeded(newRS, s.deployment.spec.replicas);

  if (deploymentComplete(s.deployment, s.deployment.status ?? {})) await s.cleanup(oldRSs);
  await s.syncRolloutStatus(allRSs, newRS);
}
