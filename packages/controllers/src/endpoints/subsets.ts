// The subsets of a Service's Endpoints, computed from its pods as Kubernetes'
// endpoints controller does (syncService, addEndpointSubset) and packed into the
// canonical layout of pkg/api/v1/endpoints RepackSubsets: addresses that serve the
// same ports share a subset, and everything is sorted, so equal inputs give equal
// objects and an unchanged Service is never written again.
import { canonicalJson, clusterIPNone, type EndpointAddress, type EndpointPort, type EndpointSubset, type Pod, type Service, type ServicePort } from "@bosun/api";
import { findPort, isPodReady, podIPv4s, podReference, servicePortProtocol, shouldPodBeInEndpoints, shouldSetHostname } from "./pod-endpoints.js";

/** One address offering one port (or, for a headless Service without ports, none). */
interface AddressPort {
  address: EndpointAddress;
  port: EndpointPort | undefined;
  ready: boolean;
}

/** The Endpoints' subsets for the Service's selected pods. */
export function desiredSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIP === clusterIPNone;
  const entries: AddressPort[] = [];
  for (const pod of pods) {
    // Terminating pods leave the Endpoints unless the Service publishes not-ready addresses.
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPv4s(pod)[0];
    if (ip === undefined) continue;
    const address = endpointAddress(pod, service, ip);
    const ready = publishNotReady || isPodReady(pod);
    if (servicePorts.length === 0) {
      // Only a headless Service may have no ports; its addresses are all DNS needs.
      if (headless) entries.push({ address, port: undefined, ready });
      continue;
    }
    for (const servicePort of servicePorts) {
      const number = findPort(pod, servicePort);
      // A pod without the named port does not serve this port of the Service.
      if (number === undefined) continue;
      entries.push({ address, port: endpointPort(servicePort, number), ready });
    }
  }
  return repackSubsets(entries);
}

function endpointAddress(pod: Pod, service: Service, ip: string): EndpointAddress {
  const address: EndpointAddress = { ip };
  if (shouldSetHostname(pod, service)) address.hostname = pod.spec.hostname;
  if (pod.spec.nodeName) address.nodeName = pod.spec.nodeName;
  address.targetRef = podReference(pod);
  return address;
}

function endpointPort(servicePort: ServicePort, number: number): EndpointPort {
  const port: EndpointPort = { port: number, protocol: servicePortProtocol(servicePort) };
  if (servicePort.name) port.name = servicePort.name;
  if (servicePort.appProtocol !== undefined) port.appProtocol = servicePort.appProtocol;
  return port;
}

/** Two addresses are one when IP and pod agree. */
function addressKey(address: EndpointAddress): string {
  return `${address.ip}/${address.targetRef?.uid ?? ""}`;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? "";
  const ub = b.targetRef?.uid ?? "";
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** By name, then number and protocol: the order people read ports in. */
function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const ka = [a.name ?? "", String(a.port).padStart(5, "0"), a.protocol ?? "", a.appProtocol ?? ""].join("\0");
  const kb = [b.name ?? "", String(b.port).padStart(5, "0"), b.protocol ?? "", b.appProtocol ?? ""].join("\0");
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function byCanonicalJson<T>(a: T, b: T): number {
  const ja = canonicalJson(a);
  const jb = canonicalJson(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

/**
 * Groups address-port pairs into subsets: each port with the addresses offering it
 * (not ready wins when one address is both), then ports with the same addresses
 * into one subset.
 */
export function repackSubsets(entries: readonly AddressPort[]): EndpointSubset[] {
  const byPort = new Map<string, { port: EndpointPort | undefined; addresses: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const { address, port, ready } of entries) {
    const portKey = port === undefined ? "" : canonicalJson(port);
    let group = byPort.get(portKey);
    if (!group) byPort.set(portKey, (group = { port, addresses: new Map() }));
    const key = addressKey(address);
    const seen = group.addresses.get(key);
    if (!seen) group.addresses.set(key, { address, ready });
    else if (seen.ready) seen.ready = ready;
  }

  const byAddressSet = new Map<string, { ports: EndpointPort[]; addresses: { address: EndpointAddress; ready: boolean }[] }>();
  for (const { port, addresses } of byPort.values()) {
    const sorted = [...addresses.values()].sort((a, b) => compareAddresses(a.address, b.address));
    const setKey = sorted.map((a) => `${addressKey(a.address)}:${a.ready}`).join(",");
    let subset = byAddressSet.get(setKey);
    if (!subset) byAddressSet.set(setKey, (subset = { ports: [], addresses: sorted }));
    if (port !== undefined) subset.ports.push(port);
  }

  const subsets: EndpointSubset[] = [];
  for (const { ports, addresses } of byAddressSet.values()) {
    const subset: EndpointSubset = {};
    const ready = addresses.filter((a) => a.ready).map((a) => a.address);
    const notReady = addresses.filter((a) => !a.ready).map((a) => a.address);
    if (ready.length > 0) subset.addresses = ready;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    if (ports.length > 0) subset.ports = [...ports].sort(comparePorts);
    subsets.push(subset);
  }
  return subsets.sort(byCanonicalJson);
}

/** Kubernetes' cap on the addresses of one Endpoints object; EndpointSlices carry the rest. */
export const maxEndpointsCapacity = 1000;

/**
 * Cuts subsets down to `capacity` addresses, ready ones first, spread over the subsets
 * in proportion to their size (truncateEndpoints). Answers the subsets and whether
 * anything was cut.
 */
export function truncateSubsets(subsets: readonly EndpointSubset[], capacity = maxEndpointsCapacity): { subsets: EndpointSubset[]; truncated: boolean } {
  const totalReady = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const totalNotReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (totalReady + totalNotReady <= capacity) return { subsets: [...subsets], truncated: false };
  const cutReady = totalReady > capacity;
  const max = cutReady ? capacity : capacity - totalReady;
  const total = cutReady ? totalReady : totalNotReady;
  let room = max;
  const result = subsets.map((subset) => {
    const list = (cutReady ? subset.addresses : subset.notReadyAddresses) ?? [];
    const share = Math.min(Math.ceil((list.length / total) * max), room);
    const kept = list.slice(0, share);
    room -= kept.length;
    const next: EndpointSubset = { ...subset };
    if (cutReady) {
      next.addresses = kept;
      delete next.notReadyAddresses;
    } else {
      next.notReadyAddresses = kept;
    }
    if (next.addresses?.length === 0) delete next.addresses;
    if (next.notReadyAddresses?.length === 0) delete next.notReadyAddresses;
    return next;
  });
  // A subset left with no address at all would be refused by validation.
  return { subsets: result.filter((s) => (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0) > 0), truncated: true };
}
