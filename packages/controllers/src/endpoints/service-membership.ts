// Which Services a pod event concerns, for the Endpoints and EndpointSlice
// controllers alike (k8s.io/endpointslice/util GetPodServiceMemberships and
// GetServicesToUpdateOnPodChange): a pod's Services are those of its namespace whose
// selector matches its labels, and an update matters only when it changes what an
// endpoint shows.
import { canonicalJson, isPodReady, isPodTerminal, objectKey, type Pod, type Service } from "@bosun/api";
import { podIPv4s, serviceSelector, selectorMatches } from "./pod-endpoints.js";

/** The part of an Informer the pod handlers need. */
export interface PodChanges {
  onAdd(handler: (pod: Pod) => void): unknown;
  onUpdate(handler: (old: Pod, pod: Pod) => void): unknown;
  onDelete(handler: (pod: Pod) => void): unknown;
}

export interface ServiceCache {
  list(): Service[];
}

/** Keys of the Services in `namespace` that select pods with these labels. */
export function servicesSelecting(services: ServiceCache, namespace: string | undefined, labels: Record<string, string> | undefined): Set<string> {
  const keys = new Set<string>();
  for (const service of services.list()) {
    if (service.metadata.namespace !== namespace) continue;
    const selector = serviceSelector(service);
    if (selector && selectorMatches(selector, labels)) keys.add(objectKey(service));
  }
  return keys;
}

/** What of a pod an endpoint shows, besides its labels. */
function endpointView(pod: Pod): string {
  return canonicalJson({
    ips: podIPv4s(pod),
    ready: isPodReady(pod),
    terminating: !!pod.metadata.deletionTimestamp,
    terminal: isPodTerminal(pod),
    nodeName: pod.spec.nodeName,
    hostname: pod.spec.hostname,
    subdomain: pod.spec.subdomain,
  });
}

/**
 * The Services to sync after a pod update: none when nothing an endpoint shows
 * changed; when only its labels changed, those it joined or left; otherwise every
 * Service it was or is selected by.
 */
export function servicesForPodUpdate(services: ServiceCache, old: Pod, pod: Pod): Set<string> {
  if (old.metadata.resourceVersion !== undefined && old.metadata.resourceVersion === pod.metadata.resourceVersion) return new Set();
  const podChanged = endpointView(old) !== endpointView(pod);
  const labelsChanged = canonicalJson(old.metadata.labels ?? {}) !== canonicalJson(pod.metadata.labels ?? {});
  if (!podChanged && !labelsChanged) return new Set();
  const now = servicesSelecting(services, pod.metadata.namespace, pod.metadata.labels);
  if (!labelsChanged) return now;
  const before = servicesSelecting(services, old.metadata.namespace, old.metadata.labels);
  const result = new Set<string>();
  for (const key of now) if (podChanged || !before.has(key)) result.add(key);
  for (const key of before) if (podChanged || !now.has(key)) result.add(key);
  return result;
}

/** Registers pod handlers that queue the Services each pod event concerns. */
export function watchServicePods(pods: PodChanges, services: ServiceCache, enqueue: (serviceKey: string) => void): void {
  const enqueueAll = (keys: Set<string>) => {
    for (const key of keys) enqueue(key);
  };
  const membership = (pod: Pod) => servicesSelecting(services, pod.metadata.namespace, pod.metadata.labels);
  pods.onAdd((pod) => enqueueAll(membership(pod)));
  pods.onUpdate((old, pod) => enqueueAll(servicesForPodUpdate(services, old, pod)));
  pods.onDelete((pod) => enqueueAll(membership(pod)));
}
