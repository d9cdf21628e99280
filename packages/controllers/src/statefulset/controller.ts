// The StatefulSet controller (pkg/controller/statefulset): pods with stable names
// "<set>-<ordinal>", created and removed in order (OrderedReady) or all at once
// (Parallel), updated in reverse ordinal order down to the partition, and a status
// that says which revision is current, with a ControllerRevision per template
// (revisions.ts). Each pod's claims "<template>-<set>-<ordinal>"
// are made before it, and owned as the retention policy says (claims.ts). The
// decisions are in plan.ts; this file reads the caches, claims pods and carries
// the plan out.
import {
  type ControllerRevision,
  matchesLabels,
  mustResource,
  objectKey,
  type LabelSelector,
  type PersistentVolumeClaim,
  type Pod,
  type StatefulSet,
} from "@bosun/api";
import { createLogger, isConflict, isNotFound, type Informer } from "@bosun/client";
import {
  claimObjects,
  errorMessage,
  Expectations,
  labelSelectorOf,
  patchMetadata,
  type ControllerContext,
  watchDependents,
  QueueController,
} from "../common/index.js";
import { claimsRes, StatefulClaimControl } from "./claim-control.js";
import { statefulSetSettings, type StatefulSetSettings } from "./defaults.js";
import { identityLabels, identityMatches, newStatefulSetPod, ordinalOf, podNameFor } from "./identity.js";
import { planStatefulSet, type SetAction } from "./plan.js";
import { isRunningAndAvailable, isRunningAndReady } from "./pod-conditions.js";
import { ControllerHistory, controllerRevisionsRes } from "../history/history-control.js";
import { StatefulSetHistory, templateOfNamedRevision, type SetRevisions } from "./revisions.js";
import { computeStatefulSetStatus, nextStatefulSetStatus } from "./status.js";

const statefulsets = mustResource("statefulsets");
const pods = mustResource("pods");
const log = createLogger("controllers/statefulset");

export interface StatefulSetControllerOptions {
  workers?: number;
}

export class StatefulSetController extends QueueController {
  readonly name = "statefulset";
  private readonly expectations: Expectations;
  private readonly setInformer: Informer<StatefulSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly claimControl: StatefulClaimControl;
  private readonly history: StatefulSetHistory;

  constructor(
    ctx: ControllerContext,
    opts: StatefulSetControllerOptions = {},
  ) {
    super(ctx, opts.workers ?? 2);
    this.expectations = new Expectations(this.now);
    this.setInformer = ctx.informers.for<StatefulSet>(statefulsets);
    this.podInformer = ctx.informers.for<Pod>(pods);
    this.setInformer
      .onAdd((set) => this.enqueue(set))
      .onUpdate((_old, set) => this.enqueue(set))
      .onDelete((set) => this.enqueue(set));
    watchDependents(this.podInformer, {
      ownerRes: statefulsets,
      owners: this.setInformer,
      selectorOf: (set) => labelSelectorOf(set.spec.selector),
      enqueue: (key) => this.queue.add(key),
      expectations: this.expectations,
    });
    // A claim going away may be what a pod waits for (stale or being deleted).
    const claimInformer = ctx.informers.for<PersistentVolumeClaim>(claimsRes);
    claimInformer
      .onAdd((claim) => this.enqueueSetsOfClaim(claim))
      .onUpdate((_old, claim) => this.enqueueSetsOfClaim(claim))
      .onDelete((claim) => this.enqueueSetsOfClaim(claim));
    this.claimControl = new StatefulClaimControl(ctx.client, ctx.recorder, claimInformer);
    const revisions = new ControllerHistory(ctx.client, ctx.informers.for<ControllerRevision>(controllerRevisionsRes), statefulsets);
    revisions.watch(this.setInformer, (set) => labelSelectorOf(set.spec.selector), (key) => this.queue.add(key));
    this.history = new StatefulSetHistory(revisions);
  }

  // ---- event handlers ----

  private enqueue(set: StatefulSet): void {
    this.queue.add(objectKey(set));
  }

  /** The sets one of whose templates names the claim "<template>-<set>-<ordinal>". */
  private enqueueSetsOfClaim(claim: PersistentVolumeClaim): void {
    const name = claim.metadata.name ?? "";
    for (const set of this.setInformer.list()) {
      if (set.metadata.namespace !== claim.metadata.namespace) continue;
      const names = (set.spec.volumeClaimTemplates ?? []).some((t) => {
        const prefix = `${t.metadata.name ?? ""}-${set.metadata.name ?? ""}-`;
        return name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
      });
      if (names) this.enqueue(set);
    }
  }

  // ---- sync ----

  protected async sync(key: string): Promise<void> {
    const set = this.setInformer.get(key);
    if (!set) {
      this.expectations.delete(key);
      return;
    }
    const selector = labelSelectorOf(set.spec.selector);
    if (!selector) {
      this.ctx.recorder.event(set, "Warning", "InvalidSelector", "spec.selector is not a valid label selector; fix it so the StatefulSet can find its pods");
      return;
    }
    const settings = statefulSetSettings(set);
    const setName = set.metadata.name ?? "";
    // Only pods named after the set can be its members (isMemberOf).
    const members = this.podInformer.list().filter((p) => p.metadata.namespace === set.metadata.namespace && ordinalOf(setName, p) >= 0);
    const claimed = await claimObjects<Pod>({ client: this.ctx.client, res: pods, ownerRes: statefulsets, owner: set, selector }, members);
    const revisions = await this.history.revisions(set, selector);

    // A set being deleted, or whose own creates and deletes are not all seen yet, only reports.
    let syncError: unknown;
    if (!set.metadata.deletionTimestamp && this.expectations.satisfied(key)) {
      try {
        await this.reconcile(set, key, selector, settings, claimed, revisions);
      } catch (err) {
        syncError = err;
      }
    }
    try {
      await this.writeStatus(set, settings, claimed, revisions);
    } catch (err) {
      if (syncError === undefined) throw err;
      log.warn({ statefulset: key, err: errorMessage(err) }, "status update failed after a failed sync");
    }
    if (syncError !== undefined) throw syncError;
    if (!set.metadata.deletionTimestamp) await this.history.truncate(set, claimed, revisions);
  }

  private async reconcile(
    set: StatefulSet,
    key: string,
    selector: LabelSelector,
    settings: StatefulSetSettings,
    claimed: Pod[],
    revisions: SetRevisions,
  ): Promise<void> {
    if (!matchesLabels(selector, set.spec.template.metadata?.labels)) {
      this.ctx.recorder.event(
        set,
        "Warning",
        "FailedCreate",
        "spec.selector does not match spec.template.metadata.labels, so the pods would not belong to this StatefulSet; make the selector match the template's labels",
      );
      return;
    }
    await this.syncClaims(set, settings, claimed);
    const actions = planStatefulSet({
      setName: set.metadata.name ?? "",
      replicas: settings.replicas,
      monotonic: settings.monotonic,
      rollingUpdate: settings.rollingUpdate,
      partition: settings.partition,
      minReadySeconds: settings.minReadySeconds,
      pods: claimed,
      updateRevision: revisions.update.metadata.name ?? "",
      identityMatches: (pod) => identityMatches(set, pod),
      nowMs: this.now(),
    });
    if (actions.length === 0) return;
    const creates = actions.filter((a) => a.kind === "create").length;
    const deletes = actions.filter((a) => a.kind === "delete").length;
    this.expectations.expect(key, creates, deletes);

    // An ordinal's actions run in order (delete a failed pod, then create it again);
    // ordinals run one after another in order, or all at once in Parallel.
    const byOrdinal = new Map<number, SetAction[]>();
    for (const a of actions) byOrdinal.set(a.ordinal, [...(byOrdinal.get(a.ordinal) ?? []), a]);
    const runOrdinal = async (list: SetAction[]): Promise<void> => {
      for (let i = 0; i < list.length; i++) {
        try {
          await this.apply(set, key, list[i]!, claimed, revisions);
        } catch (err) {
          this.forgetUnapplied(key, list.slice(i + 1));
          throw err;
        }
      }
    };
    if (settings.monotonic) {
      const groups = [...byOrdinal.values()];
      for (let g = 0; g < groups.length; g++) {
        try {
          await runOrdinal(groups[g]!);
        } catch (err) {
          this.forgetUnapplied(key, groups.slice(g + 1).flat());
          throw err;
        }
      }
      return;
    }
    const results = await Promise.allSettled([...byOrdinal.values()].map(runOrdinal));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failures.length > 0) {
      throw new Error(`StatefulSet ${key}: ${failures.length} pod request(s) failed, first: ${errorMessage(failures[0]!.reason)}`);
    }
  }

  /**
   * The claims of the pods the set has: a pending pod's missing claims are made
   * again (createMissingPersistentVolumeClaims), and every claim's owners follow
   * the retention policy, a scaled-away pod's before the pod is deleted, so that
   * the garbage collector takes the claim with it.
   */
  private async syncClaims(set: StatefulSet, settings: StatefulSetSettings, claimed: Pod[]): Promise<void> {
    if ((set.spec.volumeClaimTemplates ?? []).length === 0) return;
    const setName = set.metadata.name ?? "";
    for (const pod of claimed) {
      const ordinal = ordinalOf(setName, pod);
      if (ordinal < 0) continue;
      const condemned = ordinal >= settings.replicas;
      const terminating = !!pod.metadata.deletionTimestamp;
      // As Kubernetes, a terminating member is waited for, not updated: its claims keep the owners they have.
      if (terminating && !condemned) continue;
      try {
        if (!condemned && (pod.status?.phase ?? "Pending") === "Pending") await this.claimControl.createMissing(set, pod);
        await this.claimControl.fixOwners(set, pod);
      } catch (err) {
        this.ctx.recorder.event(set, "Warning", "FailedUpdate", `update Pod ${pod.metadata.name ?? ""} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
        throw err;
      }
    }
  }

  /** Actions that will never run will never be observed. */
  private forgetUnapplied(key: string, skipped: SetAction[]): void {
    const creates = skipped.filter((a) => a.kind === "create").length;
    const deletes = skipped.filter((a) => a.kind === "delete").length;
    this.expectations.lowerExpectations(key, creates, deletes);
  }

  private async apply(set: StatefulSet, key: string, action: SetAction, claimed: Pod[], revisions: SetRevisions): Promise<void> {
    const setName = set.metadata.name ?? "";
    const ns = set.metadata.namespace ?? "";
    switch (action.kind) {
      case "create": {
        // Below the partition a recreated pod stays at the current revision.
        let revision = (action.revision === "current" ? revisions.current : revisions.update).metadata.name ?? "";
        let template = revision === revisions.update.metadata.name ? set.spec.template : templateOfNamedRevision(revisions, revision);
        if (!template) {
          log.info({ statefulset: key, revision }, "the current revision holds no pod template; creating at the update revision");
          revision = revisions.update.metadata.name ?? "";
          template = set.spec.template;
        }
        const pod = newStatefulSetPod(set, template, action.ordinal, revision);
        if (this.claimControl.hasStaleClaim(set, pod)) {
          // The garbage collector deletes the claim with its earlier pod; its deletion requeues the set.
          this.expectations.creationObserved(key);
          log.info({ statefulset: key, pod: pod.metadata.name }, "a claim of the pod still belongs to its earlier pod; waiting for the garbage collector to delete it");
          return;
        }
        let created: Pod;
        try {
          await this.claimControl.createMissing(set, pod);
          created = await this.ctx.client.create<Pod>(pods, pod, ns);
        } catch (err) {
          this.expectations.creationObserved(key);
          this.ctx.recorder.event(set, "Warning", "FailedCreate", `create Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
          throw err;
        }
        // As much of the retention policy as can be set now the pod has a uid.
        try {
          await this.claimControl.fixOwners(set, created);
        } catch (err) {
          this.ctx.recorder.event(set, "Warning", "FailedUpdate", `update Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
          throw err;
        }
        this.ctx.recorder.event(set, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
        return;
      }
      case "delete": {
        const name = action.pod.metadata.name ?? "";
        if (action.reason === "failed") {
          this.ctx.recorder.event(set, "Warning", "RecreatingFailedPod", `StatefulSet ${ns}/${setName} is recreating failed Pod ${name}`);
        } else if (action.reason === "succeeded") {
          this.ctx.recorder.event(set, "Normal", "RecreatingTerminatedPod", `StatefulSet ${ns}/${setName} is recreating terminated Pod ${name}`);
        }
        try {
          await this.ctx.client.delete(pods, name, { namespace: ns, preconditions: { uid: action.pod.metadata.uid } });
        } catch (err) {
          this.expectations.deletionObserved(key);
          if (isNotFound(err)) return;
          this.ctx.recorder.event(set, "Warning", "FailedDelete", `delete Pod ${name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
          throw err;
        }
        this.ctx.recorder.event(set, "Normal", "SuccessfulDelete", `delete Pod ${name} in StatefulSet ${setName} successful`);
        return;
      }
      case "fixIdentity": {
        const name = podNameFor(set, action.ordinal);
        const wanted = identityLabels(set, action.ordinal);
        await patchMetadata(this.ctx.client, pods, action.pod, (current) =>
          identityMatches(set, current) ? undefined : { labels: { ...(current.metadata.labels ?? {}), ...wanted } },
        );
        this.ctx.recorder.event(set, "Normal", "SuccessfulUpdate", `update Pod ${name} in StatefulSet ${setName} successful`);
        return;
      }
    }
  }

  private async writeStatus(set: StatefulSet, settings: StatefulSetSettings, claimed: Pod[], revisions: SetRevisions): Promise<void> {
    const nowMs = this.now();
    const computed = computeStatefulSetStatus({
      pods: claimed,
      currentRevision: revisions.current.metadata.name ?? "",
      updateRevision: revisions.update.metadata.name ?? "",
      rollingUpdate: settings.rollingUpdate,
      minReadySeconds: settings.minReadySeconds,
      generation: set.metadata.generation,
      collisionCount: revisions.collisionCount,
      nowMs,
    });
    let current = set;
    for (let attempt = 0; ; attempt++) {
      const status = nextStatefulSetStatus(current.status, computed);
      if (!status) break;
      try {
        await this.ctx.client.update<StatefulSet>(statefulsets, { ...current, status }, { subresource: "status" });
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 1) throw err;
        current = await this.ctx.client.get<StatefulSet>(statefulsets, set.metadata.name ?? "", set.metadata.namespace);
      }
    }
    // Nothing else would wake the controller when a ready pod turns available.
    const waiting = claimed.some((p) => isRunningAndReady(p) && !isRunningAndAvailable(p, settings.minReadySeconds, nowMs));
    if (settings.minReadySeconds > 0 && waiting) this.queue.addAfter(objectKey(set), settings.minReadySeconds * 1000);
  }
}
