// Services and EndpointSlices for the service proxy's tests, in the API's shapes.
import type { EndpointConditions, EndpointSlice, EndpointSlicePort, Service, ServiceSpec } from "@bosun/api";

export function service(name: string, spec: ServiceSpec, namespace = "default"): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace, name }, spec };
}

export interface TestEndpoint {
  ip: string;
  node?: string;
  conditions?: EndpointConditions;
}

/** A slice of Service `svc` named `${svc}-${suffix}`. */
export function slice(svc: string, suffix: string, ports: EndpointSlicePort[], endpoints: TestEndpoint[], namespace = "default"): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { namespace, name: `${svc}-${suffix}`, labels: { "kubernetes.io/service-name": svc } },
    addressType: "IPv4",
    ports,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: e.conditions ?? { ready: true, serving: true, terminating: false },
      ...(e.node ? { nodeName: e.node } : {}),
    })),
  };
}

export const READY: EndpointConditions = { ready: true, serving: true, terminating: false };
export const NOT_READY: EndpointConditions = { ready: false, serving: false, terminating: false };
export const SERVING_TERMINATING: EndpointConditions = { ready: false, serving: true, terminating: true };
export const TERMINATING: EndpointConditions = { ready: false, serving: false, terminating: true };
