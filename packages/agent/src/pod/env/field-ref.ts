// A pod field as an environment variable's value (the downward API), after the
// kubelet's podFieldSelectorRuntimeValue: the node and pod addresses come from the
// node and the pod's sandbox, the rest from the pod object.
import { convertDownwardApiFieldLabel, metadataFieldValue, type ObjectFieldSelector, type Pod } from "@bosun/api";

/** What the pod object does not say: the addresses of this run. */
export interface PodRuntimeAddresses {
  /** The node's addresses; the first is status.hostIP. */
  hostIPs: string[];
  /** The sandbox's addresses; asked only when a variable names them. */
  podIPs: () => Promise<string[]>;
}

/** Throws an Error worded as Kubernetes' when the field cannot be read. */
export async function podFieldValue(ref: ObjectFieldSelector, pod: Pod, addresses: PodRuntimeAddresses): Promise<string> {
  const converted = convertDownwardApiFieldLabel(ref.apiVersion || "v1", ref.fieldPath);
  if (!converted.ok) throw new Error(converted.error);
  const fieldPath = converted.fieldPath;
  switch (fieldPath) {
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "";
    case "status.hostIP":
      return addresses.hostIPs[0] ?? "";
    case "status.hostIPs":
      return addresses.hostIPs.join(",");
    case "status.podIP":
      return (await addresses.podIPs())[0] ?? "";
    case "status.podIPs":
      return (await addresses.podIPs()).join(",");
  }
  const value = metadataFieldValue(pod.metadata, fieldPath);
  if (value === undefined) throw new Error(`unsupported fieldPath: ${fieldPath}`);
  return value;
}
