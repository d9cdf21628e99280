// The downward API, after k8s.io/kubernetes pkg/fieldpath, pkg/apis/core/pods
// (ConvertDownwardAPIFieldLabel) and pkg/api/v1/resource: which fields of a pod
// and which resources of a container an environment variable may name, and the
// values of those that the pod object and its node's allocatable decide.
// Validation checks the paths; the agent and `bosun describe` read the values.
import { cpuToMillis, memoryToBytes, parseQuantity } from "./quantity.js";
import type { Container, ResourceList } from "./types/core.js";
import type { ResourceFieldSelector } from "./types/env.js";
import type { ObjectMeta, Quantity } from "./types/meta.js";

/** The pod fields an environment variable may name without a subscript (validEnvDownwardAPIFieldPathExpressions). */
export const envFieldPaths: readonly string[] = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];

/** The pod fields a downwardAPI volume's file may name without a subscript (validVolumeDownwardAPIFieldPathExpressions). */
export const volumeFieldPaths: readonly string[] = ["metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations", "metadata.uid"];

/** The container resources a resourceFieldRef may name (validContainerResourceFieldPathExpressions). */
export const containerResourceFieldPaths: readonly string[] = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];

/** The fields a Pod's downward API knows at all, whatever uses them (ConvertDownwardAPIFieldLabel). */
const podFieldLabels = new Set([
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.restartPolicy",
  "spec.serviceAccountName",
  "spec.schedulerName",
  "status.phase",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
]);

/** The maps whose single keys a field path may subscript: metadata.labels['app']. */
const subscriptable = new Set(["metadata.annotations", "metadata.labels"]);

/** "metadata.labels['app']" -> { path: "metadata.labels", subscript: "app" }; a plain path has no subscript. */
export function splitSubscriptedPath(fieldPath: string): { path: string; subscript?: string } {
  if (!fieldPath.endsWith("']")) return { path: fieldPath };
  const inner = fieldPath.slice(0, -2);
  const open = inner.indexOf("['");
  if (open <= 0) return { path: fieldPath };
  return { path: inner.slice(0, open), subscript: inner.slice(open + 2) };
}

/**
 * The pod field a fieldRef names, as Kubernetes converts it: only apiVersion v1,
 * only the fields a Pod's downward API knows ("spec.host" is the old name of
 * spec.nodeName), subscripts only on labels and annotations.
 */
export function convertDownwardApiFieldLabel(apiVersion: string, label: string): { ok: true; fieldPath: string } | { ok: false; error: string } {
  if (apiVersion !== "v1") return { ok: false, error: `unsupported pod version: ${apiVersion}` };
  const { path, subscript } = splitSubscriptedPath(label);
  if (subscript !== undefined) {
    return subscriptable.has(path) ? { ok: true, fieldPath: label } : { ok: false, error: `field label does not support subscript: ${label}` };
  }
  if (label === "spec.host") return { ok: true, fieldPath: "spec.nodeName" };
  return podFieldLabels.has(label) ? { ok: true, fieldPath: label } : { ok: false, error: `field label not supported: ${label}` };
}

/** A character as Go's strconv.Quote escapes it inside a quoted string; undefined when it stands as it is. */
function goEscape(ch: string): string | undefined {
  const named: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\" };
  if (named[ch] !== undefined) return named[ch];
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  return undefined;
}

/** A string quoted as Go's %q writes it. */
function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) out += goEscape(ch) ?? ch;
  return `${out}"`;
}

/** A whole map as a downwardAPI volume's file holds it (Kubernetes' fieldpath.FormatMap): `key="value"` lines in key order. */
export function formatFieldMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(map?.[k] ?? "")}`)
    .join("\n");
}

/**
 * A metadata field (Kubernetes' ExtractFieldPathAsString): the name, namespace or
 * uid, one label or annotation ("" when it is not set), or all the labels or
 * annotations (formatFieldMap); undefined for any other path, which only the pod's
 * node knows the value of.
 */
export function metadataFieldValue(meta: ObjectMeta, fieldPath: string): string | undefined {
  const { path, subscript } = splitSubscriptedPath(fieldPath);
  if (subscript !== undefined) {
    if (path === "metadata.labels") return meta.labels?.[subscript] ?? "";
    if (path === "metadata.annotations") return meta.annotations?.[subscript] ?? "";
    return undefined;
  }
  if (fieldPath === "metadata.name") return meta.name ?? "";
  if (fieldPath === "metadata.namespace") return meta.namespace ?? "";
  if (fieldPath === "metadata.uid") return meta.uid ?? "";
  if (fieldPath === "metadata.labels") return formatFieldMap(meta.labels);
  if (fieldPath === "metadata.annotations") return formatFieldMap(meta.annotations);
  return undefined;
}

/** The resources whose unset (or zero) limits the node's allocatable stands in for. */
const allocatableLimits = ["cpu", "memory", "ephemeral-storage"];

function limitsWithAllocatable(limits: ResourceList | undefined, allocatable: ResourceList): ResourceList {
  const out: ResourceList = { ...limits };
  for (const r of allocatableLimits) {
    const q = out[r];
    const node = allocatable[r];
    if ((q === undefined || parseQuantity(q) === 0) && node !== undefined) out[r] = node;
  }
  return out;
}

/**
 * A container resource as the downward API gives it (Kubernetes'
 * ExtractContainerResourceValue after defaultPodLimitsForDownwardAPI): limits the
 * container does not set are the node's `allocatable`, and the value is in units
 * of the divisor (default 1), rounded up: 1.5 CPUs is "2". `container` is the one
 * asking; `ref.containerName` may name another of the pod's `containers`. Throws an
 * Error worded as Kubernetes' when the resource cannot be read.
 */
export function containerResourceValue(ref: ResourceFieldSelector, containers: readonly Container[], container: Container, allocatable: ResourceList): string {
  const target = ref.containerName ? containers.find((c) => c.name === ref.containerName) : container;
  if (target === undefined) throw new Error(`container ${ref.containerName ?? ""} not found`);
  if (!containerResourceFieldPaths.includes(ref.resource)) throw new Error(`unsupported container resource : ${ref.resource}`);
  const [kind, name = ""] = ref.resource.split(".", 2) as [string, string?];
  const list = kind === "limits" ? limitsWithAllocatable(target.resources?.limits, allocatable) : (target.resources?.requests ?? {});
  const value: Quantity = list[name] ?? 0;
  // Go's zero Quantity is an unset divisor: 1.
  const divisor: Quantity = ref.divisor === undefined || parseQuantity(ref.divisor) === 0 ? 1 : ref.divisor;
  const units = name === "cpu" ? cpuToMillis(value) / cpuToMillis(divisor) : memoryToBytes(value) / memoryToBytes(divisor);
  return String(Math.ceil(units));
}
