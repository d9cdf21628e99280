// What the apiserver does to a Service on update before validating it, as
// Kubernetes' service strategy does in PrepareForUpdate (dropTypeDependentFields):
// a Service whose type changes loses the fields the old type needed and the new
// one may not hold, when the update left them as they were. So `kubectl apply`
// or `kubectl edit` of NodePort -> ClusterIP, or ClusterIP -> ExternalName, works
// although the fields the server filled in come back with the request. Node ports
// are the allocator's (it frees them when the type no longer needs them).
import { semanticEqual } from "./equality.js";
import type { Service, ServiceSpec } from "./types/services.js";
import { isExternallyAccessible } from "./validation-services.js";

function needsClusterIP(spec: ServiceSpec): boolean {
  return spec.type !== "ExternalName";
}

function needsHealthCheckNodePort(spec: ServiceSpec): boolean {
  return spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
}

/** Blanks, in `service`, what its new type does not need and the update did not change from `old`. */
export function dropServiceTypeDependentFields(service: Service, old: Service): void {
  const spec = service.spec;
  const before = old.spec ?? {};
  if (spec === undefined) return;
  if (needsClusterIP(before) && !needsClusterIP(spec)) {
    if ((spec.clusterIP ?? "") === (before.clusterIP ?? "") && semanticEqual(spec.clusterIPs ?? [], before.clusterIPs ?? [])) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (semanticEqual(spec.ipFamilies ?? [], before.ipFamilies ?? [])) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === before.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsHealthCheckNodePort(before) && !needsHealthCheckNodePort(spec) && spec.healthCheckNodePort === before.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  if (before.type === "LoadBalancer" && spec.type !== "LoadBalancer") {
    if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === before.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (spec.loadBalancerClass === before.loadBalancerClass) delete spec.loadBalancerClass;
    // Stale addresses of a load balancer that is no longer asked for.
    if (service.status?.loadBalancer) service.status.loadBalancer = {};
  }
  if (isExternallyAccessible(before) && !isExternallyAccessible(spec) && spec.externalTrafficPolicy === before.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
}
