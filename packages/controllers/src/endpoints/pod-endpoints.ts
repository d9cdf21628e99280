// What makes a pod a backend of a Service, shared by the Endpoints and the
// EndpointSlice controllers, after k8s.io/endpointslice/util (ShouldPodBeInEndpoints,
// ShouldSetHostname, FindPort) and pkg/apis/core/v1/helper (IsServiceIPSet).
import { isIPv4 } from "node:net";
import { clusterIPNone, isPodReady, isPodTerminal, type ObjectReference, type Pod, type Protocol, type Service, type ServicePort } from "@bosun/api";

export { isPodReady };

/** The label both controllers put on the objects of a headless Service (v1.IsHeadlessService). */
export const headlessServiceLabel = "service.kubernetes.io/headless";

/**
 * The selector whose pods back the Service, or undefined when the controllers must
 * leave the Service alone: no selector (its endpoints are written by someone else,
 * as the apiserver writes the `kubernetes` Service's) or type ExternalName, which has
 * no endpoints. An empty selector counts as none: Bosun's API treats an empty map as
 * an absent one, and selecting every pod of the namespace is never what was meant.
 */
export function serviceSelector(service: Service): Record<string, string> | undefined {
  if (service.spec?.type === "ExternalName") return undefined;
  const selector = service.spec?.selector;
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

/** A Service selector is a plain map: every key present with that value. */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The pods of the Service's namespace its selector picks. */
export function selectedPods(service: Service, selector: Record<string, string>, pods: readonly Pod[]): Pod[] {
  const namespace = service.metadata.namespace;
  return pods.filter((p) => p.metadata.namespace === namespace && selectorMatches(selector, p.metadata.labels));
}

/**
 * Whether the pod belongs in a Service's endpoints at all: not finished, with an
 * address, and, unless `includeTerminating`, not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPv4s(pod).length === 0) return false;
  if (!includeTerminating && isPodBeingDeleted(pod)) return false;
  return true;
}

/** Being deleted: its containers are stopping, or about to. */
export function isPodBeingDeleted(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp;
}

/** The pod's IPv4 addresses (Bosun's services are single-stack IPv4), primary first. */
export function podIPv4s(pod: Pod): string[] {
  const listed = (pod.status?.podIPs ?? []).map((p) => p.ip);
  const all = listed.length > 0 ? listed : pod.status?.podIP ? [pod.status.podIP] : [];
  return all.filter((ip) => isIPv4(ip));
}

/** A StatefulSet's pods get DNS names under their Service: hostname set and subdomain = the Service. */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace;
}

/** Has a virtual IP: neither headless ("None") nor without one (ExternalName). */
export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec?.clusterIP;
  return ip !== undefined && ip !== "" && ip !== clusterIPNone;
}

export function servicePortProtocol(port: ServicePort): Protocol {
  return port.protocol ?? "TCP";
}

/**
 * The pod's port number for a Service port: targetPort as a number, or the container
 * port of that name and protocol in the pod's containers; undefined when this pod
 * has no such named port (it then serves the Service without that port).
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === "number") return target;
  const protocol = servicePortProtocol(servicePort);
  for (const container of pod.spec.containers) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? "TCP") === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** The reference from an endpoint back to its pod. */
export function podReference(pod: Pod): ObjectReference {
  return { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}
