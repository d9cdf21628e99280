// The labels on every container the agent creates. The runtime is the agent's
// database (principle 4 in docs/architecture.md): these labels are all it needs to rebuild its state after
// a restart, so they carry everything a sync decision depends on.
import type { PodIdentity } from "./pod/identity.js";

export const LABEL_MANAGED = "bosun.io/managed";
export const LABEL_NODE_NAME = "bosun.io/node-name";
export const LABEL_POD_UID = "bosun.io/pod-uid";
export const LABEL_POD_NAME = "bosun.io/pod-name";
export const LABEL_POD_NAMESPACE = "bosun.io/pod-namespace";
export const LABEL_CONTAINER_NAME = "bosun.io/container-name";
export const LABEL_SPEC_HASH = "bosun.io/spec-hash";
export const LABEL_RESTART_COUNT = "bosun.io/restart-count";
/**
 * On app containers: the pod's terminationGracePeriodSeconds, so that an agent that
 * restarted and must stop a pod it no longer knows (deleted while it was away) still
 * gives it the grace period the pod asked for, as the kubelet's labels do.
 */
export const LABEL_TERMINATION_GRACE = "bosun.io/termination-grace-period";
/**
 * On app and init containers: the node's file bound at terminationMessagePath, and
 * the terminationMessagePolicy, read when the container has stopped (as the kubelet
 * keeps them in its containers' annotations; pod/termination-message.ts).
 */
export const LABEL_TERMINATION_MESSAGE_FILE = "bosun.io/termination-message-file";
export const LABEL_TERMINATION_MESSAGE_POLICY = "bosun.io/termination-message-policy";

/**
 * On a pod's infra container: the pod's address on the node's pod network, which the
 * agent assigns and plugs in itself (network/sandbox-link.ts), so that a restarted
 * agent knows which addresses are taken.
 */
export const LABEL_POD_IP = "bosun.io/pod-ip";
/** On a pod's infra container: the hostPorts it publishes (network/host-ports.ts), so that a restarted agent publishes them again. */
export const LABEL_HOST_PORTS = "bosun.io/host-ports";
/** On the infra container of a hostNetwork pod, whose pod IP (LABEL_POD_IP) is the node's: nothing of the pod network is made for it. */
export const LABEL_HOST_NETWORK = "bosun.io/host-network";

/** The container-name label of a pod's infra container. */
export const INFRA_CONTAINER_NAME = "POD";

export function containerLabels(
  nodeName: string,
  pod: PodIdentity,
  containerName: string,
  specHash: string,
  restartCount: number,
): Record<string, string> {
  return {
    [LABEL_MANAGED]: "true",
    [LABEL_NODE_NAME]: nodeName,
    [LABEL_POD_UID]: pod.uid,
    [LABEL_POD_NAME]: pod.name,
    [LABEL_POD_NAMESPACE]: pod.namespace,
    [LABEL_CONTAINER_NAME]: containerName,
    [LABEL_SPEC_HASH]: specHash,
    [LABEL_RESTART_COUNT]: String(restartCount),
  };
}

/** bosun_<node>_<ns>_<pod>_<container>_<uid8>_<restartCount>, as `docker ps` shows it. */
export function dockerContainerName(
  nodeName: string,
  pod: PodIdentity,
  containerName: string,
  restartCount: number,
): string {
  return `bosun_${nodeName}_${pod.namespace}_${pod.name}_${containerName}_${pod.uid.slice(0, 8)}_${restartCount}`;
}

/** The grace period recorded on a container, if it carries one. */
export function terminationGraceOf(labels: Record<string, string>): number | undefined {
  const raw = labels[LABEL_TERMINATION_GRACE];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

export function restartCountOf(labels: Record<string, string>): number {
  const n = Number.parseInt(labels[LABEL_RESTART_COUNT] ?? "0", 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** A sandbox's pod IP: the address the agent gave it on the pod network, else the one Docker gave it on its default bridge. */
export function sandboxIP(infra: { labels: Record<string, string>; ipAddress: string }): string {
  return infra.labels[LABEL_POD_IP] ?? infra.ipAddress;
}
