// NetworkPolicies, pods and namespaces as the network policy tests write them.
import type { NetworkPolicy, NetworkPolicySpec } from "@bosun/api";
import type { NamedPort, PolicyNamespace, PolicyPod } from "../../src/policy/inputs.js";

/** A NetworkPolicy as the API serves it, but not defaulted: the enforcer defaults what is left out. */
export function netpol(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { namespace, name }, spec };
}

export function podAt(namespace: string, name: string, ip: string, labels: Record<string, string> = {}, ports: NamedPort[] = []): PolicyPod {
  return { namespace, name, ip, labels, ports };
}

export function ns(name: string, labels: Record<string, string> = {}): PolicyNamespace {
  return { name, labels };
}
