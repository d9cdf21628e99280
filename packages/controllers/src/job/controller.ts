// The Job controller (pkg/controller/job/job_controller.go): runs a Job's pods until
// enough of them succeed, or until it runs out of retries or time, and reports
// progress in the Job's status. Finished pods are kept while the Job runs (Bosun has
// no job-tracking finalizers): they are what succeeded and failed are counted from.
// As in Kubernetes 1.33, a Job that is done first gets SuccessCriteriaMet or
// FailureTarget; its remaining pods are deleted, and once none is left running it
// gets Complete or Failed with the same reason.
import { countIndexes, formatIndexes, mergeIntervals, mustResource, rfc3339, type Job, type JobCondition, type JobStatus, type LabelSelector, type Pod } from "@bosun/api";
import { createLogger, isConflict, objectKey, type EventType, type Informer } from "@bosun/client";
import {
  claimObjects,
  Expectations,
  isPodReady,
  labelSelectorOf,
  PodControl,
  QueueController,
  RequeueAt,
  watchDependents,
  type ControllerContext,
  type PodsToCreate,
} from "../common/index.js";
import { ensureJobCondition, finalTypeOf, interimCondition, isJobFinished, newJobCondition, type JobInterimType } from "./conditions.js";
import { jobSelector, withJobDefaults, type DefaultedJob } from "./defaults.js";
import { indexProgress, type IndexProgress } from "./index-progress.js";
import { firstPendingIndexes, indexedPodTemplate, indexesOf, isIndexedJob, surplusIndexPods } from "./indexed.js";
import {
  activeDeadlineAt,
  countPods,
  failJobMessage,
  isComplete,
  onlyReplaceFailedPods,
  pastBackoffLimit,
  podsToDelete,
  wantActive,
  type PodCounts,
} from "./job-math.js";
import { defaultPodFailureBackoffMs, failureRecord, maxPodFailureBackoffMs, remainingBackoffMs } from "./pod-failure-backoff.js";
import { matchSuccessPolicy } from "./success-policy.js";

const log = createLogger("controllers/job");
const jobsResource = mustResource("jobs");
const podsResource = mustResource("pods");

/** Pods created or deleted in one sync at most, as Kubernetes' MaxPodCreateDeletePerSync. */
const maxPodChangesPerSync = 500;

export const backoffLimitExceededMessage = "Job has reached the specified backoff limit";
export const deadlineExceededMessage = "Job was active longer than specified deadline";
export const maxFailedIndexesExceededMessage = "Job has exceeded the specified maximal number of failed indexes";
export const failedIndexesMessage = "Job has failed indexes";
export const completionsReachedMessage = "Reached expected number of succeeded pods";

export interface JobControllerOptions {
  /** Jobs synced at the same time (Kubernetes' --concurrent-job-syncs). */
  workers?: number;
  /** Delay before replacing pods after the first failure; doubled per further failure. */
  podFailureBackoffMs?: number;
  maxPodFailureBackoffMs?: number;
}

interface PendingEvent {
  type: EventType;
  reason: string;
  message: string;
}

interface FinishDecision {
  uid: string;
  /** The SuccessCriteriaMet or FailureTarget condition decided. */
  condition: JobCondition & { type: JobInterimType };
  failed: number;
}

interface PodChanges {
  active: number;
  ready: number;
  error?: unknown;
}

export class JobController extends QueueController {
  readonly name = "job";
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly expectations = new Expectations(this.now);
  private readonly podControl: PodControl;
  private readonly requeue = new RequeueAt(this.queue, this.now);
  /**
   * Jobs this controller decided will finish, until the informer shows the written
   * interim condition. Deleting a failed Job's pods deletes the evidence (their restarts):
   * a later sync on a stale cache, or after a lost status write, would otherwise
   * see a running Job without pods and start new ones.
   */
  private readonly decisions = new Map<string, FinishDecision>();
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(ctx: ControllerContext, opts: JobControllerOptions = {}) {
    super(ctx, opts.workers ?? 4);
    this.backoffBaseMs = opts.podFailureBackoffMs ?? defaultPodFailureBackoffMs;
    this.backoffMaxMs = opts.maxPodFailureBackoffMs ?? maxPodFailureBackoffMs;
    this.podControl = new PodControl(ctx.client, ctx.recorder, this.expectations);
    this.jobs = ctx.informers.for<Job>(jobsResource);
    this.pods = ctx.informers.for<Pod>(podsResource);
    this.jobs
      .onAdd((job) => this.queue.add(objectKey(job)))
      .onUpdate((_, job) => this.queue.add(objectKey(job)))
      .onDelete((job) => this.queue.add(objectKey(job)));
    watchDependents(this.pods, {
      ownerRes: jobsResource,
      owners: this.jobs,
      selectorOf: adoptingSelector,
      enqueue: (key) => this.queue.add(key),
      expectations: this.expectations,
    });
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.jobs.get(key);
    if (!cached) {
      this.expectations.delete(key);
      this.requeue.forget(key);
      this.decisions.delete(key);
      return;
    }
    if (isJobFinished(cached)) {
      this.decisions.delete(key);
      return;
    }
    const decided = this.decisions.get(key);
    const recorded = interimCondition(cached);
    if (recorded) this.decisions.delete(key);
    const decision = !recorded && decided?.uid === cached.metadata.uid ? decided : undefined;
    const job = withJobDefaults(cached);
    // Read before the pods, so a pod observed in between is not counted twice.
    const mayManagePods = this.expectations.satisfied(key);
    const selector = labelSelectorOf(job.spec.selector);
    if (!selector) {
      // An empty one would claim every pod of the namespace.
      log.warn({ job: key }, "job has an empty or invalid selector and is left alone; fix spec.selector or drop manualSelector");
      return;
    }
    const namespace = cached.metadata.namespace;
    const candidates = this.pods.list().filter((p) => p.metadata.namespace === namespace);
    const pods = await claimObjects<Pod>({ client: this.ctx.client, res: podsResource, ownerRes: jobsResource, owner: cached, selector }, candidates);

    const nowMs = this.now();
    const nowIso = rfc3339(nowMs);
    const suspended = job.spec.suspend === true;
    const status: JobStatus = structuredClone(cached.status ?? {});
    if (!status.startTime && !suspended) status.startTime = nowIso;
    const events: PendingEvent[] = [];

    const counts = countPods(pods, job);
    const progress = isIndexedJob(job) ? indexProgress(job, pods) : undefined;
    let active = counts.active.length;
    let ready = counts.ready;
    let terminating = counts.terminating.length;
    let failed = counts.failed;
    const succeeded = progress ? countIndexes(progress.succeeded) : counts.succeeded;
    let finishing: (JobCondition & { type: JobInterimType }) | undefined = recorded ?? decision?.condition;
    let podError: unknown;

    if (!finishing) finishing = this.failureTarget(key, job, pods, failed, status.startTime, nowMs, nowIso);
    if (!finishing && progress) finishing = indexedFinish(job, progress, nowIso);

    let allStopped = false;
    if (finishing) {
      const removed = await this.deletePods(key, cached, counts.active);
      active -= removed.deleted;
      ready -= removed.deletedReady;
      // A pod never bound to a node is gone at once; one on a node stops first.
      terminating += removed.gone.filter((p) => p.spec.nodeName).length;
      podError = removed.error;
      allStopped = removed.deleted === counts.active.length && mayManagePods;
      if (finishing.type === "FailureTarget") {
        // The pods stopped count as failed, and the count does not drop as they go.
        failed = Math.max(failed + removed.deleted, decision?.failed ?? 0, cached.status?.failed ?? 0);
      }
    } else {
      let managed = false;
      if (mayManagePods && !cached.metadata.deletionTimestamp) {
        ({ active, ready, error: podError } = await this.manageJob(key, job, cached, counts, pods, progress, nowMs));
        managed = true;
      }
      if (isComplete(job, succeeded, active)) {
        finishing = { ...newJobCondition("SuccessCriteriaMet", "CompletionsReached", completionsReachedMessage, nowIso), type: "SuccessCriteriaMet" };
        allStopped = true;
      } else if (managed) {
        const suspend = suspended
          ? ensureJobCondition(status.conditions, "Suspended", "True", "JobSuspended", "Job suspended", nowIso)
          : ensureJobCondition(status.conditions, "Suspended", "False", "JobResumed", "Job resumed", nowIso);
        status.conditions = suspend.conditions;
        if (suspend.changed) {
          events.push({ type: "Normal", reason: suspended ? "Suspended" : "Resumed", message: suspended ? "Job suspended" : "Job resumed" });
          // activeDeadlineSeconds counts time continuously active: it starts again on resume.
          if (!suspended) status.startTime = nowIso;
        }
      }
    }

    setCount(status, "active", active);
    setCount(status, "succeeded", succeeded);
    setCount(status, "failed", failed);
    status.ready = ready;
    status.terminating = terminating;
    if (progress) {
      const completed = formatIndexes(progress.succeeded);
      if (completed !== "") status.completedIndexes = completed;
      else delete status.completedIndexes;
      if (progress.failed) status.failedIndexes = formatIndexes(progress.failed);
    }
    let finished: JobCondition | undefined;
    if (finishing) {
      const interim = finishing;
      if (!status.conditions?.some((c) => c.type === interim.type && c.status === "True")) {
        status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== interim.type), interim];
      }
      this.decisions.set(key, { uid: cached.metadata.uid ?? "", condition: interim, failed });
      // Complete or Failed only once no pod of the Job runs any more (delayTerminalCondition).
      if (allStopped && terminating === 0) {
        const type = finalTypeOf(interim.type);
        status.conditions = ensureJobCondition(status.conditions, type, "True", interim.reason ?? "", interim.message ?? "", nowIso).conditions;
        if (type === "Complete") status.completionTime = nowIso;
        finished = status.conditions.find((c) => c.type === type);
        events.push(
          type === "Complete"
            ? { type: "Normal", reason: "Completed", message: "Job completed" }
            : { type: "Warning", reason: interim.reason ?? "Failed", message: interim.message ?? "" },
        );
      }
    }
    if (statusChanged(cached.status, status)) {
      try {
        await this.ctx.client.update<Job>(jobsResource, { ...cached, status }, { subresource: "status" });
      } catch (err) {
        if (!isConflict(err)) throw err;
        // The cache is behind; the watch event of the newer Job queues it again.
        log.debug({ job: key }, "job changed since it was read; syncing again when the cache catches up");
        if (podError !== undefined) throw podError;
        return;
      }
      if (finished) log.info({ job: key, condition: finished.type, reason: finished.reason, succeeded, failed }, "job finished");
    }
    for (const e of events) this.ctx.recorder.event(cached, e.type, e.reason, e.message);
    if (podError !== undefined) throw podError;
  }

  /** FailureTarget when a FailJob rule matched, retries ran out or time did; else undefined (and a wake-up at the deadline). */
  private failureTarget(
    key: string,
    job: DefaultedJob,
    pods: readonly Pod[],
    failed: number,
    startTime: string | undefined,
    nowMs: number,
    nowIso: string,
  ): (JobCondition & { type: "FailureTarget" }) | undefined {
    const target = (reason: string, message: string) => ({ ...newJobCondition("FailureTarget", reason, message, nowIso), type: "FailureTarget" as const });
    const policyMessage = failJobMessage(job, pods);
    if (policyMessage !== undefined) return target("PodFailurePolicy", policyMessage);
    if (pastBackoffLimit(job, pods, failed)) return target("BackoffLimitExceeded", backoffLimitExceededMessage);
    const deadline = activeDeadlineAt(job, startTime);
    if (deadline !== undefined && nowMs >= deadline) return target("DeadlineExceeded", deadlineExceededMessage);
    if (deadline !== undefined) this.requeue.at(key, deadline);
    return undefined;
  }

  /** Creates or deletes pods toward the wanted number; answers the active and ready pods after it. */
  private async manageJob(
    key: string,
    job: DefaultedJob,
    owner: Job,
    counts: PodCounts,
    pods: Pod[],
    progress: IndexProgress | undefined,
    nowMs: number,
  ): Promise<PodChanges> {
    const active = counts.active.length;
    const removeAndAnswer = async (excess: readonly Pod[]): Promise<PodChanges> => {
      const removed = await this.deletePods(key, owner, excess.slice(0, maxPodChangesPerSync));
      return { active: active - removed.deleted, ready: counts.ready - removed.deletedReady, error: removed.error };
    };
    if (job.spec.suspend === true) return removeAndAnswer(counts.active);
    const succeeded = progress ? countIndexes(progress.succeeded) : counts.succeeded;
    const want = wantActive(job, succeeded, active);
    const completions = job.spec.completions ?? 0;
    // An Indexed Job first drops pods without a valid index and an index's second pod.
    const surplus = progress ? surplusIndexPods(counts.active, completions, (ps) => podsToDelete(ps, ps.length)) : { remove: [], keep: counts.active };
    const excess = [...surplus.remove, ...podsToDelete(surplus.keep, surplus.keep.length - want)];
    if (excess.length > 0) return removeAndAnswer(excess);

    // With podReplacementPolicy Failed, a pod being deleted holds its place until it is gone.
    const holding = onlyReplaceFailedPods(job) ? counts.terminating : [];
    const missing = Math.min(want - holding.length - active, maxPodChangesPerSync);
    if (missing <= 0) return { active, ready: counts.ready };
    const perIndex = job.spec.backoffLimitPerIndex !== undefined;
    if (!perIndex) {
      const waitMs = remainingBackoffMs(failureRecord(pods), nowMs, this.backoffBaseMs, this.backoffMaxMs);
      if (waitMs > 0) {
        log.debug({ job: key, waitMs }, "delaying pod creation after failures");
        this.requeue.at(key, nowMs + waitMs);
        return { active, ready: counts.ready };
      }
    }
    if (!progress) {
      const created = await this.createPods(key, owner, { template: job.spec.template, count: missing });
      return { active: active + created.created, ready: counts.ready, error: created.error };
    }
    const taken = mergeIntervals(mergeIntervals(progress.succeeded, indexesOf(counts.active, completions)), mergeIntervals(indexesOf(holding, completions), progress.failed ?? []));
    let indexes = firstPendingIndexes(taken, missing, completions);
    if (perIndex) {
      // Each index waits out its own backoff, from its own last failure.
      const waits = indexes.map((ix) => {
        const f = progress.failures.get(ix);
        return f ? remainingBackoffMs({ failuresAfterLastSuccess: f.failed + f.ignored, lastFailureAt: f.lastFailureAt }, nowMs, this.backoffBaseMs, this.backoffMaxMs) : 0;
      });
      const ready = indexes.filter((_, i) => waits[i] === 0);
      if (ready.length === 0 && indexes.length > 0) {
        const waitMs = Math.min(...waits);
        log.debug({ job: key, waitMs }, "delaying pod creation of failed indexes");
        this.requeue.at(key, nowMs + waitMs);
      }
      indexes = ready;
    }
    if (indexes.length === 0) return { active, ready: counts.ready };
    const created = await this.createPods(key, owner, {
      template: job.spec.template,
      count: indexes.length,
      each: (i) => {
        const ix = indexes[i]!;
        const f = progress.failures.get(ix);
        return indexedPodTemplate(job, job.spec.template, ix, perIndex ? { failed: f?.failed ?? 0, ignored: f?.ignored ?? 0 } : undefined);
      },
    });
    return { active: active + created.created, ready: counts.ready, error: created.error };
  }

  /** Creates pods in slow-start batches, so a Job whose pods cannot be created fails one request, not hundreds. */
  private async createPods(key: string, owner: Job, create: PodsToCreate): Promise<{ created: number; error?: unknown }> {
    const { created, errors } = await this.podControl.apply(key, typedJob(owner), { create });
    return errors.length === 0 ? { created } : { created, error: errors[0] };
  }

  private async deletePods(key: string, owner: Job, pods: readonly Pod[]): Promise<{ deleted: number; deletedReady: number; gone: Pod[]; error?: unknown }> {
    const { gone, errors } = await this.podControl.apply(key, typedJob(owner), { delete: pods.map((pod) => ({ pod })) });
    const removed = { deleted: gone.length, deletedReady: gone.filter(isPodReady).length, gone };
    return errors.length === 0 ? removed : { ...removed, error: errors[0] };
  }
}

/**
 * How an Indexed Job ends early: failed indexes beyond maxFailedIndexes, or every
 * index done with some failed (FailureTarget); or its successPolicy met
 * (SuccessCriteriaMet).
 */
function indexedFinish(job: DefaultedJob, progress: IndexProgress, nowIso: string): (JobCondition & { type: JobInterimType }) | undefined {
  const failedIndexes = countIndexes(progress.failed ?? []);
  const succeeded = countIndexes(progress.succeeded);
  const max = job.spec.maxFailedIndexes;
  if (max !== undefined && failedIndexes > max) {
    return { ...newJobCondition("FailureTarget", "MaxFailedIndexesExceeded", maxFailedIndexesExceededMessage, nowIso), type: "FailureTarget" };
  }
  if (failedIndexes > 0 && failedIndexes + succeeded >= (job.spec.completions ?? 0)) {
    return { ...newJobCondition("FailureTarget", "FailedIndexes", failedIndexesMessage, nowIso), type: "FailureTarget" };
  }
  const met = matchSuccessPolicy(job.spec.successPolicy, job.spec.completions ?? 0, progress.succeeded);
  if (met !== undefined) return { ...newJobCondition("SuccessCriteriaMet", "SuccessPolicy", met, nowIso), type: "SuccessCriteriaMet" };
  return undefined;
}

/** The Job with its type, which the pods' controllerRef names. */
function typedJob(job: Job): Job {
  return { ...job, apiVersion: "batch/v1", kind: "Job" };
}

/** The selector a Job adopts orphan pods with: none once it is finished, or when its selector is invalid or empty. */
function adoptingSelector(job: Job): LabelSelector | undefined {
  return isJobFinished(job) ? undefined : labelSelectorOf(jobSelector(job));
}

/** Counters are left out when zero, as Kubernetes serialises them. */
function setCount(status: JobStatus, field: "active" | "succeeded" | "failed", n: number): void {
  if (n > 0) status[field] = n;
  else delete status[field];
}

function statusChanged(old: JobStatus | undefined, next: JobStatus): boolean {
  const o = old ?? {};
  return (
    o.startTime !== next.startTime ||
    o.completionTime !== next.completionTime ||
    (o.active ?? 0) !== (next.active ?? 0) ||
    (o.succeeded ?? 0) !== (next.succeeded ?? 0) ||
    (o.failed ?? 0) !== (next.failed ?? 0) ||
    o.ready !== next.ready ||
    o.terminating !== next.terminating ||
    o.completedIndexes !== next.completedIndexes ||
    o.failedIndexes !== next.failedIndexes ||
    JSON.stringify(o.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}
