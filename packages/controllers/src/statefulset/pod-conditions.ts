// The pod predicates a StatefulSet orders its work by (stateful_set_utils.go).
import type { Pod } from "@bosun/api";
import { isPodAvailable, isPodReady } from "../common/index.js";

export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp;
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && isPodReady(pod);
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  return pod.status?.phase === "Running" && isPodAvailable(pod, minReadySeconds, nowMs);
}

/** Running, ready and not on its way out. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
