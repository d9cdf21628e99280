// ControllerRevisions as Kubernetes' DaemonSet and StatefulSet controllers keep
// them (pkg/controller/history, daemon/update.go, statefulset/stateful_set_utils.go).
// A revision's data is the strategic merge patch that puts its template back
// (@bosun/api's revisionData), which is what kubectl's rollout history reads and
// rollout undo sends. Pure: history-control.ts talks to the API.
import {
  controllerRevisionHashLabel,
  revisionData,
  semanticEqual,
  type ControllerRevision,
  type KubeObject,
  type PodTemplateSpec,
} from "@bosun/api";
import { newControllerRef } from "../common/index.js";
import { templateHash } from "../common/hash.js";

/** Kubernetes keeps a revision name's prefix to 223 characters, leaving room for the hash in 253. */
const maxNamePrefix = 223;

/** Whether the revision holds this template (DaemonSet's Match). */
export function revisionMatches(revision: ControllerRevision, template: PodTemplateSpec): boolean {
  return semanticEqual(revision.data, revisionData(template));
}

/** ControllerRevisionName: "<owner>-<hash>". */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, maxNamePrefix)}-${hash}`;
}

/** HashControllerRevision: the hash of the data and the collision count, in the letters pod labels use. */
export function hashControllerRevision(revision: Pick<ControllerRevision, "data">, collisionCount: number | undefined): string {
  return templateHash(revision.data ?? null, collisionCount);
}

/**
 * An unnamed revision of `owner` holding `template`, labelled with the template's
 * labels (which the owner's selector matches, so kubectl finds it) and carrying
 * the owner's annotations (kubernetes.io/change-cause among them, which rollout
 * history prints).
 */
export function unnamedRevision(owner: KubeObject, template: PodTemplateSpec, revision: number): ControllerRevision {
  const cr: ControllerRevision = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      ownerReferences: [newControllerRef(owner)],
    },
    data: revisionData(template),
    revision,
  };
  if (owner.metadata.annotations) cr.metadata.annotations = { ...owner.metadata.annotations };
  return cr;
}

/**
 * NewControllerRevision (the StatefulSet's): named after the owner and the hash of
 * its data, which its controller.kubernetes.io/hash label holds.
 */
export function newControllerRevision(owner: KubeObject, template: PodTemplateSpec, revision: number, collisionCount: number | undefined): ControllerRevision {
  const cr = unnamedRevision(owner, template, revision);
  const hash = hashControllerRevision(cr, collisionCount);
  cr.metadata.name = controllerRevisionName(owner.metadata.name ?? "", hash);
  cr.metadata.labels = { ...cr.metadata.labels, [controllerRevisionHashLabel]: hash };
  return cr;
}

/** EqualRevision: same hash label and the same data. */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  const hashA = a.metadata.labels?.[controllerRevisionHashLabel];
  const hashB = b.metadata.labels?.[controllerRevisionHashLabel];
  if (hashA !== undefined && hashB !== undefined && hashA !== hashB) return false;
  return semanticEqual(a.data, b.data);
}

/** Oldest first: by revision number, then creation time, then name (SortControllerRevisions). */
export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata.creationTimestamp ?? "";
    const tb = b.metadata.creationTimestamp ?? "";
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = a.metadata.name ?? "";
    const nb = b.metadata.name ?? "";
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** One more than the highest revision number, 1 for none (nextRevision and maxRevision + 1). */
export function nextRevisionNumber(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/**
 * The revisions to delete so that at most `limit` are kept besides the live ones
 * (those a pod or the owner's status still names), oldest first: Kubernetes'
 * truncateHistory and cleanupHistory.
 */
export function revisionsToPrune(
  revisions: readonly ControllerRevision[],
  isLive: (r: ControllerRevision) => boolean,
  limit: number,
  opts: { countLive?: boolean } = {},
): ControllerRevision[] {
  const sorted = sortRevisions(revisions);
  const history = sorted.filter((r) => !isLive(r));
  // The StatefulSet's truncateHistory keeps `limit` revisions no pod runs; the
  // DaemonSet's cleanupHistory counts every old one against the limit (countLive).
  const excess = (opts.countLive ? sorted.length : history.length) - Math.max(0, limit);
  return history.slice(0, Math.max(0, excess));
}
