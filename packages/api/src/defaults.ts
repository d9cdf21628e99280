// Defaults the apiserver fills in on create and update, as Kubernetes' defaulting
// (pkg/apis/core/v1/defaults.go) and pod strategy do, so stored objects and what
// clients read back look like Kubernetes'. Tolerates malformed input: validation,
// not defaulting, reports problems.
import { isPlainObject } from "./objects.js";
import type { ResourceInfo } from "./resources.js";
import { isValidQuantity, compareQuantities, cpuToMillis, memoryToBytes } from "./quantity.js";
import { defaultServiceNetworking } from "./defaults-services.js";
import { defaultStorage } from "./defaults-storage.js";
import { defaultVolumes } from "./defaults-volumes.js";
import { defaultWorkload } from "./defaults-workloads.js";
import { defaultSecret } from "./secrets.js";
import type { Container, HTTPGetAction, Namespace, Node, Pod, PodSpec, Probe, PullPolicy, ResourceList, Secret } from "./types/core.js";
import type { KubeObject } from "./types/meta.js";
import { preemptLowerPriority, type PriorityClass } from "./types/scheduling.js";

export type QOSClass = "Guaranteed" | "Burstable" | "BestEffort";

const serviceNetworkingKinds = new Set(["Service", "Endpoints", "EndpointSlice", "Ingress", "IngressClass", "NetworkPolicy"]);
const storageKinds = new Set(["PersistentVolume", "PersistentVolumeClaim", "StorageClass"]);

export function applyDefaults(info: ResourceInfo, obj: KubeObject): void {
  if (info.kind === "Pod") defaultPod(obj as Pod);
  else if (info.kind === "Namespace") defaultNamespace(obj as Namespace);
  else if (info.kind === "Node") defaultNode(obj as Node);
  else if (info.kind === "Secret") defaultSecret(obj as Secret);
  else if (serviceNetworkingKinds.has(info.kind)) defaultServiceNetworking(info.kind, obj);
  else if (storageKinds.has(info.kind)) defaultStorage(info.kind, obj);
  // SetDefaults_PriorityClass.
  else if (info.kind === "PriorityClass") (obj as PriorityClass).preemptionPolicy ??= preemptLowerPriority;
  else {
    // A workload's pod template gets what a pod's spec gets, as SetDefaults_PodSpec
    // runs for every PodSpec Kubernetes decodes.
    const template = defaultWorkload(info.kind, obj);
    if (template !== undefined && isPlainObject(template.spec)) defaultPodSpec(template.spec);
  }
}

/** The image's tag, "latest" when it has neither tag nor digest (as docker reference parsing does). */
export function imageTag(image: string): string {
  if (image.includes("@")) return "";
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  return colon === -1 ? "latest" : image.slice(colon + 1);
}

/** Always for ":latest" or untagged images, IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): PullPolicy {
  return imageTag(image) === "latest" ? "Always" : "IfNotPresent";
}

/** As SetDefaults_Probe and SetDefaults_HTTPGetAction; 0 counts as unset, as it does in Go. */
function defaultProbe(probe: Probe | undefined): void {
  if (!isPlainObject(probe)) return;
  if (!probe.timeoutSeconds) probe.timeoutSeconds = 1;
  if (!probe.periodSeconds) probe.periodSeconds = 10;
  if (!probe.successThreshold) probe.successThreshold = 1;
  if (!probe.failureThreshold) probe.failureThreshold = 3;
  defaultHTTPGet(probe.httpGet);
}

/** SetDefaults_HTTPGetAction, for probes and lifecycle hooks alike. */
function defaultHTTPGet(http: HTTPGetAction | undefined): void {
  if (!isPlainObject(http)) return;
  if (!http.path) http.path = "/";
  http.scheme ??= "HTTP";
}

function defaultContainer(c: Container): void {
  if (!isPlainObject(c)) return;
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isPlainObject(c.lifecycle)) for (const hook of [c.lifecycle.postStart, c.lifecycle.preStop]) if (isPlainObject(hook)) defaultHTTPGet(hook.httpGet);
  if (c.imagePullPolicy === undefined && typeof c.image === "string") c.imagePullPolicy = defaultPullPolicy(c.image);
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isPlainObject(p)) p.protocol ??= "TCP";
  // A variable's pod field is of the v1 Pod when it names no version (SetDefaults_ObjectFieldSelector).
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      const ref = isPlainObject(e) && isPlainObject(e.valueFrom) ? e.valueFrom.fieldRef : undefined;
      if (isPlainObject(ref) && !ref.apiVersion) ref.apiVersion = "v1";
    }
  }
  // Limits without requests mean requests equal to limits, resource by resource.
  const res = c.resources;
  if (isPlainObject(res) && isPlainObject(res.limits)) {
    const requests: ResourceList = isPlainObject(res.requests) ? res.requests : {};
    for (const [name, q] of Object.entries(res.limits)) if (!(name in requests)) requests[name] = q;
    res.requests = requests;
  }
}

function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  // SetDefaults_PodSpec: clients read it without checking (kubectl debug 1.33 crashes on a pod without it).
  if (spec.securityContext === undefined) spec.securityContext = {};
  // v1.DefaultEnableServiceLinks: the Services of the namespace become variables unless the pod says no.
  spec.enableServiceLinks ??= true;
  syncServiceAccountAlias(spec);
  defaultVolumes(spec.volumes);
  if (Array.isArray(spec.initContainers)) spec.initContainers.forEach(defaultContainer);
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
  if (Array.isArray(spec.ephemeralContainers)) spec.ephemeralContainers.forEach(defaultContainer);
}

/**
 * serviceAccount is the deprecated alias of serviceAccountName, as Kubernetes' v1
 * conversion keeps them: the new field wins, an old client's alias fills it in,
 * and both read back the same.
 */
function syncServiceAccountAlias(spec: PodSpec): void {
  if (!spec.serviceAccountName && typeof spec.serviceAccount === "string" && spec.serviceAccount !== "") spec.serviceAccountName = spec.serviceAccount;
  if (typeof spec.serviceAccountName === "string" && spec.serviceAccountName !== "") spec.serviceAccount = spec.serviceAccountName;
  else delete spec.serviceAccount;
}

function defaultPod(pod: Pod): void {
  const spec = pod.spec as PodSpec | undefined;
  if (!isPlainObject(spec)) return;
  defaultPodSpec(spec);
  const status = isPlainObject(pod.status) ? pod.status : (pod.status = {});
  status.phase ??= "Pending";
  status.qosClass ??= podQOSClass(spec);
}

/** Every namespace carries its own name as a label, as Kubernetes sets it: network policies select namespaces by it. */
export const namespaceNameLabel = "kubernetes.io/metadata.name";

function defaultNamespace(ns: Namespace): void {
  const status = isPlainObject(ns.status) ? ns.status : (ns.status = {});
  status.phase ??= "Active";
  if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [namespaceNameLabel]: ns.metadata.name };
}

/**
 * spec.podCIDR and spec.podCIDRs say the same thing twice (the single field predates
 * dual-stack): whichever a client set fills in the other, as Kubernetes' v1
 * conversion does, so readers of either see the node's range.
 */
function defaultNode(node: Node): void {
  const spec = node.spec;
  if (!isPlainObject(spec)) return;
  const cidrs = spec.podCIDRs;
  if (Array.isArray(cidrs) && cidrs.length > 0) {
    if (!spec.podCIDR && typeof cidrs[0] === "string") spec.podCIDR = cidrs[0];
  } else if (typeof spec.podCIDR === "string" && spec.podCIDR !== "") {
    spec.podCIDRs = [spec.podCIDR];
  }
}

type Totals = Map<string, number>;

function addPositive(totals: Totals, list: unknown, found?: Set<string>): void {
  if (!isPlainObject(list)) return;
  for (const name of ["cpu", "memory"]) {
    const q = list[name];
    if ((typeof q !== "string" && typeof q !== "number") || !isValidQuantity(q) || compareQuantities(q, 0) <= 0) continue;
    // Whole millicores and bytes keep the sums exact.
    const amount = name === "cpu" ? cpuToMillis(q) : memoryToBytes(q);
    totals.set(name, (totals.get(name) ?? 0) + amount);
    found?.add(name);
  }
}

/** The pod's quality of service class, as Kubernetes' qos.GetPodQOS computes it from cpu and memory. */
export function podQOSClass(spec: PodSpec): QOSClass {
  const requests: Totals = new Map();
  const limits: Totals = new Map();
  let guaranteed = true;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  // As qos.GetPodQOS: init containers count too.
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    const res = isPlainObject(c) && isPlainObject(c.resources) ? c.resources : {};
    addPositive(requests, res.requests);
    const found = new Set<string>();
    addPositive(limits, res.limits, found);
    if (!found.has("cpu") || !found.has("memory")) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
