// The Job controller (pkg/controller/job/job_controller.go): runs a Job's pods until
// enough of them succeed, or until it runs out of retries or time, and reports
// progress in the Job's status. Finished pods are kept while the Job runs (Bosun has
// no job-tracking finalizers): they are what succeeded and failed are counted from.
import { mustResource, rfc3339, type Job, type JobCondition, type JobStatus, type LabelSelector, type Pod } from "@bosun/api";
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
} from "../common/index.js";
import { ensureJobCondition, isJobFinished } from "./conditions.js";
import { jobSelector, withJobDefaults, type DefaultedJob } from "./defaults.js";
import { activeDeadlineAt, countPods, isComplete, pastBackoffLimit, podsToDelete, wantActive, type PodCounts } from "./job-math.js";
import { defaultPodFailureBackoffMs, failureRecord, maxPodFailureBackoffMs, remainingBackoffMs } from "./pod-failure-backoff.js";

const log = createLogger("controllers/job");
const jobsResource = mustResource("jobs");
const podsResource = mustResource("pods");

/** Pods created or deleted in one sync at most, as Kubernetes' MaxPodCreateDeletePerSync. */
const maxPodChangesPerSync = 500;

export const backoffLimitExceededMessage = "Job has reached the specified backoff limit";
export const deadlineExceededMessage = "Job was active longer than specified deadline";

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
  condition: JobCondition;
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
   * Jobs this controller decided are finished, until the informer shows the written
   * condition. Deleting a failed Job's pods deletes the evidence (their restarts):
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
    const decision = decided?.uid === cached.metadata.uid ? decided : undefined;
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

    const counts = countPods(pods);
    let active = counts.active.length;
    let ready = counts.ready;
    let failed = counts.failed;
    let finished: JobCondition | undefined;
    let podError: unknown;

    if (decision) {
      finished = decision.condition;
    } else if (pastBackoffLimit(job, pods, failed)) {
      finished = failedCondition("BackoffLimitExceeded", backoffLimitExceededMessage, nowIso);
    } else {
      const deadline = activeDeadlineAt(job, status.startTime);
      if (deadline !== undefined && nowMs >= deadline) finished = failedCondition("DeadlineExceeded", deadlineExceededMessage, nowIso);
      else if (deadline !== undefined) this.requeue.at(key, deadline);
    }

    if (finished) {
      const removed = await this.deletePods(key, cached, counts.active);
      active -= removed.deleted;
      ready -= removed.deletedReady;
      podError = removed.error;
      // Finished only once every active pod is gone; the pods stopped count as failed.
      if (removed.deleted === counts.active.length) failed = Math.max(failed + removed.deleted, decision?.failed ?? 0);
      else finished = undefined;
    } else {
      let managed = false;
      if (mayManagePods && !cached.metadata.deletionTimestamp) {
        ({ active, ready, error: podError } = await this.manageJob(key, job, cached, counts, pods, nowMs));
        managed = true;
      }
      if (isComplete(job, counts.succeeded, active)) {
        finished = {
          type: "Complete",
          status: "True",
          reason: "CompletionsReached",
          message: "Reached expected number of succeeded pods",
          lastProbeTime: nowIso,
          lastTransitionTime: nowIso,
        };
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
    setCount(status, "succeeded", counts.succeeded);
    setCount(status, "failed", failed);
    status.ready = ready;
    if (finished) {
      // A decision taken by an earlier sync keeps its time.
      const at = finished.lastTransitionTime ?? nowIso;
      status.conditions = ensureJobCondition(status.conditions, finished.type, "True", finished.reason ?? "", finished.message ?? "", at).conditions;
      if (finished.type === "Complete") status.completionTime = at;
      events.push(
        finished.type === "Complete"
          ? { type: "Normal", reason: "Completed", message: "Job completed" }
          : { type: "Warning", reason: finished.reason ?? "Failed", message: finished.message ?? "" },
      );
      this.decisions.set(key, { uid: cached.metadata.uid ?? "", condition: finished, failed });
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
      if (finished) log.info({ job: key, condition: finished.type, reason: finished.reason, succeeded: counts.succeeded, failed }, "job finished");
    }
    for (const e of events) this.ctx.recorder.event(cached, e.type, e.reason, e.message);
    if (podError !== undefined) throw podError;
  }

  /** Creates or deletes pods toward the wanted number; answers the active and ready pods after it. */
  private async manageJob(key: string, job: DefaultedJob, owner: Job, counts: PodCounts, pods: Pod[], nowMs: number): Promise<PodChanges> {
    const active = counts.active.length;
    if (job.spec.suspend === true) {
      const removed = await this.deletePods(key, owner, counts.active);
      return { active: active - removed.deleted, ready: counts.ready - removed.deletedReady, error: removed.error };
    }
    const want = wantActive(job, counts.succeeded, active);
    if (active > want) {
      const excess = podsToDelete(counts.active, Math.min(active - want, maxPodChangesPerSync));
      const removed = await this.deletePods(key, owner, excess);
      return { active: active - removed.deleted, ready: counts.ready - removed.deletedReady, error: removed.error };
    }
    const missing = Math.min(want - active, maxPodChangesPerSync);
    if (missing <= 0) return { active, ready: counts.ready };
    const waitMs = remainingBackoffMs(failureRecord(pods), nowMs, this.backoffBaseMs, this.backoffMaxMs);
    if (waitMs > 0) {
      log.debug({ job: key, waitMs }, "delaying pod creation after failures");
      this.requeue.at(key, nowMs + waitMs);
      return { active, ready: counts.ready };
    }
    const created = await this.createPods(key, job, owner, missing);
    return { active: active + created.created, ready: counts.ready, error: created.error };
  }

  /** Creates pods in slow-start batches, so a Job whose pods cannot be created fails one request, not hundreds. */
  private async createPods(key: string, job: DefaultedJob, owner: Job, count: number): Promise<{ created: number; error?: unknown }> {
    const { created, errors } = await this.podControl.apply(key, typedJob(owner), { create: { template: job.spec.template, count } });
    return errors.length === 0 ? { created } : { created, error: errors[0] };
  }

  private async deletePods(key: string, owner: Job, pods: readonly Pod[]): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    const { gone, errors } = await this.podControl.apply(key, typedJob(owner), { delete: pods.map((pod) => ({ pod })) });
    const removed = { deleted: gone.length, deletedReady: gone.filter(isPodReady).length };
    return errors.length === 0 ? removed : { ...removed, error: errors[0] };
  }
}

/** The Job with its type, which the pods' controllerRef names. */
function typedJob(job: Job): Job {
  return { ...job, apiVersion: "batch/v1", kind: "Job" };
}

/** The selector a Job adopts orphan pods with: none once it is finished, or when its selector is invalid or empty. */
function adoptingSelector(job: Job): LabelSelector | undefined {
  return isJobFinished(job) ? undefined : labelSelectorOf(jobSelector(job));
}

function failedCondition(reason: string, message: string, nowIso: string): JobCondition {
  return { type: "Failed", status: "True", reason, message, lastProbeTime: nowIso, lastTransitionTime: nowIso };
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
    JSON.stringify(o.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}
