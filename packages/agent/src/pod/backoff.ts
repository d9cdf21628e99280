// The kubelet's back-off for container restarts and image pulls: 10s doubling to 5
// minutes, forgotten once a container has run (or a pull has not been retried) for
// twice the maximum. One KeyedBackoff serves both, keyed "<uid>/<container>" for
// restarts and "<uid>/<container>/pull" for pulls.
import { formatDuration, isSidecar, type Container, type Pod, type RestartPolicy } from "@bosun/api";
import { KeyedBackoff } from "@bosun/client";
import { formatPod, type PodIdentity } from "./identity.js";

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

export class ContainerBackoff extends KeyedBackoff {
  constructor(now: () => number = Date.now) {
    super({ initialMs: BACKOFF_INITIAL_MS, maxMs: BACKOFF_MAX_MS, now });
  }
}

/**
 * The restart policy that applies to one container of the pod: a sidecar always
 * restarts; a plain init container restarts on failure unless the pod's policy is
 * Never (it must succeed once); an app container follows the pod's policy.
 */
export function restartPolicyOf(pod: Pod, container: Container): RestartPolicy {
  const podPolicy = pod.spec.restartPolicy ?? "Always";
  if (!(pod.spec.initContainers ?? []).some((c) => c.name === container.name)) return podPolicy;
  if (isSidecar(container)) return "Always";
  return podPolicy === "Never" ? "Never" : "OnFailure";
}

/** Whether a container that exited with exitCode is to run again under the pod's restartPolicy. */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number): boolean {
  switch (policy ?? "Always") {
    case "Always":
      return true;
    case "OnFailure":
      return exitCode !== 0;
    case "Never":
      return false;
  }
}

/** The kubelet's CrashLoopBackOff message, the delay written as Go writes durations. */
export function crashLoopMessage(delayMs: number, container: string, pod: PodIdentity): string {
  return `back-off ${formatDuration(delayMs)} restarting failed container=${container} pod=${formatPod(pod)}`;
}
