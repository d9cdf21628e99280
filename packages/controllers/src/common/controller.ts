// What every controller is given and what the controller manager asks of it.
// Controllers are clients of the public API like any user (principle 2 in docs/architecture.md): they
// read through shared informers and write through the REST client.
import type { ApiClient, EventRecorder, SharedInformers } from "@bosun/client";

export interface ControllerContext {
  client: ApiClient;
  /** Register handlers in the constructor; the manager starts the informers afterwards. */
  informers: SharedInformers;
  recorder: EventRecorder;
  /** The clock, so tests can move time. */
  now?: () => number;
}

export interface Controller {
  readonly name: string;
  /** Starts the workers once the informers are synced; resolves when they have started. */
  run(): Promise<void>;
  /** Stops the workers; a sync in progress finishes first. */
  stop(): Promise<void>;
}
