// The TTL-after-finished controller (pkg/controller/ttlafterfinished): deletes a
// finished Job once spec.ttlSecondsAfterFinished has passed since it finished, with
// background propagation so its pods go with it. It wakes exactly when a TTL
// expires rather than polling.
import { mustResource, type Job } from "@bosun/api";
import { createLogger, isNotFound, objectKey, type Informer } from "@bosun/client";
import { QueueController, RequeueAt, type ControllerContext } from "../common/index.js";
import { finishedCondition } from "./conditions.js";

const log = createLogger("controllers/ttl-after-finished");
const jobsResource = mustResource("jobs");

/**
 * When a finished Job with a TTL may be deleted (ms since epoch); undefined when it
 * has no TTL, is not finished, is already being deleted, or has no finish time.
 */
export function ttlExpiresAt(job: Job): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || job.metadata.deletionTimestamp) return undefined;
  const finishedAt = Date.parse(finishedCondition(job)?.lastTransitionTime ?? "");
  return Number.isNaN(finishedAt) ? undefined : finishedAt + ttl * 1000;
}

export interface TtlAfterFinishedControllerOptions {
  workers?: number;
}

export class TtlAfterFinishedController extends QueueController {
  readonly name = "ttl-after-finished";
  private readonly jobs: Informer<Job>;
  private readonly requeue = new RequeueAt(this.queue, this.now);

  constructor(ctx: ControllerContext, opts: TtlAfterFinishedControllerOptions = {}) {
    super(ctx, opts.workers ?? 2);
    this.jobs = ctx.informers.for<Job>(jobsResource);
    const enqueue = (job: Job): void => {
      if (ttlExpiresAt(job) !== undefined) this.queue.add(objectKey(job));
    };
    this.jobs.onAdd(enqueue).onUpdate((_, job) => enqueue(job));
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.jobs.get(key);
    const cachedExpiry = cached && ttlExpiresAt(cached);
    if (!cached || cachedExpiry === undefined) {
      this.requeue.forget(key);
      return;
    }
    if (this.now() < cachedExpiry) {
      this.requeue.at(key, cachedExpiry);
      return;
    }
    // The cache may be behind: someone may have raised the TTL, or replaced the Job.
    let fresh: Job;
    try {
      fresh = await this.ctx.client.get<Job>(jobsResource, cached.metadata.name ?? "", cached.metadata.namespace);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const expiry = ttlExpiresAt(fresh);
    if (expiry === undefined) return;
    if (this.now() < expiry) {
      this.requeue.at(key, expiry);
      return;
    }
    try {
      await this.ctx.client.delete(jobsResource, fresh.metadata.name ?? "", {
        namespace: fresh.metadata.namespace,
        propagationPolicy: "Background",
        preconditions: { uid: fresh.metadata.uid ?? "", resourceVersion: fresh.metadata.resourceVersion ?? "" },
      });
      log.info({ job: key }, "deleted finished job whose ttlSecondsAfterFinished expired");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
