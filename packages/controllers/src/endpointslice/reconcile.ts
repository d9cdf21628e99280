// The plan that turns a Service's existing EndpointSlices into the desired ones,
// after k8s.io/endpointslice's Reconciler. Churn is kept low, since every slice write
// goes to every node's proxy: endpoints stay in the slice they are in, a slice that
// changes anyway is filled up first, leftovers go into the unchanged slice they fit
// best before a new slice is made, and a slice that would be deleted while another
// is created is updated into it instead. Pure: the controller carries the plan out.
import {
  canonicalJson,
  semanticEqual,
  type Endpoint,
  type EndpointSlice,
  type EndpointSlicePort,
  type Pod,
  type Service,
} from "@bosun/api";
import { newControllerRef } from "../common/controller-ref.js";
import { shouldPodBeInEndpoints } from "../endpoints/pod-endpoints.js";
import { endpointKey, endpointPorts, podToEndpoint, portsKey, sameEndpointBeyondKey } from "./endpoint.js";
import { sliceLabels } from "./labels.js";

/** Kubernetes' --max-endpoints-per-slice default. */
export const defaultMaxEndpointsPerSlice = 100;

/** Endpoints that serve one port set, by endpointKey. */
export interface DesiredGroup {
  ports: EndpointSlicePort[];
  endpoints: Map<string, Endpoint>;
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/**
 * The Service's endpoints grouped by the ports they serve. Terminating pods stay,
 * with their conditions saying so. `zoneOf` answers a node's zone.
 */
export function desiredGroups(service: Service, pods: readonly Pod[], zoneOf: (nodeName: string) => string | undefined): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  // Sorted, so the same pods fill slices the same way whatever the informer's order.
  const sorted = [...pods].sort((a, b) => ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1));
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(service, pod);
    const endpoint = podToEndpoint(pod, service, pod.spec.nodeName ? zoneOf(pod.spec.nodeName) : undefined);
    if (endpoint.addresses.length === 0) continue;
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: new Map() }));
    group.endpoints.set(endpointKey(endpoint), endpoint);
  }
  return groups;
}

/** The plan for the Service's slices; `existing` are the slices labelled as this controller's for the Service. */
export function planSlices(
  service: Service,
  desired: ReadonlyMap<string, DesiredGroup>,
  existing: readonly EndpointSlice[],
  maxEndpointsPerSlice = defaultMaxEndpointsPerSlice,
): SlicePlan {
  const labels = sliceLabels(service);
  let toDelete: EndpointSlice[] = [];
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const slice of existing) {
    // Bosun's Services are IPv4 only; a slice of an earlier Service of the same name goes too.
    if (slice.addressType !== "IPv4" || !ownedBy(slice, service)) {
      toDelete.push(slice);
      continue;
    }
    const key = portsKey(slice.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }

  let toCreate: EndpointSlice[] = [];
  const toUpdate: EndpointSlice[] = [];
  for (const [key, group] of desired) {
    const plan = planPortGroup(service, labels, existingByPorts.get(key) ?? [], group, maxEndpointsPerSlice);
    toCreate.push(...plan.create);
    toUpdate.push(...plan.update);
    toDelete.push(...plan.delete);
  }
  for (const [key, slices] of existingByPorts) if (!desired.has(key)) toDelete.push(...slices);

  // A Service without endpoints still has one empty slice, so consumers can tell
  // "no endpoints" from "not synced yet".
  if (existing.length === toDelete.length && toCreate.length === 0) {
    const placeholder = newSlice(service, labels, []);
    if (toDelete.length === 1 && isSamePlaceholder(toDelete[0]!, placeholder)) toDelete = [];
    else toCreate.push(placeholder);
  }

  // Rather than delete one slice and create another, update the one into the other.
  const keptDeletes: EndpointSlice[] = [];
  for (const old of toDelete) {
    const replacement = toCreate.length > 0 && old.addressType === "IPv4" && ownedBy(old, service) ? toCreate.pop() : undefined;
    if (replacement === undefined) keptDeletes.push(old);
    else toUpdate.push(reuse(old, replacement));
  }

  // A Service being deleted gets no new slices: the garbage collector would race them.
  if (service.metadata.deletionTimestamp) toCreate = [];
  return { create: toCreate, update: toUpdate, delete: keptDeletes };
}

/** reconcileByPortMapping: the slices of one port set. */
function planPortGroup(
  service: Service,
  labels: Record<string, string>,
  existing: readonly EndpointSlice[],
  group: DesiredGroup,
  max: number,
): SlicePlan {
  const wanted = new Map(group.endpoints);
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  // 1. Keep what is still wanted where it is, with its current state.
  for (const slice of existing) {
    const name = slice.metadata.name ?? "";
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointChanged = false;
    for (const endpoint of slice.endpoints) {
      const key = endpointKey(endpoint);
      const want = wanted.get(key);
      if (want === undefined) continue;
      kept.push(want);
      if (!sameEndpointBeyondKey(want, endpoint)) endpointChanged = true;
      wanted.delete(key);
    }
    const labelsChanged = !semanticEqual(slice.metadata.labels ?? {}, labels);
    if (endpointChanged || kept.length !== slice.endpoints.length) {
      if (kept.length === 0) {
        toDelete.add(name);
      } else {
        byName.set(name, { ...slice, metadata: { ...slice.metadata, labels }, endpoints: kept });
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      byName.set(name, { ...slice, metadata: { ...slice.metadata, labels } });
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }

  const takeInto = (slice: EndpointSlice) => {
    for (const [key, endpoint] of wanted) {
      if (slice.endpoints.length >= max) break;
      slice.endpoints.push(endpoint);
      wanted.delete(key);
    }
  };

  // 2. Slices written anyway take new endpoints first, the fullest first.
  if (wanted.size > 0) {
    const updating = [...toUpdate].map((name) => byName.get(name)!).sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const slice of updating) takeInto(slice);
  }

  // 3. The rest into the unchanged slice they fit best, else into new slices.
  const create: EndpointSlice[] = [];
  while (wanted.size > 0) {
    let slice: EndpointSlice | undefined;
    if (wanted.size < max && unchanged.size > 0) {
      const best = sliceToFill([...unchanged].map((name) => byName.get(name)!), wanted.size, max);
      if (best) {
        slice = { ...best, metadata: { ...best.metadata }, endpoints: [...best.endpoints] };
        byName.set(best.metadata.name ?? "", slice);
      }
    }
    slice ??= newSlice(service, labels, group.ports);
    takeInto(slice);
    if (slice.metadata.name) {
      toUpdate.add(slice.metadata.name);
      unchanged.delete(slice.metadata.name);
    } else {
      create.push(slice);
    }
  }
  return {
    create,
    update: [...toUpdate].map((name) => byName.get(name)!),
    delete: [...toDelete].map((name) => byName.get(name)!),
  };
}

/** The slice that comes closest to full when `count` endpoints are added, if any has room (getSliceToFill). */
function sliceToFill(slices: readonly EndpointSlice[], count: number, max: number): EndpointSlice | undefined {
  let closest: EndpointSlice | undefined;
  let closestRoom = max;
  for (const slice of slices) {
    const room = max - (count + slice.endpoints.length);
    if (room >= 0 && room < closestRoom) {
      closestRoom = room;
      closest = slice;
      if (room === 0) break;
    }
  }
  return closest;
}

function newSlice(service: Service, labels: Record<string, string>, ports: EndpointSlicePort[]): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      generateName: `${service.metadata.name ?? ""}-`,
      namespace: service.metadata.namespace,
      labels: { ...labels },
      ownerReferences: [newControllerRef({ ...service, apiVersion: "v1", kind: "Service" })],
    },
    addressType: "IPv4",
    endpoints: [],
    ports,
  };
}

/** The slice `old` rewritten as `replacement`, keeping old's name and version for a compare-and-swap update. */
function reuse(old: EndpointSlice, replacement: EndpointSlice): EndpointSlice {
  return {
    ...replacement,
    metadata: { ...old.metadata, labels: replacement.metadata.labels, ownerReferences: replacement.metadata.ownerReferences },
  };
}

export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === service.metadata.uid && o.kind === "Service" && o.apiVersion === "v1");
}

/** An existing empty slice that already is the placeholder (placeholderSliceCompare). */
function isSamePlaceholder(slice: EndpointSlice, placeholder: EndpointSlice): boolean {
  return (
    slice.metadata.namespace === placeholder.metadata.namespace &&
    semanticEqual(slice.metadata.labels ?? {}, placeholder.metadata.labels ?? {}) &&
    canonicalJson(slice.metadata.ownerReferences ?? []) === canonicalJson(placeholder.metadata.ownerReferences ?? []) &&
    slice.addressType === placeholder.addressType &&
    slice.endpoints.length === 0 &&
    (slice.ports ?? []).length === 0
  );
}
