// Validation of objects as the apiserver receives them, in two layers like the
// Kubernetes apiserver: structure first (the TypeBox schema: types, required and
// unknown fields; a failure stops here, as a decode error does in Kubernetes),
// then the semantic rules of pkg/apis/core/validation for each kind (those of the
// apps and batch kinds live in validation-workloads.ts and validation-jobs.ts, their pod templates are
// checked here, as pods; those of Secrets in validation-secrets.ts, of ConfigMaps
// in validation-configmaps.ts; those of Services, Endpoints and EndpointSlices in
// validation-services.ts; those of the networking.k8s.io kinds in
// validation-networking.ts; those of persistent volumes, their claims and storage
// classes in validation-storage.ts; a pod's volumes and mounts in
// validation-volumes.ts). Causes carry Kubernetes' reasons, messages
// and field paths.
import type { ResourceInfo } from "./resources.js";
import {
  child,
  duplicate,
  forbidden,
  index,
  invalidValue,
  key,
  notSupported,
  required,
  tooLong,
} from "./field-errors.js";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameProblems,
  regexError,
} from "./naming.js";
import { cidrProblem, parseCidr } from "./cidr.js";
import { nodePodCidrs } from "./nodes.js";
import { compareQuantities, isValidQuantity, parseQuantity, quantityFormatMessage } from "./quantity.js";
import { validateStructure } from "./schema-errors.js";
import type {
  ConfigMap,
  Container,
  Event,
  ExecAction,
  HTTPGetAction,
  Node,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  ResourceList,
  ResourceRequirements,
  Secret,
  TCPSocketAction,
  Toleration,
} from "./types/core.js";
import type { IntOrString, KubeObject, ObjectMeta, StatusCause } from "./types/meta.js";
import type { EndpointSlice } from "./types/discovery.js";
import type { Ingress, IngressClass, NetworkPolicy } from "./types/networking.js";
import type { PersistentVolume, PersistentVolumeClaim } from "./types/persistent-volumes.js";
import type { PodDisruptionBudget } from "./types/policy.js";
import type { Endpoints, Service } from "./types/services.js";
import type { StorageClass } from "./types/storage.js";
import { validateConfigMap } from "./validation-configmaps.js";
import { validateEnv, validateEnvFrom } from "./validation-env.js";
import { mungeSchedulingUpdate, validateGatedPodCreate, validatePodSpecScheduling } from "./validation-affinity.js";
import { validateIngress, validateIngressClass, validateNetworkPolicy } from "./validation-networking.js";
import { validatePodDisruptionBudget } from "./validation-policy.js";
import { validateSecret } from "./validation-secrets.js";
import { validatePodPriorityFields, validatePriorityClass } from "./validation-scheduling.js";
import type { PriorityClass } from "./types/scheduling.js";
import { validateSecurityContexts } from "./validation-security-context.js";
import { validatePodFields } from "./validation-pod-fields.js";
import { validateHostNetwork, validatePodDns } from "./validation-pod-dns.js";
import { validateEndpointSlice, validateEndpoints, validateService } from "./validation-services.js";
import { validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimSpec, validateStorageClass } from "./validation-storage.js";
import { validateVolumeMounts, validateVolumes } from "./validation-volumes.js";
import { validateActiveDeadlineUpdate, validateInitContainersAndHooks, withMutableInitFields } from "./validation-init-containers.js";
import { validateEphemeralContainers, validateNoEphemeralContainersInTemplate, validateNoEphemeralContainersOnCreate } from "./validation-ephemeral-containers.js";
import { claimTemplatesOf, podTemplatesOf, validateWorkload } from "./validation-workloads.js";

/** Kubernetes' limit on the summed size of all annotation keys and values. */
export const totalAnnotationSizeLimitBytes = 256 * 1024;

const standardFinalizers = new Set(["kubernetes", "orphan", "foregroundDeletion"]);
const standardContainerResources = new Set(["cpu", "memory", "ephemeral-storage"]);
const overcommittable = new Set(["cpu", "memory", "ephemeral-storage"]);

/**
 * All problems with `obj` as a `info.kind`, or [] when it may be stored. With
 * `old`, also the rules of an update (immutable fields).
 */
export function validateObject(info: ResourceInfo, obj: unknown, old?: KubeObject): StatusCause[] {
  const structural = validateStructure(info.schema, obj);
  if (structural.length > 0) return structural;
  const o = obj as KubeObject;
  const causes = validateObjectMeta(info, o.metadata);
  switch (info.kind) {
    case "Pod":
      causes.push(...validatePodSpec((o as Pod).spec, "spec"));
      if (old === undefined) causes.push(...validateGatedPodCreate((o as Pod).spec, "spec"), ...validateNoEphemeralContainersOnCreate((o as Pod).spec, "spec"));
      break;
    case "Node":
      causes.push(...validateNode(o as Node));
      break;
    case "Event":
      causes.push(...validateEvent(o as Event));
      break;
    case "Secret":
      causes.push(...validateSecret(o as Secret, old as Secret | undefined));
      break;
    case "ConfigMap":
      causes.push(...validateConfigMap(o as ConfigMap, old as ConfigMap | undefined));
      break;
    case "PersistentVolume":
      causes.push(...validatePersistentVolume(o as PersistentVolume, old as PersistentVolume | undefined));
      break;
    case "PersistentVolumeClaim":
      causes.push(...validatePersistentVolumeClaim(o as PersistentVolumeClaim, old as PersistentVolumeClaim | undefined));
      break;
    case "StorageClass":
      causes.push(...validateStorageClass(o as StorageClass, old as StorageClass | undefined));
      break;
    case "Service":
      causes.push(...validateService(o as Service, old as Service | undefined));
      break;
    case "Endpoints":
      causes.push(...validateEndpoints(o as Endpoints));
      break;
    case "EndpointSlice":
      causes.push(...validateEndpointSlice(o as EndpointSlice, old as EndpointSlice | undefined));
      break;
    case "Ingress":
      causes.push(...validateIngress(o as Ingress, old as Ingress | undefined));
      break;
    case "IngressClass":
      causes.push(...validateIngressClass(o as IngressClass, old as IngressClass | undefined));
      break;
    case "NetworkPolicy":
      causes.push(...validateNetworkPolicy(o as NetworkPolicy, old as NetworkPolicy | undefined));
      break;
    case "PriorityClass":
      causes.push(...validatePriorityClass(o as PriorityClass, old as PriorityClass | undefined));
      break;
    case "PodDisruptionBudget":
      causes.push(...validatePodDisruptionBudget(o as PodDisruptionBudget));
      break;
    default:
      for (const { template, path } of podTemplatesOf(info.kind, o)) causes.push(...validatePodTemplate(template, path));
      for (const { spec, path } of claimTemplatesOf(info.kind, o)) causes.push(...validatePersistentVolumeClaimSpec(spec, path));
      causes.push(...validateWorkload(info.kind, o, old));
  }
  if (old !== undefined) {
    causes.push(...validateObjectMetaUpdate(o.metadata, old.metadata));
    if (info.kind === "Pod") causes.push(...validatePodSpecUpdate((o as Pod).spec, (old as Pod).spec));
    if (info.kind === "Node") causes.push(...validateNodeUpdate(o as Node, old as Node));
  }
  return causes;
}

// ---- metadata ----

export function validateLabels(labels: Record<string, string> | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) causes.push(invalidValue(path, k, msg));
    for (const msg of isValidLabelValue(v)) causes.push(invalidValue(path, v, msg));
  }
  return causes;
}

function validateAnnotations(annotations: Record<string, string> | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) causes.push(invalidValue(path, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > totalAnnotationSizeLimitBytes) causes.push(tooLong(path, totalAnnotationSizeLimitBytes));
  return causes;
}

function validateObjectMeta(info: ResourceInfo, meta: ObjectMeta): StatusCause[] {
  const causes: StatusCause[] = [];
  if (meta.generateName !== undefined && meta.generateName !== "") {
    for (const msg of nameProblems(info.kind, meta.generateName, true)) {
      causes.push(invalidValue("metadata.generateName", meta.generateName, msg));
    }
  }
  if (meta.name === undefined || meta.name === "") {
    if (meta.generateName === undefined || meta.generateName === "") {
      causes.push(required("metadata.name", "name or generateName is required"));
    }
  } else {
    for (const msg of nameProblems(info.kind, meta.name)) causes.push(invalidValue("metadata.name", meta.name, msg));
  }
  if (info.namespaced) {
    if (meta.namespace === undefined || meta.namespace === "") causes.push(required("metadata.namespace"));
    else for (const msg of isDNS1123Label(meta.namespace)) causes.push(invalidValue("metadata.namespace", meta.namespace, msg));
  } else if (meta.namespace !== undefined && meta.namespace !== "") {
    causes.push(forbidden("metadata.namespace", "not allowed on this type"));
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    causes.push(invalidValue("metadata.generation", meta.generation, "must be greater than or equal to 0"));
  }
  causes.push(...validateLabels(meta.labels, "metadata.labels"));
  causes.push(...validateAnnotations(meta.annotations, "metadata.annotations"));

  let controllers = 0;
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const p = index("metadata.ownerReferences", i);
    const version = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[1] : ref.apiVersion;
    if (!version) causes.push(invalidValue(child(p, "apiVersion"), ref.apiVersion, "version must not be empty"));
    if (ref.kind === "") causes.push(invalidValue(child(p, "kind"), ref.kind, "kind must not be empty"));
    if (ref.name === "") causes.push(invalidValue(child(p, "name"), ref.name, "name must not be empty"));
    if (ref.uid === "") causes.push(invalidValue(child(p, "uid"), ref.uid, "uid must not be empty"));
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) {
    causes.push(
      invalidValue("metadata.ownerReferences", meta.ownerReferences, "Only one reference can have Controller set to true"),
    );
  }

  const seen = new Set<string>();
  for (const f of meta.finalizers ?? []) {
    if (!f.includes("/")) {
      if (!standardFinalizers.has(f)) {
        causes.push(invalidValue("metadata.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified"));
      }
    } else {
      for (const msg of isQualifiedName(f)) causes.push(invalidValue("metadata.finalizers", f, msg));
    }
    if (seen.has(f)) causes.push(duplicate("metadata.finalizers", f));
    seen.add(f);
  }
  // The garbage collector cannot both orphan and delete the dependents.
  if (seen.has("orphan") && seen.has("foregroundDeletion")) {
    causes.push(invalidValue("metadata.finalizers", meta.finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
  }
  return causes;
}

function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): StatusCause[] {
  const causes: StatusCause[] = [];
  const immutable = (field: "name" | "namespace", now: string | undefined, before: string | undefined) => {
    if ((now ?? "") !== (before ?? "")) causes.push(invalidValue(`metadata.${field}`, now ?? "", "field is immutable"));
  };
  immutable("name", meta.name, old.name);
  immutable("namespace", meta.namespace, old.namespace);
  // An empty uid on update means "keep the stored one", as Kubernetes fills it in.
  if (meta.uid !== undefined && meta.uid !== "" && meta.uid !== old.uid) {
    causes.push(invalidValue("metadata.uid", meta.uid, "field is immutable"));
  }
  return causes;
}

// ---- Pod ----

function validateQuantityValue(q: string | number, path: string): StatusCause[] {
  if (!isValidQuantity(q)) return [invalidValue(path, q, quantityFormatMessage)];
  if (parseQuantity(q) < 0) return [invalidValue(path, String(q), "must be greater than or equal to 0")];
  return [];
}

function validateResourceName(name: string, path: string): StatusCause[] {
  const problems = isQualifiedName(name);
  if (problems.length > 0) return problems.map((msg) => invalidValue(path, name, msg));
  if (!name.includes("/") && !standardContainerResources.has(name) && !name.startsWith("hugepages-")) {
    return [invalidValue(path, name, "must be a standard resource for containers")];
  }
  return [];
}

export function validateResourceList(list: ResourceList | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [name, q] of Object.entries(list ?? {})) {
    causes.push(...validateResourceName(name, key(path, name)));
    causes.push(...validateQuantityValue(q, key(path, name)));
  }
  return causes;
}

function validateResources(res: ResourceRequirements | undefined, path: string): StatusCause[] {
  if (res === undefined) return [];
  const limPath = child(path, "limits");
  const reqPath = child(path, "requests");
  const causes = [...validateResourceList(res.limits, limPath), ...validateResourceList(res.requests, reqPath)];
  if (causes.length > 0) return causes;
  for (const [name, req] of Object.entries(res.requests ?? {})) {
    const limit = res.limits?.[name];
    if (limit === undefined) continue;
    const cmp = compareQuantities(req, limit);
    if (cmp !== 0 && !overcommittable.has(name)) {
      causes.push(invalidValue(reqPath, String(req), `must be equal to ${name} limit of ${String(limit)}`));
    } else if (cmp > 0) {
      causes.push(invalidValue(reqPath, String(req), `must be less than or equal to ${name} limit of ${String(limit)}`));
    }
  }
  return causes;
}

/** A container's own fields, as validateContainerCommon; exported for init containers (validation-init-containers.ts). */
export function validateContainer(c: Container, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (c.name === "") causes.push(required(child(path, "name")));
  else for (const msg of isDNS1123Label(c.name)) causes.push(invalidValue(child(path, "name"), c.name, msg));

  if (c.image === "") causes.push(required(child(path, "image")));
  else if (c.image.trim() !== c.image) {
    causes.push(invalidValue(child(path, "image"), c.image, "must not have leading or trailing whitespace"));
  }

  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const p = index(child(path, "ports"), i);
    if (port.name !== undefined && port.name !== "") {
      const problems = isValidPortName(port.name);
      for (const msg of problems) causes.push(invalidValue(child(p, "name"), port.name, msg));
      if (problems.length === 0 && portNames.has(port.name)) causes.push(duplicate(child(p, "name"), port.name));
      portNames.add(port.name);
    }
    if (port.containerPort === 0) causes.push(required(child(p, "containerPort")));
    else for (const msg of isValidPortNum(port.containerPort)) causes.push(invalidValue(child(p, "containerPort"), port.containerPort, msg));
    if (port.hostPort !== undefined && port.hostPort !== 0) {
      for (const msg of isValidPortNum(port.hostPort)) causes.push(invalidValue(child(p, "hostPort"), port.hostPort, msg));
    }
  });

  causes.push(...validateEnv(c.env, child(path, "env")), ...validateEnvFrom(c.envFrom, child(path, "envFrom")));

  causes.push(...validateResources(c.resources, child(path, "resources")));
  causes.push(...validateProbe(c.livenessProbe, child(path, "livenessProbe")));
  causes.push(...validateProbe(c.readinessProbe, child(path, "readinessProbe")));
  causes.push(...validateProbe(c.startupProbe, child(path, "startupProbe")));
  // A liveness or startup probe that passes once has passed.
  for (const name of ["livenessProbe", "startupProbe"] as const) {
    const threshold = c[name]?.successThreshold;
    if (threshold !== undefined && threshold !== 1) causes.push(invalidValue(child(path, `${name}.successThreshold`), threshold, "must be 1"));
  }
  if (c.readinessProbe?.terminationGracePeriodSeconds !== undefined) {
    causes.push(invalidValue(child(path, "readinessProbe.terminationGracePeriodSeconds"), c.readinessProbe.terminationGracePeriodSeconds, "must not be set for readinessProbes"));
  }

  const tmp = c.terminationMessagePolicy;
  if (tmp !== undefined && tmp !== "File" && tmp !== "FallbackToLogsOnError") {
    causes.push(notSupported(child(path, "terminationMessagePolicy"), tmp, ["File", "FallbackToLogsOnError"]));
  }
  return causes;
}

/** A port by number (1-65535) or by IANA_SVC_NAME, as ValidatePortNumOrName. */
export function validatePortNumOrName(port: IntOrString, path: string): StatusCause[] {
  const problems = typeof port === "number" ? isValidPortNum(port) : isValidPortName(port);
  return problems.map((msg) => invalidValue(path, port, msg));
}

const httpHeaderNameFmt = "[-A-Za-z0-9]+";
const httpHeaderNameRe = new RegExp(`^${httpHeaderNameFmt}$`);

/** A probe's or a lifecycle hook's action, as Kubernetes' validateHandler: exactly one, well formed. */
export function validateHandler(
  probe: { exec?: ExecAction; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction; sleep?: unknown },
  path: string,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const handlers = (["exec", "httpGet", "tcpSocket", "sleep"] as const).filter((h) => probe[h] !== undefined);
  if (handlers.length === 0) causes.push(required(path, "must specify a handler type"));
  for (const extra of handlers.slice(1)) causes.push(forbidden(child(path, extra), "may not specify more than 1 handler type"));
  const handler = handlers[0];
  if (handler === "exec" && (probe.exec?.command ?? []).length === 0) causes.push(required(child(path, "exec.command")));
  if (handler === "httpGet" && probe.httpGet !== undefined) {
    const http = probe.httpGet;
    const p = child(path, "httpGet");
    if (http.path === undefined || http.path === "") causes.push(required(child(p, "path")));
    causes.push(...validatePortNumOrName(http.port, child(p, "port")));
    (http.httpHeaders ?? []).forEach((h, i) => {
      if (!httpHeaderNameRe.test(h.name)) {
        causes.push(
          invalidValue(
            child(index(child(p, "httpHeaders"), i), "name"),
            h.name,
            regexError("a valid HTTP header must consist of alphanumeric characters or '-'", httpHeaderNameFmt, "X-Header-Name"),
          ),
        );
      }
    });
  }
  if (handler === "tcpSocket" && probe.tcpSocket !== undefined) {
    causes.push(...validatePortNumOrName(probe.tcpSocket.port, child(path, "tcpSocket.port")));
  }
  return causes;
}

/** As Kubernetes' validateProbe: one handler, sane timings. */
function validateProbe(probe: Probe | undefined, path: string): StatusCause[] {
  if (probe === undefined) return [];
  const causes = validateHandler(probe, path);
  if (probe.initialDelaySeconds !== undefined && probe.initialDelaySeconds < 0) {
    causes.push(invalidValue(child(path, "initialDelaySeconds"), probe.initialDelaySeconds, "must be greater than or equal to 0"));
  }
  // Defaulting turns 0 into the default, so only a negative value gets here below 1.
  for (const field of ["timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const) {
    const v = probe[field];
    if (v !== undefined && v < 1) causes.push(invalidValue(child(path, field), v, "must be greater than or equal to 1"));
  }
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds <= 0) {
    causes.push(invalidValue(child(path, "terminationGracePeriodSeconds"), probe.terminationGracePeriodSeconds, "must be greater than 0"));
  }
  return causes;
}

/** As Kubernetes' ValidateTolerations. */
function validateTolerations(tolerations: Toleration[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = index(path, i);
    const k = t.key ?? "";
    if (k !== "") for (const msg of isQualifiedName(k)) causes.push(invalidValue(child(p, "key"), k, msg));
    // An empty key with Exists matches every taint; with Equal it would match nothing sensible.
    if (k === "" && t.operator !== "Exists") {
      causes.push(
        invalidValue(child(p, "operator"), t.operator ?? "", 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      causes.push(invalidValue(child(p, "effect"), t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    const value = t.value ?? "";
    if (t.operator === "Exists") {
      if (value !== "") causes.push(invalidValue(child(p, "operator"), t, "value must be empty when `operator` is 'Exists'"));
    } else {
      const problems = isValidLabelValue(value);
      if (problems.length > 0) causes.push(invalidValue(child(p, "operator"), value, problems.join(";")));
    }
  });
  return causes;
}

const dnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];

/** A pod template as Kubernetes' ValidatePodTemplateSpec checks it: its labels, annotations and pod spec. */
function validatePodTemplate(template: PodTemplateSpec, path: string): StatusCause[] {
  return [
    ...validateLabels(template.metadata?.labels, child(path, "metadata.labels")),
    ...validateAnnotations(template.metadata?.annotations, child(path, "metadata.annotations")),
    ...validatePodSpec(template.spec, child(path, "spec")),
    ...validateNoEphemeralContainersInTemplate(template.spec, child(path, "spec")),
  ];
}

export function validatePodSpec(spec: PodSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const containersPath = child(path, "containers");
  if (spec.containers.length === 0) causes.push(required(containersPath));
  const volumes = validateVolumes(spec.volumes, child(path, "volumes"));
  causes.push(...volumes.causes);
  const names = new Set<string>();
  spec.containers.forEach((c, i) => {
    const p = index(containersPath, i);
    causes.push(...validateContainer(c, p));
    causes.push(...validateVolumeMounts(c, volumes.names, child(p, "volumeMounts")));
    if (c.name !== "" && names.has(c.name)) causes.push(duplicate(child(p, "name"), c.name));
    names.add(c.name);
  });
  causes.push(...validateInitContainersAndHooks(spec, path, volumes.names));
  causes.push(...validateEphemeralContainers(spec, path, volumes.names));
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) {
    causes.push(
      invalidValue(child(path, "terminationGracePeriodSeconds"), spec.terminationGracePeriodSeconds, "must be greater than or equal to 0"),
    );
  }
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(spec.dnsPolicy)) {
    causes.push(notSupported(child(path, "dnsPolicy"), spec.dnsPolicy, dnsPolicies));
  }
  causes.push(...validatePodDns(spec, path), ...validateHostNetwork(spec, path), ...validateSecurityContexts(spec, path));
  causes.push(...validateLabels(spec.nodeSelector, child(path, "nodeSelector")));
  if (spec.nodeName !== undefined && spec.nodeName !== "") {
    for (const msg of isDNS1123Subdomain(spec.nodeName)) causes.push(invalidValue(child(path, "nodeName"), spec.nodeName, msg));
  }
  if (spec.serviceAccountName !== undefined && spec.serviceAccountName !== "") {
    for (const msg of isDNS1123Subdomain(spec.serviceAccountName)) causes.push(invalidValue(child(path, "serviceAccountName"), spec.serviceAccountName, msg));
  }
  if (spec.schedulerName !== undefined && spec.schedulerName !== "") {
    for (const msg of isDNS1123Subdomain(spec.schedulerName)) {
      causes.push(invalidValue(child(path, "schedulerName"), spec.schedulerName, msg));
    }
  }
  causes.push(...validateTolerations(spec.tolerations, child(path, "tolerations")));
  causes.push(...validatePodSpecScheduling(spec, path));
  causes.push(...validatePodFields(spec, path));
  causes.push(...validatePodPriorityFields(spec, path));
  for (const field of ["hostname", "subdomain"] as const) {
    const v = spec[field];
    if (v !== undefined && v !== "") for (const msg of isDNS1123Label(v)) causes.push(invalidValue(child(path, field), v, msg));
  }
  return causes;
}

/** Field paths, relative to `base`, where two JSON values differ. */
function diffPaths(a: unknown, b: unknown, base: string, out: string[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => diffPaths(v, b[i], index(base, i), out));
    return;
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffPaths(a[k], b[k], child(base, k), out);
    return;
  }
  out.push(base);
}

const podUpdateMessage =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

function validatePodSpecUpdate(spec: PodSpec, old: PodSpec): StatusCause[] {
  if (spec.containers.length !== old.containers.length) {
    return [forbidden("spec.containers", "pod updates may not add or remove containers")];
  }
  const deadline = validateActiveDeadlineUpdate(spec, old);
  if (deadline.length > 0) return deadline;
  // Images are the one mutable part of containers: compare with them taken from the old spec.
  const munged: PodSpec = {
    ...withMutableInitFields(spec, old),
    containers: spec.containers.map((c, i) => ({ ...c, image: old.containers[i]!.image })),
  };
  if (
    old.terminationGracePeriodSeconds !== undefined &&
    old.terminationGracePeriodSeconds < 0 &&
    munged.terminationGracePeriodSeconds === 1
  ) {
    munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  }
  const scheduling = mungeSchedulingUpdate(munged, old);
  const changed: string[] = [];
  diffPaths(old, munged, "spec", changed);
  if (changed.length === 0) return scheduling;
  return [...scheduling, forbidden("spec", `${podUpdateMessage}\nchanged: ${changed.join(", ")}`)];
}

// ---- Node, Event ----

function validateNode(node: Node): StatusCause[] {
  const causes: StatusCause[] = [];
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = index("spec.taints", i);
    for (const msg of isQualifiedName(t.key)) causes.push(invalidValue(child(p, "key"), t.key, msg));
    if (t.value !== undefined) for (const msg of isValidLabelValue(t.value)) causes.push(invalidValue(child(p, "value"), t.value, msg));
  });
  causes.push(...validatePodCidrs(node));
  causes.push(...validateResourceListValues(node.status?.capacity, "status.capacity"));
  causes.push(...validateResourceListValues(node.status?.allocatable, "status.allocatable"));
  return causes;
}

/**
 * As Kubernetes' ValidateNode: each pod CIDR a valid range, at most one per IP family,
 * and spec.podCIDR (when set) the first of them. That no two nodes share a range is
 * the apiserver's pod CIDR index's job, which sees every node.
 */
function validatePodCidrs(node: Node): StatusCause[] {
  const causes: StatusCause[] = [];
  const listed = node.spec?.podCIDRs ?? [];
  const single = node.spec?.podCIDR ?? "";
  if (listed.length === 0 && single !== "") {
    const problem = cidrProblem(single);
    return problem === undefined ? [] : [invalidValue("spec.podCIDR", single, problem)];
  }
  const families = new Set<number>();
  let valid = true;
  listed.forEach((value, i) => {
    const problem = cidrProblem(value);
    if (problem !== undefined) {
      causes.push(invalidValue(index("spec.podCIDRs", i), value, problem));
      valid = false;
    } else {
      families.add(parseCidr(value).family);
    }
  });
  if (listed.length > 2 || (valid && families.size < listed.length)) {
    causes.push(invalidValue("spec.podCIDRs", listed, "may specify no more than one CIDR for each IP family"));
  }
  if (single !== "" && listed.length > 0 && single !== listed[0]) {
    causes.push(invalidValue("spec.podCIDR", single, `must match the first entry of spec.podCIDRs, "${listed[0]}"`));
  }
  return causes;
}

/** Kubernetes' own words: a node's range may be set once and never changed or taken away. */
export const podCidrUpdateMessage = 'node updates may not change podCIDR except from "" to valid';

function validateNodeUpdate(node: Node, old: Node): StatusCause[] {
  const before = nodePodCidrs(old);
  if (before.length === 0) return [];
  const after = nodePodCidrs(node);
  const same = after.length === before.length && before.every((cidr, i) => cidr === after[i]);
  return same ? [] : [forbidden("spec.podCIDRs", podCidrUpdateMessage)];
}

/** Quantities of a node's resource list; its names may be any the node reports. */
function validateResourceListValues(list: ResourceList | undefined, path: string): StatusCause[] {
  return Object.entries(list ?? {}).flatMap(([name, q]) => validateQuantityValue(q, key(path, name)));
}

function validateEvent(ev: Event): StatusCause[] {
  const ns = ev.metadata.namespace ?? "";
  const involved = ev.involvedObject.namespace ?? "";
  // Events about cluster-scoped objects live in "default", as in Kubernetes.
  const ok = involved === "" ? ns === "" || ns === "default" : ns === involved;
  return ok ? [] : [invalidValue("involvedObject.namespace", involved, "does not match event.namespace")];
}
