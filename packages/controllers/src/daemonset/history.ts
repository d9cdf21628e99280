// A DaemonSet's history (pkg/controller/daemon/update.go constructHistory,
// snapshot, dedupCurHistories and cleanupHistory): one ControllerRevision per
// template it has had, named "<ds>-<template hash>" and labelled with that hash,
// which is also the controller-revision-hash of the pods made from it. The
// revision matching the current template is the current one, renumbered to be the
// newest when an old template comes back (a rollout undo).
import {
  mustResource,
  podRevisionLabel,
  type ControllerRevision,
  type DaemonSet,
  type LabelSelector,
  type Pod,
} from "@bosun/api";
import { isAlreadyExists, isConflict, type ApiClient } from "@bosun/client";
import { patchMetadata, templateHash } from "../common/index.js";
import type { ControllerHistory } from "../history/history-control.js";
import { controllerRevisionsRes } from "../history/history-control.js";
import { nextRevisionNumber, revisionMatches, revisionsToPrune, unnamedRevision } from "../history/revisions.js";

const daemonsets = mustResource("daemonsets");
const pods = mustResource("pods");

export interface DaemonSetRevisions {
  current: ControllerRevision;
  old: ControllerRevision[];
}

/** The hash the current revision stands for: its pods' controller-revision-hash. */
export function revisionHash(revision: ControllerRevision): string {
  return revision.metadata.labels?.[podRevisionLabel] ?? revision.metadata.name ?? "";
}

/** The revision the DaemonSet's template would be stored as (snapshot). */
export function daemonSetRevision(ds: DaemonSet, number: number): ControllerRevision {
  const hash = templateHash(ds.spec.template, ds.status?.collisionCount);
  const cr = unnamedRevision(ds, ds.spec.template, number);
  cr.metadata.name = `${ds.metadata.name ?? ""}-${hash}`;
  cr.metadata.labels = { ...cr.metadata.labels, [podRevisionLabel]: hash };
  return cr;
}

export class DaemonSetHistory {
  constructor(
    private readonly client: Pick<ApiClient, "create" | "get" | "update" | "patch">,
    private readonly history: ControllerHistory,
  ) {}

  /** The current revision, made or renumbered as needed, and the others. */
  async construct(ds: DaemonSet, selector: LabelSelector, dsPods: readonly Pod[]): Promise<DaemonSetRevisions> {
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let revision of await this.history.list(ds, selector)) {
      // Revisions from before the label was kept are labelled with their name, so no hash collision can mislead.
      if (revision.metadata.labels?.[podRevisionLabel] === undefined) {
        revision = await this.history.label(revision, podRevisionLabel, revision.metadata.name ?? "");
      }
      if (revisionMatches(revision, ds.spec.template)) current.push(revision);
      else old.push(revision);
    }
    const number = nextRevisionNumber(old);
    if (current.length === 0) return { current: await this.snapshot(ds, number), old };
    const kept = await this.dedup(current, dsPods);
    return { current: kept.revision < number ? await this.history.renumber(kept, number) : kept, old };
  }

  /**
   * Deletes the oldest revisions beyond spec.revisionHistoryLimit that no pod
   * still runs.
   */
  async cleanup(ds: DaemonSet, old: readonly ControllerRevision[], dsPods: readonly Pod[]): Promise<void> {
    const liveHashes = new Set(dsPods.map((p) => p.metadata.labels?.[podRevisionLabel]).filter((h): h is string => !!h));
    const limit = ds.spec.revisionHistoryLimit ?? 10;
    for (const revision of revisionsToPrune(old, (r) => liveHashes.has(revisionHash(r)), limit, { countLive: true })) await this.history.delete(revision);
  }

  /**
   * Stores the template as a new revision. A revision of that name with another
   * template is a hash collision: the DaemonSet's collisionCount goes up, which
   * changes the hash, and the sync is retried.
   */
  private async snapshot(ds: DaemonSet, number: number): Promise<ControllerRevision> {
    const revision = daemonSetRevision(ds, number);
    try {
      return await this.client.create<ControllerRevision>(controllerRevisionsRes, revision, ds.metadata.namespace);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await this.client.get<ControllerRevision>(controllerRevisionsRes, revision.metadata.name ?? "", ds.metadata.namespace);
    if (revisionMatches(existing, ds.spec.template)) return existing;
    const fresh = await this.client.get<DaemonSet>(daemonsets, ds.metadata.name ?? "", ds.metadata.namespace);
    // The hash came from this sync's copy: if its count is stale, the fresh one may
    // already name a free revision, so retry with it rather than count a collision.
    if ((fresh.status?.collisionCount ?? 0) !== (ds.status?.collisionCount ?? 0)) {
      throw new Error(
        `DaemonSet ${ds.metadata.namespace}/${ds.metadata.name}: found a stale collision count (${ds.status?.collisionCount ?? 0}, expected ${fresh.status?.collisionCount ?? 0}); the sync is retried with the stored one`,
      );
    }
    const collisionCount = (fresh.status?.collisionCount ?? 0) + 1;
    const status = { ...(fresh.status ?? { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }), collisionCount };
    await this.client.update<DaemonSet>(daemonsets, { ...fresh, status }, { subresource: "status" });
    throw new Error(
      `DaemonSet ${ds.metadata.namespace}/${ds.metadata.name}: ControllerRevision ${revision.metadata.name} already holds another template (a hash collision); collisionCount is now ${collisionCount}, retrying`,
    );
  }

  /** Keeps the newest of several revisions of the current template, moving their pods to its hash. */
  private async dedup(current: readonly ControllerRevision[], dsPods: readonly Pod[]): Promise<ControllerRevision> {
    const keep = current.reduce((a, b) => (b.revision >= a.revision ? b : a));
    const hash = revisionHash(keep);
    for (const duplicate of current) {
      if (duplicate === keep) continue;
      const stale = revisionHash(duplicate);
      for (const pod of dsPods) {
        if (pod.metadata.labels?.[podRevisionLabel] !== stale) continue;
        try {
          await patchMetadata(this.client, pods, pod, (p) =>
            p.metadata.labels?.[podRevisionLabel] === stale ? { labels: { ...(p.metadata.labels ?? {}), [podRevisionLabel]: hash } } : undefined,
          );
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
      await this.history.delete(duplicate);
    }
    return keep;
  }
}
