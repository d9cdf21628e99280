// Which taints a node's conditions and spec.unschedulable call for, after Kubernetes'
// doNoScheduleTaintingPass and doNoExecuteTaintingPass, and how to bring a node's
// taint list there without touching taints that someone else put on it.
import { nodeReadyCondition, taintKeys, type Node, type Taint } from "@bosun/api";

type ConditionStatus = "True" | "False" | "Unknown";

/** Node condition -> the condition status that calls for a NoSchedule taint -> its key. */
const conditionTaints: Record<string, Partial<Record<ConditionStatus, string>>> = {
  Ready: { False: taintKeys.notReady, Unknown: taintKeys.unreachable },
  MemoryPressure: { True: taintKeys.memoryPressure },
  DiskPressure: { True: taintKeys.diskPressure },
  PIDPressure: { True: taintKeys.pidPressure },
  NetworkUnavailable: { True: taintKeys.networkUnavailable },
};

const noScheduleKeys = new Set<string>([...Object.values(conditionTaints).flatMap((m) => Object.values(m)), taintKeys.unschedulable]);
const noExecuteKeys = new Set<string>([taintKeys.notReady, taintKeys.unreachable]);

/** Whether this controller owns the taint: it adds and removes such taints as conditions change. */
export function isControllerTaint(taint: Taint): boolean {
  if (taint.effect === "NoSchedule") return noScheduleKeys.has(taint.key);
  if (taint.effect === "NoExecute") return noExecuteKeys.has(taint.key);
  return false;
}

/** The not-ready or unreachable NoExecute taint: the node's pods are evicted after a while. */
export function isNodeHealthTaint(taint: Taint): boolean {
  return taint.effect === "NoExecute" && noExecuteKeys.has(taint.key);
}

export interface DesiredTaintOptions {
  /**
   * Whether NoExecute taints may be added. Off when every node is unready: then the
   * fault is more likely the master's network than every node at once, and evicting
   * everything would only make it worse (Kubernetes' full-disruption mode).
   */
  noExecute: boolean;
}

/** The taints (without timeAdded) this controller wants on the node now. */
export function desiredControllerTaints(node: Node, opts: DesiredTaintOptions): Taint[] {
  const taints: Taint[] = [];
  for (const condition of node.status?.conditions ?? []) {
    const key = conditionTaints[condition.type]?.[condition.status as ConditionStatus];
    if (key) taints.push({ key, effect: "NoSchedule" });
  }
  if (node.spec?.unschedulable) taints.push({ key: taintKeys.unschedulable, effect: "NoSchedule" });
  if (opts.noExecute) {
    const ready = nodeReadyCondition(node)?.status;
    if (ready === "False") taints.push({ key: taintKeys.notReady, effect: "NoExecute" });
    if (ready === "Unknown") taints.push({ key: taintKeys.unreachable, effect: "NoExecute" });
  }
  return taints;
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * The node's taints with the controller's brought to `desired`: taints of other
 * owners stay as they are, controller taints still wanted keep their timeAdded (the
 * eviction clock runs from it), new ones are stamped `nowIso`. Undefined when
 * nothing changes, so the caller writes nothing.
 */
export function reconcileTaints(current: readonly Taint[] | undefined, desired: readonly Taint[], nowIso: string): Taint[] | undefined {
  const existing = current ?? [];
  const kept = existing.filter((t) => !isControllerTaint(t) || desired.some((d) => sameTaint(d, t)));
  const added = desired
    .filter((d) => !existing.some((t) => sameTaint(d, t)))
    .map((d) => ({ ...d, timeAdded: nowIso }));
  if (added.length === 0 && kept.length === existing.length) return undefined;
  return [...kept, ...added];
}

/** Whether the taints say the node is not ready (either Ready taint, any effect). */
export function hasNotReadyTaint(taints: readonly Taint[] | undefined): boolean {
  return (taints ?? []).some((t) => t.key === taintKeys.notReady || t.key === taintKeys.unreachable);
}
