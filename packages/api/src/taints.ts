// Taints and tolerations with Kubernetes' matching rules (k8s.io/api/core/v1
// Toleration.ToleratesTaint and pkg/apis/core/v1/helper), shared by the scheduler,
// the node lifecycle controller and the DaemonSet controller so all three agree on
// which pod may run where.
import type { Taint, Toleration } from "./types/core.js";

/** The taints Kubernetes' node lifecycle controller manages, by their well-known keys. */
export const taintKeys = {
  notReady: "node.kubernetes.io/not-ready",
  unreachable: "node.kubernetes.io/unreachable",
  unschedulable: "node.kubernetes.io/unschedulable",
  memoryPressure: "node.kubernetes.io/memory-pressure",
  diskPressure: "node.kubernetes.io/disk-pressure",
  pidPressure: "node.kubernetes.io/pid-pressure",
  networkUnavailable: "node.kubernetes.io/network-unavailable",
} as const;

/**
 * An empty effect matches every effect; an empty key with operator Exists matches
 * every key; Equal (the default operator) also compares values, where an absent
 * value equals the empty one.
 */
export function tolerationToleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => tolerationToleratesTaint(t, taint));
}

/**
 * The first taint that passes `filter` (all taints without one) and that no
 * toleration tolerates, or undefined when the pod tolerates every such taint.
 */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter: (taint: Taint) => boolean = () => true,
): Taint | undefined {
  return (taints ?? []).find((taint) => filter(taint) && !tolerationsTolerateTaint(tolerations, taint));
}

/** "key=value:Effect", or "key:Effect" without a value, as kubectl prints a taint. */
export function formatTaint(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect}`;
}
