// Stopping a pod: its containers' preStop hooks run, its app containers get SIGTERM
// and their grace period, then its sidecars, then its infra container goes, and
// everything is removed. The containers' final state is kept first, for the pod's
// last status report. An evicted pod's containers are only
// stopped: they stay, with their logs, until the pod is deleted.
import type { Pod } from "@bosun/api";
import { createLogger } from "@bosun/client";
import type { ContainerSummary } from "../runtime/runtime.js";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, terminationGraceOf } from "../labels.js";
import type { PodContext } from "./context.js";
import { DEFAULT_GRACE_SECONDS, graceSeconds } from "./grace.js";
import { podIdentity, podKey } from "./identity.js";
import { killContainer } from "./kill-container.js";
import { TerminationOrder } from "./termination-order.js";
import type { PodObserver } from "./observe.js";

const log = createLogger("agent/pod-worker");

/**
 * Stops the pod's running containers (preStop hooks, SIGTERM, the grace period,
 * SIGKILL; sidecars after the app containers, termination-order.ts), then its infra
 * container; `graceOverride` replaces the pod's grace period (an eviction's).
 */
export async function stopPodContainers(ctx: PodContext, containers: ContainerSummary[], pod: Pod | undefined, graceOverride?: number): Promise<void> {
  const { runtime } = ctx.deps;
  // A pod the agent never heard of since it restarted: its containers remember the grace period.
  const graceOf = (c: ContainerSummary) => graceOverride ?? (pod ? graceSeconds(pod) : (terminationGraceOf(c.labels) ?? DEFAULT_GRACE_SECONDS));
  const id = pod ? podIdentity(pod) : undefined;
  const nameOf = (c: ContainerSummary) => c.labels[LABEL_CONTAINER_NAME] ?? "";
  const running = containers.filter((c) => nameOf(c) !== INFRA_CONTAINER_NAME && c.state === "running");
  const infras = containers.filter((c) => nameOf(c) === INFRA_CONTAINER_NAME);
  const specs = pod ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers] : [];
  const order = new TerminationOrder(pod, running.map(nameOf));
  await Promise.all(
    running.map(async (c) => {
      const name = nameOf(c);
      if (id) ctx.event(id, "Normal", "Killing", `Stopping container ${name}`, name);
      try {
        await killContainer(ctx, {
          pod,
          spec: specs.find((s) => s.name === name),
          containerId: c.id,
          graceSeconds: graceOf(c),
          exactGrace: true,
          waitTurn: (ms) => order.waitForTurn(name, ms),
        });
      } finally {
        order.markStopped(name);
      }
    }),
  );
  const infraGrace = graceOverride ?? (pod ? graceSeconds(pod) : DEFAULT_GRACE_SECONDS);
  await Promise.all(infras.filter((c) => c.state === "running").map((c) => runtime.stopContainer(c.id, infraGrace)));
  for (const c of containers) ctx.inspectCache.delete(c.id);
}

/** Stops the pod's containers (stopPodContainers), then removes them all. */
export async function teardownPod(ctx: PodContext, observer: PodObserver, containers: ContainerSummary[], pod: Pod | undefined): Promise<void> {
  if (containers.length === 0) return;
  const { runtime } = ctx.deps;
  const id = pod ? podIdentity(pod) : undefined;
  await stopPodContainers(ctx, containers, pod);
  if (pod) await observer.rememberTerminal(pod);
  await Promise.all(containers.map((c) => runtime.removeContainer(c.id)));
  for (const c of containers) ctx.inspectCache.delete(c.id);
  ctx.forgetContainers();
  log.info({ pod: id ? podKey(id) : ctx.uid, containers: containers.length }, "stopped and removed the pod's containers");
}
