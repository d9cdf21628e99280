// `rollout undo` of a Deployment, as kubectl's DeploymentRollbacker: find the
// ReplicaSet of the wanted revision (default: the one before the latest) and
// patch its template, without the pod-template-hash label, back into the
// Deployment, together with that ReplicaSet's annotations.
import { deploymentOwnAnnotations, revisionOf, templateWithoutHash, type Deployment, type ReplicaSet } from "@bosun/api";
import { CliError } from "../context.js";

/** The ReplicaSet to roll back to: revision `toRevision`, or with 0 the second newest. */
export function rollbackTarget(deployment: Deployment, replicaSets: readonly ReplicaSet[], toRevision: number): ReplicaSet {
  if (toRevision < 0) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (toRevision > 0) {
    const rs = replicaSets.find((r) => revisionOf(r) === toRevision);
    if (!rs) throw new CliError(`unable to find specified revision ${toRevision} in history`);
    return rs;
  }
  const byRevision = replicaSets
    .filter((r) => revisionOf(r) !== undefined)
    .sort((a, b) => revisionOf(b)! - revisionOf(a)!);
  const previous = byRevision[1];
  if (!previous) throw new CliError(`no rollout history found for deployment "${deployment.metadata.name ?? ""}"`);
  return previous;
}

export interface JsonPatchOperation {
  op: "replace" | "add";
  path: string;
  value: unknown;
}

/** The JSON patch that restores `rs`'s template into the Deployment. */
export function rollbackPatch(deployment: Deployment, rs: ReplicaSet): JsonPatchOperation[] {
  if (!rs.spec.template) throw new CliError(`replica set "${rs.metadata.name ?? ""}" has no pod template to roll back to`);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(deployment.metadata.annotations ?? {})) {
    if (deploymentOwnAnnotations.has(k)) annotations[k] = v;
  }
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) {
    if (!deploymentOwnAnnotations.has(k)) annotations[k] = v;
  }
  return [
    { op: "replace", path: "/spec/template", value: templateWithoutHash(rs.spec.template) },
    // "add" sets the member whether or not the Deployment has annotations yet.
    { op: "add", path: "/metadata/annotations", value: annotations },
  ];
}
