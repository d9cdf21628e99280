// bosun rollout history and rollout undo: a Deployment's revisions are its
// ReplicaSets, and undo patches an old one's template back into the Deployment; a
// DaemonSet's or StatefulSet's are its ControllerRevisions, and undo sends an old
// one's data, the patch that restores its template.
import { equalIgnoreHash, revisionOf, type Deployment, type PodTemplateSpec } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import { CliError, formatError, groupKind, type Target } from "../context.js";
import { qualifiedName } from "../printers/output.js";
import {
  controllerRevisionHistory,
  controllerRevisionTarget,
  listOwnedRevisions,
  ownerMatchesRevision,
  type RevisionedOwner,
} from "../rollout/controller-revisions.js";
import { historyTable, revisionHistory, revisionTemplate } from "../rollout/history.js";
import { rollbackPatch, rollbackTarget } from "../rollout/rollback.js";
import { listDeploymentReplicaSets } from "../workloads/replicasets.js";

export interface RolloutHistoryOptions {
  namespace: string;
  /** Show this revision's pod template; 0 lists all revisions. */
  revision: number;
  out: (text: string) => void;
  err: (line: string) => void;
}

export interface RolloutUndoOptions {
  namespace: string;
  /** The revision to go back to; 0 means the one before the current. */
  toRevision: number;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs `act` on each target, printing failures kubectl's way; answers the exit code. */
async function eachTarget(targets: readonly Target[], err: (line: string) => void, act: (t: Target) => Promise<void>): Promise<number> {
  let failed = false;
  for (const t of targets) {
    try {
      await act(t);
    } catch (e) {
      failed = true;
      err(formatError(e));
    }
  }
  return failed ? 1 : 0;
}

export async function runRolloutHistory(client: ApiClient, targets: readonly Target[], opts: RolloutHistoryOptions): Promise<number> {
  if (opts.revision < 0) throw new CliError(`revision must be a positive integer: ${opts.revision}`);
  return eachTarget(targets, opts.err, async (t) => {
    const history = await historyOf(client, t, opts.namespace);
    const name = qualifiedName(t.res, t.name);
    if (opts.revision > 0) {
      const template = history.get(opts.revision);
      if (!template) throw new CliError("unable to find the specified revision");
      opts.out(`${name} with revision #${opts.revision}\n${revisionTemplate(template)}\n`);
    } else {
      // kubectl's layout, trailing space and closing blank line included.
      opts.out(`${name} \n${historyTable(history)}\n`);
    }
  });
}

/** Each revision's template, by revision number. */
async function historyOf(client: ApiClient, t: Target, namespace: string): Promise<Map<number, PodTemplateSpec>> {
  if (t.res.kind === "Deployment") {
    const deployment = await client.get<Deployment>(t.res, t.name, namespace);
    return revisionHistory(await listDeploymentReplicaSets(client, deployment));
  }
  if (revisionedKinds.has(t.res.kind)) {
    const owner = await client.get<RevisionedOwner>(t.res, t.name, namespace);
    return controllerRevisionHistory(await listOwnedRevisions(client, owner));
  }
  throw new CliError(`no history viewer has been implemented for ${groupKind(t.res)}; rollout history works on deployments, daemonsets and statefulsets`);
}

const revisionedKinds = new Set(["DaemonSet", "StatefulSet"]);

export async function runRolloutUndo(client: ApiClient, targets: readonly Target[], opts: RolloutUndoOptions): Promise<number> {
  return eachTarget(targets, opts.err, async (t) => {
    if (revisionedKinds.has(t.res.kind)) return undoToControllerRevision(client, t, opts);
    if (t.res.kind !== "Deployment") throw new CliError(`no rollbacker has been implemented for "${groupKind(t.res)}"`);
    const deployment = await client.get<Deployment>(t.res, t.name, opts.namespace);
    const rs = rollbackTarget(deployment, await listDeploymentReplicaSets(client, deployment), opts.toRevision);
    const name = qualifiedName(t.res, t.name);
    if (deployment.spec.paused) {
      throw new CliError(`you cannot rollback a paused deployment; resume it first with 'bosun rollout resume ${name}' and try again`);
    }
    if (equalIgnoreHash(rs.spec.template, deployment.spec.template)) {
      opts.out(`${name} skipped rollback (current template already matches revision ${revisionOf(rs) ?? opts.toRevision})`);
      return;
    }
    await client.patch(t.res, t.name, rollbackPatch(deployment, rs), { namespace: opts.namespace, type: "json" });
    opts.out(`${name} rolled back`);
  });
}

/** A DaemonSet's or StatefulSet's undo (kubectl's DaemonSetRollbacker and StatefulSetRollbacker). */
async function undoToControllerRevision(client: ApiClient, t: Target, opts: RolloutUndoOptions): Promise<void> {
  const owner = await client.get<RevisionedOwner>(t.res, t.name, opts.namespace);
  const target = controllerRevisionTarget(await listOwnedRevisions(client, owner), opts.toRevision);
  const name = qualifiedName(t.res, t.name);
  if (ownerMatchesRevision(owner, target)) {
    opts.out(`${name} skipped rollback (current template already matches revision ${target.revision})`);
    return;
  }
  await client.patch(t.res, t.name, target.data, { namespace: opts.namespace, type: "strategic" });
  opts.out(`${name} rolled back`);
}
