// A Deployment's ReplicaSets as kubectl's deployment util finds them: those it
// controls, the new one (its template equals the Deployment's, ignoring the
// pod-template-hash label), and the old ones; plus the revision annotation.
import {
  formatLabelSelector,
  labelSelectorFromMatch,
  mustResource,
  type Deployment,
  type KubeObject,
  type PodTemplateSpec,
  type ReplicaSet,
} from "@bosun/api";
import type { ApiClient } from "@bosun/client";

export const revisionAnnotation = "deployment.kubernetes.io/revision";
export const changeCauseAnnotation = "kubernetes.io/change-cause";
export const podTemplateHashLabel = "pod-template-hash";

/** The object's `deployment.kubernetes.io/revision`, or undefined when it has none (or a bad one). */
export function revisionOf(obj: KubeObject): number | undefined {
  const text = obj.metadata.annotations?.[revisionAnnotation];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const uid = owner.metadata.uid;
  return uid !== undefined && (obj.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === uid);
}

/** JSON with sorted keys, so equal objects compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The template without the pod-template-hash label the Deployment controller adds to its ReplicaSets. */
export function withoutHashLabel(template: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(template);
  const labels = copy.metadata?.labels;
  if (labels && podTemplateHashLabel in labels) {
    delete labels[podTemplateHashLabel];
    if (Object.keys(labels).length === 0) delete copy.metadata!.labels;
  }
  return copy;
}

export function equalIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  if (!a || !b) return a === b;
  return canonical(withoutHashLabel(a)) === canonical(withoutHashLabel(b));
}

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
  const newRS = owned.find((rs) => equalIgnoringHash(rs.spec.template, deployment.spec.template));
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
