// The worker loop of a client-go controller: take a key, sync it, forget its
// failures on success, back off and retry on error. The queue guarantees one worker
// per key at a time.
import { createLogger, type WorkQueue } from "@bosun/client";
import { errorMessage } from "./error-message.js";

export interface Workers {
  /** Resolves when every worker has returned after the queue shut down. */
  done: Promise<void>;
}

export function runWorkers(name: string, queue: WorkQueue<string>, count: number, sync: (key: string) => Promise<void>): Workers {
  const log = createLogger(`controllers/${name}`);
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        log.warn({ key, err: errorMessage(err) }, "sync failed; retrying with backoff");
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  return { done: Promise.all(Array.from({ length: count }, worker)).then(() => undefined) };
}
