// The CronJob controller (pkg/controller/cronjob/cronjob_controllerv2.go): starts a
// Job for the most recent schedule time not yet started, applies the concurrency
// policy, tracks the Jobs it started in status.active and keeps only its history
// limits of finished Jobs. It wakes just after the next schedule time instead of
// polling.
import { mustResource, rfc3339, type CronJob, type CronJobStatus, type Job } from "@bosun/api";
import { createLogger, isAlreadyExists, isConflict, isNotFound, objectKey, type EventType, type Informer } from "@bosun/client";
import { errorMessage, isControlledBy, QueueController, RequeueAt, watchDependents, type ControllerContext } from "../common/index.js";
import { finishedCondition } from "../job/conditions.js";
import { withCronJobDefaults, type DefaultedCronJob } from "./defaults.js";
import { jobsToPrune } from "./history.js";
import { jobFromTemplate, jobNameFor, jobReference } from "./job-template.js";
import { parseSchedule, ScheduleError, validateTimeZone, type Schedule } from "./schedule.js";
import { nextScheduleTime, nextSyncAt, type RecentScheduleTime, type ScheduleState } from "./schedule-times.js";

const log = createLogger("controllers/cronjob");
const cronJobsResource = mustResource("cronjobs");
const jobsResource = mustResource("jobs");

export interface CronJobControllerOptions {
  /** CronJobs synced at the same time (Kubernetes' --concurrent-cron-job-syncs). */
  workers?: number;
}

interface PendingEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** What one sync works on: the CronJob as stored, with defaults, its Jobs and the status being built. */
interface SyncState {
  key: string;
  stored: CronJob;
  cronJob: DefaultedCronJob;
  jobs: Job[];
  status: CronJobStatus;
  events: PendingEvent[];
  nowMs: number;
}

/** Go's time.RFC1123Z in UTC, the form Kubernetes' MissSchedule event shows. */
function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}

export class CronJobController extends QueueController {
  readonly name = "cronjob";
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly requeue = new RequeueAt(this.queue, this.now);

  constructor(ctx: ControllerContext, opts: CronJobControllerOptions = {}) {
    super(ctx, opts.workers ?? 2);
    this.cronJobs = ctx.informers.for<CronJob>(cronJobsResource);
    this.jobs = ctx.informers.for<Job>(jobsResource);
    this.cronJobs
      .onAdd((cj) => this.queue.add(objectKey(cj)))
      .onUpdate((_, cj) => this.queue.add(objectKey(cj)))
      .onDelete((cj) => this.queue.add(objectKey(cj)));
    watchDependents(this.jobs, {
      ownerRes: cronJobsResource,
      owners: this.cronJobs,
      // A CronJob adopts no orphan Jobs, as in Kubernetes: it only tracks the Jobs it started.
      selectorOf: () => undefined,
      enqueue: (key) => this.queue.add(key),
    });
  }

  protected async sync(key: string): Promise<void> {
    const stored = this.cronJobs.get(key);
    if (!stored) {
      this.requeue.forget(key);
      return;
    }
    const namespace = stored.metadata.namespace;
    const s: SyncState = {
      key,
      stored,
      cronJob: withCronJobDefaults(stored),
      jobs: this.jobs.list().filter((j) => j.metadata.namespace === namespace && isControlledBy(j, stored)),
      status: structuredClone(stored.status ?? {}),
      events: [],
      nowMs: this.now(),
    };
    let syncError: unknown;
    try {
      await this.reconcileActive(s);
      const schedule = this.scheduleOf(s);
      if (schedule) {
        await this.startDueJob(s, schedule);
        this.requeue.at(key, nextSyncAt(scheduleState(s), s.nowMs, schedule));
      }
    } catch (err) {
      syncError = err;
    }
    // Pruning and the status write happen even after an error, so what was done is recorded.
    const pruneError = await this.pruneHistory(s);
    for (const e of s.events) this.ctx.recorder.event(stored, e.type, e.reason, e.message);
    if (statusChanged(stored.status, s.status)) {
      try {
        await this.ctx.client.update<CronJob>(cronJobsResource, { ...stored, status: s.status }, { subresource: "status" });
      } catch (err) {
        if (!isConflict(err)) throw err;
        // The cache is behind; the watch event of the newer CronJob queues it again,
        // and that sync finds what this one did (the Job's name is its schedule time).
        log.debug({ cronjob: key }, "cronjob changed since it was read; syncing again when the cache catches up");
      }
    }
    if (syncError !== undefined) throw syncError;
    if (pruneError !== undefined) throw pruneError;
  }

  /** Brings status.active and lastSuccessfulTime in line with the Jobs that exist. */
  private async reconcileActive(s: SyncState): Promise<void> {
    const active = (s.status.active ??= []);
    for (const job of s.jobs) {
      const uid = job.metadata.uid;
      const i = active.findIndex((r) => r.uid === uid);
      const finished = finishedCondition(job);
      if (i === -1 && !finished && !job.metadata.deletionTimestamp) {
        // Ours but unrecorded: started by a sync that crashed before writing status,
        // or recorded by a status write the cache has not shown yet.
        active.push(jobReference(job));
      } else if (i !== -1 && finished) {
        active.splice(i, 1);
        s.events.push({ type: "Normal", reason: "SawCompletedJob", message: `Saw completed job: ${job.metadata.name ?? ""}, condition: ${finished.type}` });
      }
      const completedAt = job.status?.completionTime;
      if (finished?.type === "Complete" && completedAt) {
        const last = s.status.lastSuccessfulTime;
        if (last === undefined || Date.parse(completedAt) > Date.parse(last)) s.status.lastSuccessfulTime = completedAt;
      }
    }
    for (const ref of [...active]) {
      if (s.jobs.some((j) => j.metadata.uid === ref.uid)) continue;
      // The cache may not show a Job created a moment ago: only the API can say it is gone.
      try {
        const job = await this.ctx.client.get<Job>(jobsResource, ref.name ?? "", s.stored.metadata.namespace);
        if (job.metadata.uid === ref.uid) continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      active.splice(active.indexOf(ref), 1);
      s.events.push({ type: "Normal", reason: "MissingJob", message: `Active job went missing: ${ref.name ?? ""}` });
    }
    if (active.length === 0) delete s.status.active;
  }

  /** The parsed schedule, or undefined when nothing is to be scheduled now or ever without a change. */
  private scheduleOf(s: SyncState): Schedule | undefined {
    const spec = s.cronJob.spec;
    if (s.stored.metadata.deletionTimestamp || spec.suspend) return undefined;
    try {
      if (spec.timeZone !== undefined) validateTimeZone(spec.timeZone);
    } catch (err) {
      s.events.push({ type: "Warning", reason: "UnknownTimeZone", message: `invalid timeZone: ${errorMessage(err)}` });
      return undefined;
    }
    try {
      return parseSchedule(spec.schedule, spec.timeZone);
    } catch (err) {
      s.events.push({ type: "Warning", reason: "UnparseableSchedule", message: `unparseable schedule: ${errorMessage(err)}` });
      return undefined;
    }
  }

  /** Starts the Job of the most recent schedule time not yet started, if the policies allow. */
  private async startDueJob(s: SyncState, schedule: Schedule): Promise<void> {
    const spec = s.cronJob.spec;
    let recent: RecentScheduleTime;
    try {
      recent = nextScheduleTime(scheduleState(s), s.nowMs, schedule);
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
      s.events.push({ type: "Warning", reason: "InvalidSchedule", message: `invalid schedule: ${err.message}` });
      return;
    }
    if (recent.missed === "many") {
      s.events.push({
        type: "Warning",
        reason: "TooManyMissedTimes",
        message: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
      });
      log.warn({ cronjob: s.key, missed: recent.missedCount }, "too many missed start times");
    }
    const scheduledMs = recent.mostRecentMs;
    if (scheduledMs === undefined) return;
    if (spec.startingDeadlineSeconds !== undefined && scheduledMs + spec.startingDeadlineSeconds * 1000 < s.nowMs) {
      s.events.push({ type: "Warning", reason: "MissSchedule", message: `Missed scheduled time to start a job: ${rfc1123z(scheduledMs)}` });
      return;
    }
    const name = jobNameFor(s.stored.metadata.name ?? "", scheduledMs, schedule.withSeconds);
    if (s.jobs.some((j) => j.metadata.name === name)) {
      // Started already; reconcileActive has recorded it if it still runs.
      recordScheduled(s, scheduledMs);
      return;
    }
    const active = s.status.active ?? [];
    if (spec.concurrencyPolicy === "Forbid" && active.length > 0) {
      s.events.push({
        type: "Normal",
        reason: "JobAlreadyActive",
        message: "Not starting job because prior execution is running and concurrency policy is Forbid",
      });
      return;
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const ref of [...active]) {
        await this.deleteJob(s, ref.name ?? "");
        active.splice(active.indexOf(ref), 1);
      }
      if (active.length === 0) delete s.status.active;
    }
    let job: Job;
    try {
      job = await this.ctx.client.create<Job>(jobsResource, jobFromTemplate(s.stored, scheduledMs, schedule.withSeconds));
      s.events.push({ type: "Normal", reason: "SuccessfulCreate", message: `Created job ${job.metadata.name ?? name}` });
      log.info({ cronjob: s.key, job: job.metadata.name, scheduled: rfc3339(scheduledMs) }, "created job");
    } catch (err) {
      // Created by an earlier try whose status write was lost: record it, do not fail.
      const existing = isAlreadyExists(err) ? await this.existingOwnJob(s, name) : undefined;
      if (!existing) {
        s.events.push({ type: "Warning", reason: "FailedCreate", message: `Error creating job: ${errorMessage(err)}` });
        throw err;
      }
      job = existing;
    }
    if (!finishedCondition(job) && !(s.status.active ?? []).some((r) => r.uid === job.metadata.uid)) {
      (s.status.active ??= []).push(jobReference(job));
    }
    recordScheduled(s, scheduledMs);
  }

  /** The Job named `name` if this CronJob controls it (it created it on an earlier try). */
  private async existingOwnJob(s: SyncState, name: string): Promise<Job | undefined> {
    try {
      const job = await this.ctx.client.get<Job>(jobsResource, name, s.stored.metadata.namespace);
      return isControlledBy(job, s.stored) ? job : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async deleteJob(s: SyncState, name: string): Promise<void> {
    try {
      await this.ctx.client.delete(jobsResource, name, { namespace: s.stored.metadata.namespace, propagationPolicy: "Background" });
      s.events.push({ type: "Normal", reason: "SuccessfulDelete", message: `Deleted job ${name}` });
    } catch (err) {
      if (isNotFound(err)) return;
      s.events.push({ type: "Warning", reason: "FailedDelete", message: `Error deleting job ${name}: ${errorMessage(err)}` });
      throw err;
    }
  }

  /** Deletes finished Jobs beyond the history limits; answers the first error, if any. */
  private async pruneHistory(s: SyncState): Promise<unknown> {
    const spec = s.cronJob.spec;
    let firstError: unknown;
    for (const job of jobsToPrune(s.jobs, spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit)) {
      try {
        await this.deleteJob(s, job.metadata.name ?? "");
      } catch (err) {
        firstError ??= err;
        continue;
      }
      const active = s.status.active;
      const i = active?.findIndex((r) => r.uid === job.metadata.uid) ?? -1;
      if (active && i !== -1) active.splice(i, 1);
      if (active?.length === 0) delete s.status.active;
    }
    return firstError;
  }
}

function scheduleState(s: SyncState): ScheduleState {
  const created = Date.parse(s.stored.metadata.creationTimestamp ?? "");
  const last = s.status.lastScheduleTime === undefined ? NaN : Date.parse(s.status.lastScheduleTime);
  const state: ScheduleState = { createdMs: Number.isNaN(created) ? s.nowMs : created };
  if (!Number.isNaN(last)) state.lastScheduleMs = last;
  if (s.cronJob.spec.startingDeadlineSeconds !== undefined) state.startingDeadlineSeconds = s.cronJob.spec.startingDeadlineSeconds;
  return state;
}

/** lastScheduleTime only moves forward. */
function recordScheduled(s: SyncState, scheduledMs: number): void {
  const last = s.status.lastScheduleTime;
  if (last === undefined || Date.parse(last) < scheduledMs) s.status.lastScheduleTime = rfc3339(scheduledMs);
}

function statusChanged(old: CronJobStatus | undefined, next: CronJobStatus): boolean {
  return (
    old?.lastScheduleTime !== next.lastScheduleTime ||
    old?.lastSuccessfulTime !== next.lastSuccessfulTime ||
    JSON.stringify(old?.active ?? []) !== JSON.stringify(next.active ?? [])
  );
}
