// `rollout history` and `rollout undo` of DaemonSets and StatefulSets, as kubectl's
// DaemonSetHistoryViewer, StatefulSetHistoryViewer and their rollbackers do it:
// the owner's revisions are the ControllerRevisions its selector matches and it
// controls; each holds the template patch the controller stored, and undo sends
// that patch (strategic merge) back to the owner.
import {
  changeCauseAnnotation,
  formatLabelSelector,
  isControlledBy,
  labelSelectorFromMatch,
  mustResource,
  semanticEqual,
  templateOfRevision,
  type ControllerRevision,
  type DaemonSet,
  type PodTemplateSpec,
  type StatefulSet,
} from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import { CliError } from "../context.js";

/** The owners whose history lives in ControllerRevisions. */
export type RevisionedOwner = DaemonSet | StatefulSet;

/** The ControllerRevisions in the owner's namespace that match its selector and that it controls (controlledHistoryV1). */
export async function listOwnedRevisions(client: ApiClient, owner: RevisionedOwner): Promise<ControllerRevision[]> {
  const sel = owner.spec.selector;
  const selector = formatLabelSelector(labelSelectorFromMatch(sel.matchLabels, sel.matchExpressions));
  const list = await client.list<ControllerRevision>(mustResource("controllerrevisions"), {
    ...(owner.metadata.namespace ? { namespace: owner.metadata.namespace } : {}),
    ...(selector ? { labelSelector: selector } : {}),
  });
  return list.items.filter((r) => isControlledBy(r, owner));
}

/** Each revision's template, carrying the revision's change-cause as kubectl's printHistory shows it. */
export function controllerRevisionHistory(revisions: readonly ControllerRevision[]): Map<number, PodTemplateSpec> {
  const history = new Map<number, PodTemplateSpec>();
  for (const revision of revisions) {
    const template = templateOfRevision(revision);
    if (!template) continue;
    const cause = revision.metadata.annotations?.[changeCauseAnnotation];
    if (cause) {
      template.metadata ??= {};
      template.metadata.annotations = { ...template.metadata.annotations, [changeCauseAnnotation]: cause };
    }
    history.set(revision.revision, template);
  }
  return history;
}

/** The revision to roll back to: `toRevision`, or with 0 the second newest (kubectl's findHistory). */
export function controllerRevisionTarget(revisions: readonly ControllerRevision[], toRevision: number): ControllerRevision {
  if (toRevision === 0) {
    if (revisions.length <= 1) throw new CliError("no last revision to roll back to");
    return [...revisions].sort((a, b) => a.revision - b.revision)[revisions.length - 2]!;
  }
  const found = revisions.find((r) => r.revision === toRevision);
  if (!found) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  return found;
}

/** Whether the owner already runs the revision's template, so undo has nothing to do. */
export function ownerMatchesRevision(owner: RevisionedOwner, revision: ControllerRevision): boolean {
  return semanticEqual(templateOfRevision(revision), owner.spec.template);
}
