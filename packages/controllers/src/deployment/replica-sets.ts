// Reading a Deployment's ReplicaSets the way pkg/controller/deployment/util does:
// which one is new (its template is the Deployment's), which are old, how many
// replicas they hold, and the orders in which the controller walks them.
import { equalIgnoreHash, podTemplateHashLabel, type LabelSelectorSpec, type PodTemplateSpec, type ReplicaSet } from "@bosun/api";
import type { DefaultedDeployment } from "./defaults.js";

/** spec.replicas, defaulted to 1 as the apiserver does for ReplicaSets. */
export function specReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

export function sumSpecReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? specReplicas(rs) : 0), 0);
}

/** Pods the ReplicaSets actually have (status.replicas). */
export function sumActualReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function sumReadyReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function sumAvailableReplicas(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** FilterActiveReplicaSets: those asked to run at least one pod. */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

function createdMs(rs: ReplicaSet): number {
  const t = Date.parse(rs.metadata.creationTimestamp ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = createdMs(a) - createdMs(b);
  if (d !== 0) return d;
  const an = a.metadata.name ?? "";
  const bn = b.metadata.name ?? "";
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: largest first; among equals the oldest first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(a, b);
}

/** ReplicaSetsBySizeNewer: largest first; among equals the newest first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(b, a);
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: DefaultedDeployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

/** FindOldReplicaSets' second result: every ReplicaSet but the new one. */
export function findOldReplicaSets(d: DefaultedDeployment, rsList: readonly ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rsList);
  return rsList.filter((rs) => newRS === undefined || rs.metadata.uid !== newRS.metadata.uid);
}

/**
 * FindActiveOrLatest: with at most one active ReplicaSet, the one to scale to the
 * Deployment's size (the active one, else the new one, else the newest old one);
 * undefined when several are active and must be scaled proportionally.
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The Deployment's selector plus pod-template-hash=<hash> (CloneSelectorAndAddLabel). */
export function selectorWithHash(selector: LabelSelectorSpec, hash: string): LabelSelectorSpec {
  const copy = structuredClone(selector);
  return { ...copy, matchLabels: { ...(copy.matchLabels ?? {}), [podTemplateHashLabel]: hash } };
}

/** The Deployment's pod template labelled with the hash (GetNewReplicaSetTemplate). */
export function templateWithHash(template: PodTemplateSpec, hash: string): PodTemplateSpec {
  const copy = structuredClone(template);
  return { ...copy, metadata: { ...(copy.metadata ?? {}), labels: { ...(copy.metadata?.labels ?? {}), [podTemplateHashLabel]: hash } } };
}
