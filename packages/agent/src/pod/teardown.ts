// Stopping a pod: its app containers get SIGTERM and their grace period, then its
// infra container goes, and everything is removed. The containers' final state is
// kept first, for the pod's last status report. An evicted pod's containers are only
// stopped: they stay, with their logs, until the pod is deleted.
import type { Pod } from "@bosun/api";
import { createLogger } from "@bosun/client";
import type { ContainerSummary } from "../runtime/runtime.js";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, terminationGraceOf } from "../labels.js";
import type { PodContext } from "./context.js";
import { DEFAULT_GRACE_SECONDS, graceSeconds } from "./grace.js";
import { podIdentity, podKey } from "./identity.js";
import type { PodObserver } from "./observe.js";

const log = createLogger("agent/pod-worker");

/**
 * Stops the pod's running containers (SIGTERM, the grace period, SIGKILL), then its
 * infra container; `graceOverride` replaces the pod's grace period (an eviction's).
 */
export async function stopPodContainers(ctx: PodContext, containers: ContainerSummary[], pod: Pod | undefined, graceOverride?: number): Promise<void> {
  const { runtime } = ctx.deps;
  // A pod the agent never heard of since it restarted: its containers remember the grace period.
  const graceOf = (c: ContainerSummary) => graceOverride ?? (pod ? graceSeconds(pod) : (terminationGraceOf(c.labels) ?? DEFAULT_GRACE_SECONDS));
  const id = pod ? podIdentity(pod) : undefined;
  const apps = containers.filter((c) => c.labels[LABEL_CONTAINER_NAME] !== INFRA_CONTAINER_NAME);
  const infras = containers.filter((c) => c.labels[LABEL_CONTAINER_NAME] === INFRA_CONTAINER_NAME);
  await Promise.all(
    apps
      .filter((c) => c.state === "running")
      .map(async (c) => {
        const name = c.labels[LABEL_CONTAINER_NAME] ?? "";
        if (id) ctx.event(id, "Normal", "Killing", `Stopping container ${name}`, name);
        await runtime.stopContainer(c.id, graceOf(c));
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
