// Who a pod is and what the agent says about it: the small vocabulary that the pod
// workers, the probes and the reporter share. It lives apart so that none of them has
// to import another for it (the kubelet keeps its prober results apart the same way).
import type { Pod } from "@bosun/api";

export interface PodIdentity {
  uid: string;
  name: string;
  namespace: string;
}

/** An event about a pod, before the reporter sends it to the master. */
export interface PodEventRecord {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** e.g. spec.containers{web}; empty for the pod itself. */
  fieldPath: string;
}

/** Where events about pods go (the status reporter, or a fake in tests). */
export type PodEventSink = (pod: PodIdentity, event: PodEventRecord) => void;

export function podIdentity(pod: Pod): PodIdentity {
  return {
    uid: pod.metadata.uid ?? "",
    name: pod.metadata.name ?? "",
    namespace: pod.metadata.namespace ?? "default",
  };
}

/** "name_namespace(uid)", as the kubelet's format.Pod names a pod in events and messages. */
export function formatPod(id: PodIdentity): string {
  return `${id.name}_${id.namespace}(${id.uid})`;
}

/** "ns/name", the key logs and messages use for a pod. */
export function podKey(id: PodIdentity): string {
  return `${id.namespace}/${id.name}`;
}
