// The revisions of a StatefulSet as ControllerRevisions (stateful_set_control.go
// getStatefulSetRevisions and truncateHistory). The update revision holds the
// set's current template: the newest revision when it already does, an older one
// renumbered to be the newest when the template went back to it (a rollout undo),
// or a new one. The current revision is the one status.currentRevision names,
// until a rolling update completes. Pods carry their revision's name in
// controller-revision-hash; a pod recreated below the partition is made from the
// current revision's template, read back from its data.
import { templateOfRevision, type ControllerRevision, type LabelSelector, type Pod, type PodTemplateSpec, type StatefulSet } from "@bosun/api";
import type { ControllerHistory } from "../history/history-control.js";
import { equalRevision, newControllerRevision, nextRevisionNumber, revisionsToPrune, sortRevisions } from "../history/revisions.js";
import { revisionLabel } from "./identity.js";

export interface SetRevisions {
  current: ControllerRevision;
  update: ControllerRevision;
  /** The collision count that named the update revision; status records it. */
  collisionCount: number;
  /** Every revision the set owns, the two above included. */
  all: ControllerRevision[];
}

export function revisionOf(pod: Pod): string {
  return pod.metadata.labels?.[revisionLabel] ?? "";
}

/** The template of the revision named `name`, if the set still has it. */
export function templateOfNamedRevision(revisions: SetRevisions, name: string): PodTemplateSpec | undefined {
  const revision = revisions.all.find((r) => r.metadata.name === name);
  return revision ? templateOfRevision(revision) : undefined;
}

export class StatefulSetHistory {
  constructor(private readonly history: ControllerHistory) {}

  async revisions(set: StatefulSet, selector: LabelSelector): Promise<SetRevisions> {
    const existing = sortRevisions(await this.history.list(set, selector));
    let collisionCount = set.status?.collisionCount ?? 0;
    const wanted = newControllerRevision(set, set.spec.template, nextRevisionNumber(existing), collisionCount);
    const equal = existing.filter((r) => equalRevision(r, wanted));
    const newest = existing[existing.length - 1];
    const lastEqual = equal[equal.length - 1];
    let update: ControllerRevision;
    if (lastEqual !== undefined && newest !== undefined && lastEqual.metadata.uid === newest.metadata.uid) {
      update = newest;
    } else if (lastEqual !== undefined) {
      update = await this.history.renumber(lastEqual, wanted.revision);
    } else {
      const created = await this.history.create(set, wanted, collisionCount);
      update = created.revision;
      collisionCount = created.collisionCount;
    }
    const all = [...existing.filter((r) => r.metadata.uid !== update.metadata.uid), update];
    const current = all.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount, all };
  }

  /** Deletes the oldest revisions beyond spec.revisionHistoryLimit that neither status nor a pod names. */
  async truncate(set: StatefulSet, pods: readonly Pod[], revisions: SetRevisions): Promise<void> {
    const live = new Set([revisions.current.metadata.name, revisions.update.metadata.name, ...pods.map(revisionOf)]);
    const limit = set.spec.revisionHistoryLimit ?? 10;
    for (const revision of revisionsToPrune(revisions.all, (r) => live.has(r.metadata.name), limit)) await this.history.delete(revision);
  }
}
