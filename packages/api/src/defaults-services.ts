// Defaults of Services, Endpoints, EndpointSlices and the networking.k8s.io kinds,
// as Kubernetes' SetDefaults_Service and SetDefaults_Endpoints (pkg/apis/core/v1),
// SetDefaults_EndpointPort (pkg/apis/discovery/v1) and the networking/v1 defaults
// set them. Like the other defaults they tolerate malformed input: validation,
// not defaulting, reports problems. Cluster IPs, node ports and IP families are
// not defaults: the apiserver's allocator fills them in.
import { isPlainObject, objectField } from "./objects.js";
import type { EndpointSlice } from "./types/discovery.js";
import type { KubeObject } from "./types/meta.js";
import type { IngressClass, NetworkPolicy, NetworkPolicySpec } from "./types/networking.js";
import type { Endpoints, Service, ServicePort, ServiceSpec } from "./types/services.js";
import { isExternallyAccessible } from "./validation-services.js";

/** Kubernetes' DefaultClientIPServiceAffinitySeconds: three hours. */
export const defaultClientIPAffinitySeconds = 10800;

/** Fills in the defaults of the kinds this file knows; others are left alone. */
export function defaultServiceNetworking(kind: string, obj: KubeObject): void {
  switch (kind) {
    case "Service":
      return defaultService(obj as Service);
    case "Endpoints":
      return defaultEndpoints(obj as Endpoints);
    case "EndpointSlice":
      return defaultEndpointSlice(obj as EndpointSlice);
    case "IngressClass":
      return defaultIngressClass(obj as IngressClass);
    case "NetworkPolicy":
      return defaultNetworkPolicy(obj as NetworkPolicy);
  }
}

/** The plain objects of a list field; [] when it is absent or not a list. */
function objectsOf<T>(list: unknown): T[] {
  return Array.isArray(list) ? (list.filter(isPlainObject) as T[]) : [];
}

function defaultService(svc: Service): void {
  const spec = objectField<ServiceSpec>(svc, "spec");
  if (spec === undefined) return;
  spec.sessionAffinity ??= "None";
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP") {
    const config = spec.sessionAffinityConfig;
    if (!isPlainObject(config) || !isPlainObject(config.clientIP) || config.clientIP.timeoutSeconds === undefined) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: defaultClientIPAffinitySeconds } };
    }
  }
  spec.type ??= "ClusterIP";
  for (const port of objectsOf<ServicePort>(spec.ports)) {
    port.protocol ??= "TCP";
    // 0 and "" mean unset, as for Go's zero IntOrString.
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === "") port.targetPort = port.port;
  }
  if (isExternallyAccessible(spec)) spec.externalTrafficPolicy ??= "Cluster";
  if (spec.type === "ClusterIP" || spec.type === "NodePort" || spec.type === "LoadBalancer") spec.internalTrafficPolicy ??= "Cluster";
  // As the service registry's normalizeClusterIPs on create: a client that sets only
  // the singular field (every client before dual-stack) gets the plural filled in.
  if (typeof spec.clusterIP === "string" && spec.clusterIP !== "" && (spec.clusterIPs === undefined || spec.clusterIPs.length === 0)) {
    spec.clusterIPs = [spec.clusterIP];
  }
}

function defaultEndpoints(ep: Endpoints): void {
  for (const subset of objectsOf<NonNullable<Endpoints["subsets"]>[number]>(ep.subsets)) {
    for (const port of objectsOf<{ protocol?: string }>(subset.ports)) port.protocol ??= "TCP";
  }
}

function defaultEndpointSlice(slice: EndpointSlice): void {
  for (const port of objectsOf<{ name?: string; protocol?: string }>(slice.ports)) {
    port.name ??= "";
    port.protocol ??= "TCP";
  }
}

/** Parameters without a scope are cluster-scoped, as SetDefaults_IngressClass makes them. */
function defaultIngressClass(ic: IngressClass): void {
  const params = isPlainObject(ic.spec) ? ic.spec.parameters : undefined;
  if (isPlainObject(params)) params.scope ??= "Cluster";
}

/**
 * As SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort: ports are TCP,
 * and a policy that names no types is an Ingress policy, and an Egress one too
 * when it has egress rules. An absent podSelector is the empty one (every pod of
 * the namespace), which Kubernetes always writes out.
 */
function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec = objectField<NetworkPolicySpec>(np, "spec");
  if (spec === undefined) return;
  spec.podSelector ??= {};
  const rules = [...objectsOf<{ ports?: unknown }>(spec.ingress), ...objectsOf<{ ports?: unknown }>(spec.egress)];
  for (const rule of rules) for (const port of objectsOf<{ protocol?: string }>(rule.ports)) port.protocol ??= "TCP";
  if (spec.policyTypes === undefined || (Array.isArray(spec.policyTypes) && spec.policyTypes.length === 0)) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
  }
}
