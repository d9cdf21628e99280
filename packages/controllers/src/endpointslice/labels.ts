// The labels of the EndpointSlices this controller manages (setEndpointSliceLabels in
// k8s.io/endpointslice): the Service's own labels, except the reserved ones, plus the
// Service's name, the manager's name and, for a headless Service, the headless mark.
import { endpointSliceManagedByLabel, serviceNameLabel, type EndpointSlice, type Service } from "@bosun/api";
import { headlessServiceLabel, isServiceIPSet } from "../endpoints/pod-endpoints.js";

/** The value of endpointslice.kubernetes.io/managed-by on slices this controller owns, as Kubernetes' controller names itself. */
export const endpointSliceControllerName = "endpointslice-controller.k8s.io";

const reservedLabels = new Set([serviceNameLabel, endpointSliceManagedByLabel, headlessServiceLabel]);

export function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.labels ?? {})) if (!reservedLabels.has(k)) labels[k] = v;
  if (!isServiceIPSet(service)) labels[headlessServiceLabel] = "";
  labels[serviceNameLabel] = service.metadata.name ?? "";
  labels[endpointSliceManagedByLabel] = endpointSliceControllerName;
  return labels;
}

/** Slices of other managers (the apiserver's `kubernetes` slice, users' own) are never touched. */
export function isManagedSlice(slice: EndpointSlice): boolean {
  return slice.metadata.labels?.[endpointSliceManagedByLabel] === endpointSliceControllerName;
}

/** "namespace/service" of the Service a slice is labelled with, or undefined without the label. */
export function serviceKeyOfSlice(slice: EndpointSlice): string | undefined {
  const name = slice.metadata.labels?.[serviceNameLabel];
  return name ? `${slice.metadata.namespace ?? ""}/${name}` : undefined;
}
