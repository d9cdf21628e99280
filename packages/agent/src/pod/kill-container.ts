// Stopping one container as the kubelet's killContainer does: its preStop hook runs
// first, within the grace period; what the hook used is taken from the grace period
// that SIGTERM then gets (at least 2 s when no one asked for a shorter one, so that a
// slow hook does not turn into an instant SIGKILL); then SIGKILL. A sidecar may have
// to wait its turn between the hook and SIGTERM (termination-order.ts).
import type { Container, Pod } from "@bosun/api";
import { createLogger } from "@bosun/client";
import type { PodContext } from "./context.js";
import { podIdentity, podKey } from "./identity.js";
import { runLifecycleHandler } from "./lifecycle-hooks.js";

const log = createLogger("agent/pod-kill");

/** The kubelet's minimumGracePeriodInSeconds. */
export const MINIMUM_GRACE_SECONDS = 2;

export interface KillRequest {
  /** The pod, when the agent knows it (an orphan's containers have no spec to run hooks from). */
  pod: Pod | undefined;
  spec: Container | undefined;
  containerId: string;
  graceSeconds: number;
  /** The grace period was asked for (a deletion's, an eviction's): it is kept even below the minimum. */
  exactGrace?: boolean;
  /** Resolves when the container may get SIGTERM (its turn); given the seconds left. */
  waitTurn?: (remainingMs: number) => Promise<void>;
  /** Ends a preStop sleep, or an exec preStop hook's wait for its turn, early. */
  signal?: AbortSignal;
}

export async function killContainer(ctx: PodContext, req: KillRequest): Promise<void> {
  const { runtime, execs } = ctx.deps;
  const started = ctx.now();
  let grace = req.graceSeconds;
  const preStop = req.spec?.lifecycle?.preStop;
  if (preStop && req.pod && req.spec && grace > 0) {
    const { pod, spec } = req;
    // The grace period bounds the hook's wait for an exec slot too: a hook still
    // queued behind others when it is over gives up rather than run after SIGTERM.
    const graceOver = new AbortController();
    const signal = req.signal ? AbortSignal.any([req.signal, graceOver.signal]) : graceOver.signal;
    const run = runLifecycleHandler(execs, preStop, { pod, container: spec, containerId: req.containerId, podIP: ctx.podIP }, grace * 1000, signal).then(
      (result) => {
        if (result.ok) return;
        if (graceOver.signal.aborted) {
          // As the kubelet: a hook that outlived the grace period is only logged.
          log.info({ pod: podKey(podIdentity(pod)), container: spec.name, message: result.message }, "the preStop hook did not complete within the grace period");
          return;
        }
        log.warn({ pod: podKey(podIdentity(pod)), container: spec.name, message: result.message }, "the preStop hook failed");
        // As the kubelet: the hook's output stays out of the event, which anyone may read.
        ctx.event(podIdentity(pod), "Warning", "FailedPreStopHook", "PreStopHook failed", spec.name);
      },
    );
    // The hook gets the grace period at most; a hook still running then is left behind.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([run, new Promise<void>((resolve) => (timer = setTimeout(resolve, grace * 1000)))]);
    clearTimeout(timer);
    graceOver.abort();
    grace -= Math.floor((ctx.now() - started) / 1000);
  }
  if (req.waitTurn && grace > 0) {
    const before = ctx.now();
    await req.waitTurn(grace * 1000);
    grace -= Math.floor((ctx.now() - before) / 1000);
  }
  if (!req.exactGrace) grace = Math.max(grace, MINIMUM_GRACE_SECONDS);
  await runtime.stopContainer(req.containerId, Math.max(0, grace));
  ctx.inspectCache.delete(req.containerId);
}
