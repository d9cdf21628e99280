// What a controller of the usual shape shares with every other: a work queue of
// "ns/name" keys, the clock it reads, and workers that sync keys from run() until
// stop(). A subclass registers its informer handlers in its constructor and says
// what one sync of a key does.
import { WorkQueue } from "@bosun/client";
import type { Controller, ControllerContext } from "./controller.js";
import { runWorkers, type Workers } from "./workers.js";

export abstract class QueueController implements Controller {
  abstract readonly name: string;
  protected readonly queue = new WorkQueue<string>();
  protected readonly now: () => number;
  private workers: Workers | undefined;

  constructor(
    protected readonly ctx: ControllerContext,
    private readonly workerCount: number,
  ) {
    this.now = ctx.now ?? Date.now;
  }

  async run(): Promise<void> {
    this.workers = runWorkers(this.name, this.queue, this.workerCount, (key) => this.sync(key));
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.workers?.done;
  }

  /** Brings the object of `key` in line; a throw retries the key with backoff. */
  protected abstract sync(key: string): Promise<void>;
}
