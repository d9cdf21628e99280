// What network policy enforcement is computed from: plain data, however it arrives
// (informers for the cluster's pods, namespaces and policies; the agent's own pods
// from its assignments and address manager, so that a pod is covered from its first
// packet rather than from when its status reaches the API).
import { isPodTerminal, type NetworkPolicy, type Pod, type Protocol } from "@bosun/api";

/** A container port with a name: what a policy's named port resolves to. */
export interface NamedPort {
  name: string;
  port: number;
  protocol: Protocol;
}

export interface PolicyPod {
  namespace: string;
  name: string;
  /** The pod's IPv4 address. */
  ip: string;
  labels: Readonly<Record<string, string>>;
  /** The pod's named container ports. */
  ports: readonly NamedPort[];
}

export interface PolicyNamespace {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** The pod network as the master describes it. */
export interface PolicyNetwork {
  clusterCidr: string;
  /** This node's pod CIDR: only addresses in it are this node's to police. */
  podCidr: string;
}

export interface PolicyInput extends PolicyNetwork {
  nodeName: string;
  /**
   * The pods on this node that have an address on the pod network. Others (a
   * hostNetwork pod's address is the node's) are left alone, as Kubernetes'
   * implementations leave them.
   */
  localPods: readonly PolicyPod[];
  /** Every pod of the cluster with an address (the peers); may include the local ones. */
  pods: readonly PolicyPod[];
  namespaces: readonly PolicyNamespace[];
  /** Every NetworkPolicy of the cluster. */
  policies: readonly NetworkPolicy[];
}

/**
 * A Pod as policy sees it, with `ip` when the caller knows it better than the status
 * does; undefined for a pod without an address, a hostNetwork pod (its address is
 * the node's, which policies do not select) or one that has finished.
 */
export function policyPodFromPod(pod: Pod, ip: string | undefined = pod.status?.podIP): PolicyPod | undefined {
  if (!ip || pod.spec.hostNetwork || isPodTerminal(pod)) return undefined;
  const ports: NamedPort[] = [];
  for (const container of pod.spec.containers) {
    for (const p of container.ports ?? []) {
      if (p.name) ports.push({ name: p.name, port: p.containerPort, protocol: p.protocol ?? "TCP" });
    }
  }
  return { namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name ?? "", ip, labels: pod.metadata.labels ?? {}, ports };
}
