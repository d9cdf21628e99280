// One pod as an endpoint of a Service's slice, and the ports it serves, as
// k8s.io/endpointslice computes them (podToEndpoint, getEndpointPorts): `serving` is
// the pod's readiness whatever its termination, `terminating` that it is being
// deleted, and `ready` serving and not terminating, or always with
// publishNotReadyAddresses.
import { canonicalJson, clusterIPNone, semanticEqual, type Endpoint, type EndpointSlicePort, type Pod, type Service } from "@bosun/api";
import {
  findPort,
  isPodReady,
  isPodBeingDeleted,
  podIPv4s,
  podReference,
  servicePortProtocol,
  shouldSetHostname,
} from "../endpoints/pod-endpoints.js";

export function podToEndpoint(pod: Pod, service: Service, zone: string | undefined): Endpoint {
  const serving = isPodReady(pod);
  const terminating = isPodBeingDeleted(pod);
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ip = podIPv4s(pod)[0];
  const endpoint: Endpoint = {
    addresses: ip === undefined ? [] : [ip],
    conditions: { ready, serving, terminating },
    targetRef: podReference(pod),
  };
  if (pod.spec.nodeName) endpoint.nodeName = pod.spec.nodeName;
  if (zone) endpoint.zone = zone;
  if (shouldSetHostname(pod, service)) endpoint.hostname = pod.spec.hostname;
  return endpoint;
}

/**
 * The Service's ports as this pod serves them: a port whose named targetPort the pod
 * lacks is left out, so pods with different port sets land in different slices.
 */
export function endpointPorts(service: Service, pod: Pod): EndpointSlicePort[] {
  const servicePorts = service.spec?.ports ?? [];
  if (servicePorts.length === 0 && service.spec?.clusterIP === clusterIPNone) return [];
  const ports: EndpointSlicePort[] = [];
  for (const servicePort of servicePorts) {
    const number = findPort(pod, servicePort);
    if (number === undefined) continue;
    // Kubernetes always writes the name, empty for the one unnamed port.
    const port: EndpointSlicePort = { name: servicePort.name ?? "", port: number, protocol: servicePortProtocol(servicePort) };
    if (servicePort.appProtocol !== undefined) port.appProtocol = servicePort.appProtocol;
    ports.push(port);
  }
  return ports;
}

/** The identity of a port set, whatever its order (NewPortMapKey). */
export function portsKey(ports: readonly EndpointSlicePort[] | undefined): string {
  return canonicalJson((ports ?? []).map((p) => canonicalJson({ ...p, name: p.name ?? "" })).sort());
}

/**
 * The identity of an endpoint within a slice set: its addresses, hostname and pod
 * (hashEndpoint). A pod whose IP changed is a new endpoint.
 */
export function endpointKey(endpoint: Endpoint): string {
  return canonicalJson({
    addresses: [...endpoint.addresses].sort(),
    hostname: endpoint.hostname ?? "",
    namespace: endpoint.targetRef?.namespace ?? "",
    name: endpoint.targetRef?.name ?? "",
  });
}

/** Equal in everything the key does not cover (EndpointsEqualBeyondHash), a pod's resourceVersion aside. */
export function sameEndpointBeyondKey(a: Endpoint, b: Endpoint): boolean {
  const view = (e: Endpoint) => {
    const { resourceVersion: _rv, ...targetRef } = e.targetRef ?? {};
    return { nodeName: e.nodeName, zone: e.zone, conditions: e.conditions, targetRef };
  };
  return semanticEqual(view(a), view(b));
}
