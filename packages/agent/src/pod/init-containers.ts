// Which of a pod's init containers to bring to their state now, after the kubelet's
// computeInitContainerActions: plain init containers run one at a time, in order,
// each to success before the next; a sidecar (restartPolicy Always) starts in its
// turn, the next one waits until it counts as started (its startup probe passed), and
// it keeps running, restarted when it exits, beside the app containers. A pure
// function of what the runtime shows, so it is tested without Docker.
import { isSidecar, type Container, type Pod } from "@bosun/api";
import type { ContainerDetails } from "../runtime/runtime.js";
import { restartPolicyOf } from "./backoff.js";
import { effectiveExitCode, isExited, type ContainerObservation } from "./status.js";

export interface InitPlan {
  /**
   * Every init container has done its part (plain ones succeeded, sidecars started),
   * or app containers already run in this sandbox: the app containers may run.
   */
  initialized: boolean;
  /** The init containers to sync now (start, restart with back-off, or keep running), in order. */
  toSync: Container[];
  /** A plain init container failed and the pod's restartPolicy is Never: the pod has failed. */
  failed: boolean;
}

export interface InitPlanInput {
  pod: Pod;
  containers: Map<string, ContainerObservation>;
  /**
   * An instance made for an earlier sandbox: its run did not initialize this one, so
   * it counts as never having run (the kubelet runs init containers again in a new sandbox).
   */
  isStale: (d: ContainerDetails) => boolean;
  /** Whether the running instance counts as started (its startup probe passed, or it has none). */
  started: (spec: Container, containerId: string) => boolean;
}

export function planInitContainers(input: InitPlanInput): InitPlan {
  const { pod, containers, isStale, started } = input;
  const current = (name: string): ContainerDetails | undefined => {
    const cur = containers.get(name)?.current;
    return cur && !isStale(cur) ? cur : undefined;
  };
  // App containers that run (or were made) in this sandbox mean it was initialized;
  // plain init containers never run again then, even if their instances are gone.
  let initialized = pod.spec.containers.some((c) => {
    const cur = current(c.name);
    return cur !== undefined && !isExited(cur);
  });
  const toSync: Container[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    const cur = current(c.name);
    if (isSidecar(c)) {
      toSync.push(c);
      if (initialized) continue;
      if (cur?.running && started(c, cur.id)) continue;
      return { initialized: false, toSync, failed: false };
    }
    if (initialized) continue;
    if (isExited(cur)) {
      const exitCode = effectiveExitCode(cur);
      if (exitCode === 0) continue;
      if (restartPolicyOf(pod, c) === "Never") return { initialized: false, toSync: [], failed: true };
    }
    toSync.push(c);
    return { initialized: false, toSync, failed: false };
  }
  initialized = true;
  return { initialized, toSync, failed: false };
}
