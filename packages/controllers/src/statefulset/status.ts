// StatefulSet status as Kubernetes counts it (computeReplicaStatus and
// completeRollingUpdate): created, ready, available, and how many pods are at the
// current and at the update revision. Once every pod is updated and ready, the
// update revision becomes the current one.
import type { Pod, StatefulSetStatus } from "@bosun/api";
import { isRunningAndAvailable, isRunningAndReady, isTerminating } from "./pod-conditions.js";
import { revisionOf } from "./revisions.js";

export interface StatusInput {
  pods: readonly Pod[];
  currentRevision: string;
  updateRevision: string;
  rollingUpdate: boolean;
  minReadySeconds: number;
  generation: number | undefined;
  collisionCount: number | undefined;
  nowMs: number;
}

export function computeStatefulSetStatus(input: StatusInput): StatefulSetStatus {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const pod of input.pods) {
    replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isRunningAndAvailable(pod, input.minReadySeconds, input.nowMs)) available++;
    }
    if (isTerminating(pod)) continue;
    const revision = revisionOf(pod);
    if (revision === input.currentRevision) current++;
    if (revision === input.updateRevision) updated++;
  }
  let currentRevision = input.currentRevision;
  if (input.rollingUpdate && updated === replicas && ready === replicas) {
    current = updated;
    currentRevision = input.updateRevision;
  }
  const status: StatefulSetStatus = {
    replicas,
    readyReplicas: ready,
    availableReplicas: available,
    currentReplicas: current,
    updatedReplicas: updated,
    currentRevision,
    updateRevision: input.updateRevision,
  };
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  if (input.collisionCount !== undefined) status.collisionCount = input.collisionCount;
  return status;
}

const compared: (keyof StatefulSetStatus)[] = [
  "observedGeneration",
  "replicas",
  "readyReplicas",
  "availableReplicas",
  "currentReplicas",
  "updatedReplicas",
  "currentRevision",
  "updateRevision",
  "collisionCount",
];

/** The status to write, or undefined when the stored one already says it. */
export function nextStatefulSetStatus(current: StatefulSetStatus | undefined, computed: StatefulSetStatus): StatefulSetStatus | undefined {
  if (current && compared.every((k) => current[k] === computed[k])) return undefined;
  const next: StatefulSetStatus = { ...(current ?? {}), ...computed };
  return next;
}
