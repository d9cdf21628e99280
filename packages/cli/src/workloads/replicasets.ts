// A Deployment's ReplicaSets as kubectl's deployment util finds them: those it
// controls, the new one (its template equals the Deployment's, ignoring the
// pod-template-hash label), and the old ones.
import {
  equalIgnoreHash,
  formatLabelSelector,
  isControlledBy,
  labelSelectorFromMatch,
  mustResource,
  type Deployment,
  type ReplicaSet,
} from "@bosun/api";
import type { ApiClient } from "@bosun/client";

function createdAt(rs: ReplicaSet): number {
  return Date.parse(rs.metadata.creationTimestamp ?? "") || 0;
}

export interface DeploymentReplicaSets {
  /** The ReplicaSet whose template is the Deployment's, if the controller made it yet. */
  newRS?: ReplicaSet;
  /** Every other ReplicaSet the Deployment controls, oldest first. */
  oldRSs: ReplicaSet[];
}

/** Splits the ReplicaSets a Deployment controls into the new one and the old ones. */
export function splitReplicaSets(deployment: Deployment, replicaSets: readonly ReplicaSet[]): DeploymentReplicaSets {
  const owned = replicaSets
    .filter((rs) => isControlledBy(rs, deployment))
    .sort((a, b) => createdAt(a) - createdAt(b) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  // As kubectl's FindNewReplicaSet: the oldest one with the template, should there be several.
  const newRS = owned.find((rs) => equalIgnoreHash(rs.spec.template, deployment.spec.template));
  return { ...(newRS ? { newRS } : {}), oldRSs: owned.filter((rs) => rs !== newRS) };
}

/** The ReplicaSets in the Deployment's namespace that match its selector and that it controls. */
export async function listDeploymentReplicaSets(client: ApiClient, deployment: Deployment): Promise<ReplicaSet[]> {
  const selector = formatLabelSelector(labelSelectorFromMatch(deployment.spec.selector.matchLabels, deployment.spec.selector.matchExpressions));
  const list = await client.list<ReplicaSet>(mustResource("replicasets"), {
    ...(deployment.metadata.namespace ? { namespace: deployment.metadata.namespace } : {}),
    ...(selector ? { labelSelector: selector } : {}),
  });
  return list.items.filter((rs) => isControlledBy(rs, deployment));
}
