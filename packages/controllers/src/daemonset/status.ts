// DaemonSet status as Kubernetes counts it (pkg/controller/daemon updateDaemonSetStatus):
// per node that should run the pod, whether it has one, and whether the oldest is
// ready, available and of the current template.
import { isPodAvailable, isPodReady } from "../common/index.js";
import type { DaemonSetStatus, Pod } from "@bosun/api";
import { oldestFirst, revisionLabel, type NodeState } from "./node-plan.js";

export type DaemonSetCounts = Required<
  Pick<
    DaemonSetStatus,
    | "desiredNumberScheduled"
    | "currentNumberScheduled"
    | "numberMisscheduled"
    | "numberReady"
    | "updatedNumberScheduled"
    | "numberAvailable"
    | "numberUnavailable"
  >
>;

export function computeDaemonSetCounts(
  nodes: readonly NodeState[],
  podsByNode: ReadonlyMap<string, readonly Pod[]>,
  hash: string,
  minReadySeconds: number,
  nowMs: number,
): DaemonSetCounts {
  const c: DaemonSetCounts = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
  for (const node of nodes) {
    const pods = podsByNode.get(node.name) ?? [];
    if (!node.placement.shouldRun) {
      if (pods.length > 0) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    const pod = oldestFirst(pods)[0];
    if (!pod) continue;
    c.currentNumberScheduled++;
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) c.numberAvailable++;
    }
    if (pod.metadata.labels?.[revisionLabel] === hash) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/** The status to write, or undefined when the stored one already says it. */
export function nextDaemonSetStatus(
  current: DaemonSetStatus | undefined,
  counts: DaemonSetCounts,
  observedGeneration: number | undefined,
): DaemonSetStatus | undefined {
  const next: DaemonSetStatus = { ...(current ?? {}), ...counts };
  if (observedGeneration !== undefined) next.observedGeneration = observedGeneration;
  const unchanged =
    current !== undefined &&
    (Object.keys(counts) as (keyof DaemonSetCounts)[]).every((k) => current[k] === counts[k]) &&
    current.observedGeneration === next.observedGeneration;
  return unchanged ? undefined : next;
}
