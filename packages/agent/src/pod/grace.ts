// How long a pod's containers get between SIGTERM and SIGKILL.
import type { Pod } from "@bosun/api";

export const DEFAULT_GRACE_SECONDS = 30;

export function graceSeconds(pod: Pod | undefined): number {
  return pod?.metadata.deletionGracePeriodSeconds ?? pod?.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}
