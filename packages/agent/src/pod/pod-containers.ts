// All of a pod's containers brought to their state inside its running sandbox, in
// the kubelet's order: the init containers whose turn it is (init-containers.ts),
// then, once the pod is initialized, the app containers, then the ephemeral ones
// (ephemeral-containers.ts). Each container's own work
// (restart, back-off, hooks) is ContainerSync's.
import type { Pod } from "@bosun/api";
import type { ContainerDetails, ContainerSummary } from "../runtime/runtime.js";
import { restartPolicyOf, shouldRestart } from "./backoff.js";
import type { ContainerSync } from "./containers.js";
import type { PodContext } from "./context.js";
import { syncEphemeralContainers } from "./ephemeral-containers.js";
import { planInitContainers } from "./init-containers.js";
import type { ContainerObservation, Waiting } from "./status.js";

export interface PodContainersInput {
  pod: Pod;
  /** The pod's containers by spec name, newest instance first. */
  byName: Map<string, ContainerSummary[]>;
  detailOf: (c: ContainerSummary | undefined) => ContainerDetails | undefined;
  observations: Map<string, ContainerObservation>;
  infraId: string;
  /** When the running sandbox was made (ms); Infinity when it was made in this sync. */
  sandboxCreatedMs: number;
  /** Instances this sync stopped with their old sandbox: they run again at once. */
  killed: ReadonlySet<string>;
  infraStarted: Promise<void>;
  podIPs: () => Promise<string[]>;
  /** The pod is done: no init container starts any more. */
  finished: boolean;
}

export interface PodContainersResult {
  /** Why containers wait, by name. */
  waiting: Map<string, Waiting>;
  /** A plain init container failed under restartPolicy Never: the pod has failed. */
  initFailed: boolean;
}

export async function syncPodContainers(ctx: PodContext, sync: ContainerSync, input: PodContainersInput): Promise<PodContainersResult> {
  const { pod, byName, detailOf, observations, sandboxCreatedMs, killed } = input;
  const waiting = new Map<string, Waiting>();
  const isStale = (d: ContainerDetails) => Date.parse(d.createdAt) < sandboxCreatedMs;
  const plan = planInitContainers({
    pod,
    containers: observations,
    isStale,
    started: (spec, id) => ctx.deps.probes.health(spec, id).started,
  });
  const startsBefore = sync.starts;
  const syncOne = async (spec: Pod["spec"]["containers"][number]) => {
    const policy = restartPolicyOf(pod, spec);
    const restartNow = (c: ContainerSummary, exitCode: number) => {
      if (killed.has(c.id)) return true;
      const d = detailOf(c);
      if (d === undefined || !isStale(d)) return false;
      // An instance of an earlier sandbox: an init container runs again to initialize
      // the new one; an app container as its restart policy says.
      return isInit(pod, spec.name) || shouldRestart(policy, exitCode);
    };
    const w = await sync.sync({
      pod,
      spec,
      policy,
      instances: byName.get(spec.name) ?? [],
      detailOf,
      infraId: input.infraId,
      restartNow,
      infraStarted: input.infraStarted,
      podIPs: input.podIPs,
    });
    if (w) waiting.set(spec.name, w);
  };
  if (!input.finished) for (const spec of plan.toSync) await syncOne(spec);
  if (plan.initialized) for (const spec of pod.spec.containers) await syncOne(spec);
  if (plan.initialized && !input.finished) {
    for (const [name, w] of await syncEphemeralContainers(sync, input)) waiting.set(name, w);
  }
  // The next init container waits for this one: look again once it runs, not a resync later.
  if (!plan.initialized && sync.starts > startsBefore) ctx.trigger();
  return { waiting, initFailed: plan.failed };
}

function isInit(pod: Pod, name: string): boolean {
  return (pod.spec.initContainers ?? []).some((c) => c.name === name);
}
