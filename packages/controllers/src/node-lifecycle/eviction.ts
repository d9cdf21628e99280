// When a pod must leave a node because of the node's NoExecute taints, after
// Kubernetes' taint eviction (pkg/controller/tainteviction): a taint the pod does not
// tolerate evicts it at once, a toleration with tolerationSeconds lets it stay that
// long, one without lets it stay for ever; the shortest stay wins. Unlike
// Kubernetes the clock runs from the taint's timeAdded, not from when a controller
// first noticed the pod, so a restarted master picks up where the last one was.
import { tolerationToleratesTaint, type Taint, type Toleration } from "@bosun/api";
import { isNodeHealthTaint } from "./taints.js";

export interface TaintSince {
  taint: Taint;
  /** When the taint was put on the node (its timeAdded), in ms. */
  sinceMs: number;
}

/**
 * The time (ms) from which the pod is to be evicted, or undefined when its
 * tolerations let it stay for ever. `defaultTimeoutMs` stands in for the
 * not-ready/unreachable tolerations Kubernetes' DefaultTolerationSeconds admission
 * gives every pod (300 s there): a pod without its own toleration for those taints
 * is evicted that long after the taint appeared.
 */
export function evictionTime(
  tolerations: readonly Toleration[] | undefined,
  noExecuteTaints: readonly TaintSince[],
  defaultTimeoutMs: number,
): number | undefined {
  let earliest: number | undefined;
  for (const { taint, sinceMs } of noExecuteTaints) {
    // As in Kubernetes, the first toleration that matches a taint is the one used.
    const toleration = (tolerations ?? []).find((t) => tolerationToleratesTaint(t, taint));
    let stayMs: number;
    if (toleration === undefined) stayMs = isNodeHealthTaint(taint) ? defaultTimeoutMs : 0;
    else if (toleration.tolerationSeconds === undefined) continue;
    else stayMs = Math.max(0, toleration.tolerationSeconds) * 1000;
    const at = sinceMs + stayMs;
    if (earliest === undefined || at < earliest) earliest = at;
  }
  return earliest;
}
