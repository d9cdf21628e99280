// What a StatefulSet does next (pkg/controller/statefulset stateful_set_control.go
// updateStatefulSet), as a list of actions. OrderedReady ("monotonic") stops at the
// first pod that is missing, not yet Running and Ready, or terminating: pod i is
// only created once 0..i-1 are all Running and Ready, and scale-down removes the
// highest ordinal first, one at a time. Parallel acts on every ordinal at once. The
// rolling update deletes, one at a time from the highest ordinal down to the
// partition, the pod whose revision is not the update revision, once everything
// else is healthy; manage then recreates it from the new template. Pure.
import type { Pod } from "@bosun/api";
import { isHealthy, isRunningAndAvailable, isRunningAndReady, isTerminating } from "./pod-conditions.js";
import { ordinalOf } from "./identity.js";
import { revisionOf } from "./revisions.js";

export type SetAction =
  /** Create the pod at `ordinal` from the current or the update revision's template. */
  | { kind: "create"; ordinal: number; revision: "current" | "update" }
  | { kind: "delete"; ordinal: number; pod: Pod; reason: "failed" | "succeeded" | "condemned" | "update" }
  /** Put back the identity labels of a pod (an adopted orphan). */
  | { kind: "fixIdentity"; ordinal: number; pod: Pod };

export interface SetPlanInput {
  setName: string;
  replicas: number;
  monotonic: boolean;
  rollingUpdate: boolean;
  partition: number;
  minReadySeconds: number;
  /** The set's pods (members only). */
  pods: readonly Pod[];
  updateRevision: string;
  /** Whether the pod at `ordinal` has the identity labels of that ordinal. */
  identityMatches: (pod: Pod) => boolean;
  nowMs: number;
}

export function planStatefulSet(input: SetPlanInput): SetAction[] {
  const { replicas: count, monotonic } = input;
  const replicas: (Pod | undefined)[] = Array.from({ length: count }, () => undefined);
  const condemned: { ordinal: number; pod: Pod }[] = [];
  for (const pod of input.pods) {
    const ordinal = ordinalOf(input.setName, pod);
    if (ordinal < 0) continue;
    if (ordinal < count) replicas[ordinal] = pod;
    else condemned.push({ ordinal, pod });
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  // Scale-down may remove the one unhealthy pod even in order: waiting for it could be for ever.
  const firstUnhealthy =
    replicas.find((p) => p === undefined || !isHealthy(p)) === undefined
      ? [...condemned].reverse().find((c) => !isHealthy(c.pod))?.pod
      : undefined;
  const available = (pod: Pod): boolean => isRunningAndAvailable(pod, input.minReadySeconds, input.nowMs);

  const actions: SetAction[] = [];
  for (let ordinal = 0; ordinal < count; ordinal++) {
    let pod = replicas[ordinal];
    const phase = pod?.status?.phase;
    if (pod && !isTerminating(pod) && (phase === "Failed" || phase === "Succeeded")) {
      // A finished pod is replaced whatever its exit code: the set wants it running.
      actions.push({ kind: "delete", ordinal, pod, reason: phase === "Failed" ? "failed" : "succeeded" });
      pod = undefined;
      replicas[ordinal] = undefined;
    }
    if (!pod) {
      const revision = input.rollingUpdate && ordinal < input.partition ? "current" : "update";
      actions.push({ kind: "create", ordinal, revision });
      if (monotonic) return actions;
      continue;
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !available(pod))) return actions;
    if (!input.identityMatches(pod)) actions.push({ kind: "fixIdentity", ordinal, pod });
  }

  for (const { ordinal, pod } of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return actions;
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !available(pod))) return actions;
    actions.push({ kind: "delete", ordinal, pod, reason: "condemned" });
    if (monotonic) return actions;
  }

  if (!input.rollingUpdate) return actions;
  for (let ordinal = count - 1; ordinal >= input.partition; ordinal--) {
    const pod = replicas[ordinal];
    // Created in this pass: not healthy yet.
    if (!pod) return actions;
    if (revisionOf(pod) !== input.updateRevision && !isTerminating(pod)) {
      actions.push({ kind: "delete", ordinal, pod, reason: "update" });
      return actions;
    }
    if (!isHealthy(pod)) return actions;
  }
  return actions;
}
