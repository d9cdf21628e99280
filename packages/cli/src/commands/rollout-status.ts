// bosun rollout status: print the rollout's progress as it changes, watching the
// object, until it is done (exit 0), cannot finish (exit 1), or the timeout passes.
import type { KubeObject, Status } from "@bosun/api";
import { ApiError, sleep, type ApiClient } from "@bosun/client";
import { CliError, groupKind, type Target } from "../context.js";
import { statusViewerFor } from "../rollout/status-viewer.js";

export interface RolloutStatusOptions {
  namespace: string;
  /** Keep watching until done; false prints the current status once. */
  watch: boolean;
  /** Give up after this long; 0 waits as long as it takes. */
  timeoutMs: number;
  /** Fail unless the Deployment is at this revision; 0 follows the latest. */
  revision: number;
  out: (line: string) => void;
}

export async function runRolloutStatus(client: ApiClient, targets: readonly Target[], opts: RolloutStatusOptions): Promise<number> {
  if (opts.revision < 0) throw new CliError(`revision must be a positive integer: ${opts.revision}`);
  if (targets.length !== 1) {
    throw new CliError(`rollout status is only supported on individual resources and resource collections - ${targets.length} resources were found`);
  }
  const target = targets[0]!;
  const { res, name } = target;
  const viewer = statusViewerFor(res.kind);
  if (!viewer) throw new CliError(`no status viewer has been implemented for ${groupKind(res)}`);

  const abort = new AbortController();
  const timer = opts.timeoutMs > 0 ? setTimeout(() => abort.abort(), opts.timeoutMs) : undefined;
  let last: string | undefined;
  // Prints the status when it says something new; answers whether the rollout is done.
  const show = (obj: KubeObject): boolean => {
    const { message, done } = viewer(obj, opts.revision);
    if (message !== last) opts.out(message);
    last = message;
    return done;
  };
  const timedOut = () => new CliError("timed out waiting for the condition");
  try {
    for (;;) {
      const obj = await client.get(res, name, opts.namespace);
      if (show(obj) || !opts.watch) return 0;
      if (abort.signal.aborted) throw timedOut();
      try {
        for await (const event of client.watch(res, {
          namespace: opts.namespace,
          fieldSelector: `metadata.name=${name}`,
          ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
          signal: abort.signal,
        })) {
          if (event.type === "ERROR") {
            const status = event.object as unknown as Status;
            // Changes were compacted away: read the object afresh.
            if (status.code === 410) break;
            throw new ApiError(status);
          }
          if (event.type === "BOOKMARK") continue;
          // Never follow a new object of the same name without saying so.
          if (event.type === "DELETED") throw new CliError("object has been deleted");
          if (show(event.object)) return 0;
        }
      } catch (err) {
        if (abort.signal.aborted) throw timedOut();
        if (!(err instanceof ApiError && err.code === 410)) throw err;
      }
      if (abort.signal.aborted) throw timedOut();
      // The server ended the watch (its own timeout): read again and resume, without spinning.
      await sleep(200, abort.signal);
    }
  } finally {
    clearTimeout(timer);
  }
}
