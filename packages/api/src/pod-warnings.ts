// The warnings Kubernetes sends (Warning headers, not errors) for pods and pod
// templates, after pkg/api/pod/warnings.go, for the fields Bosun supports:
// deprecated node labels in nodeSelector, node affinity and spread topology keys,
// spread constraints without a selector, annotations that stopped working,
// fractional byte quantities, an env var that hides an earlier one, and ports
// defined twice. Same texts as Kubernetes, so kubectl prints what users know.
// Reads the object defensively: it runs before validation.
import { isPlainObject } from "./objects.js";
import { isValidQuantity, parseQuantity } from "./quantity.js";

type Obj = Record<string, unknown>;

const deprecatedNodeLabels: Record<string, string> = {
  "beta.kubernetes.io/arch": 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  "beta.kubernetes.io/os": 'deprecated since v1.14; use "kubernetes.io/os" instead',
  "failure-domain.beta.kubernetes.io/region": 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  "failure-domain.beta.kubernetes.io/zone": 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  "beta.kubernetes.io/instance-type": 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

const deprecatedAnnotations: Record<string, string> = {
  "scheduler.alpha.kubernetes.io/critical-pod": 'non-functional in v1.16+; use the "priorityClassName" field instead',
  "security.alpha.kubernetes.io/sysctls": 'non-functional in v1.11+; use the "sysctls" field instead',
  "security.alpha.kubernetes.io/unsafe-sysctls": 'non-functional in v1.11+; use the "sysctls" field instead',
};

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function at(prefix: string, field: string): string {
  return prefix === "" ? field : `${prefix}.${field}`;
}

/** A quantity as Kubernetes prints a fractional one: in milli-units ("100m", "1500m"). */
function milli(value: string | number): string {
  return typeof value === "string" && value.endsWith("m") ? value : `${Math.round(parseQuantity(value) * 1000)}m`;
}

function containerWarnings(c: Obj, path: string, out: string[]): void {
  const resources = obj(c.resources);
  for (const kind of ["limits", "requests"]) {
    const values = obj(resources[kind]);
    for (const name of ["memory", "ephemeral-storage"]) {
      const q = values[name];
      if (isValidQuantity(q) && !Number.isInteger(parseQuantity(q as string | number))) {
        out.push(`${path}.resources.${kind}[${name}]: fractional byte value "${milli(q as string | number)}" is invalid, must be an integer`);
      }
    }
  }
  const seen = new Set<string>();
  list(c.env).forEach((e, i) => {
    const name = String(e.name ?? "");
    if (!seen.has(name)) {
      seen.add(name);
      return;
    }
    // X="$(X)..." builds on the earlier value; anything else hides it.
    const ref = `$(${name})`;
    const value = typeof e.value === "string" ? e.value : "";
    if (value === ref || !value.includes(ref)) {
      out.push(`${path}.env[${i}]: hides previous definition of "${name}", which may be dropped when using apply`);
    }
  });
}

interface PortAt {
  field: string;
  hostIP: string;
  hostPort: number;
}

function portWarnings(containers: [Obj, string][], out: string[]): void {
  const byPort = new Map<string, PortAt[]>();
  for (const [c, path] of containers) {
    list(c.ports).forEach((p, i) => {
      const port: PortAt = { field: `${path}.ports[${i}]`, hostIP: String(p.hostIP ?? ""), hostPort: Number(p.hostPort ?? 0) };
      const key = `${String(p.containerPort)}/${String(p.protocol ?? "TCP")}`;
      for (const other of byPort.get(key) ?? []) {
        if (port.hostIP === other.hostIP && port.hostPort === other.hostPort) {
          out.push(`${port.field}: duplicate port definition with ${other.field}`);
        } else if (port.hostPort === 0 || other.hostPort === 0) {
          out.push(`${port.field}: overlapping port definition with ${other.field}`);
        } else if (port.hostPort === other.hostPort && (port.hostIP === "") !== (other.hostIP === "")) {
          out.push(`${port.field}: dangerously ambiguous port definition with ${other.field}`);
        }
      }
      byPort.set(key, [...(byPort.get(key) ?? []), port]);
    });
  }
}

/** A deprecated node label as a node selector term's key: "<path>.key: <label> is deprecated since ...". */
function termWarnings(term: Obj, path: string, out: string[]): void {
  list(term.matchExpressions).forEach((e, i) => {
    const message = typeof e.key === "string" ? deprecatedNodeLabels[e.key] : undefined;
    if (message !== undefined) out.push(`${path}.matchExpressions[${i}].key: ${String(e.key)} is ${message}`);
  });
}

/** Deprecated node labels in node affinity and spread topology keys, and spread constraints that select nothing. */
function schedulingWarnings(spec: Obj, prefix: string, out: string[]): void {
  const nodeAffinity = obj(obj(spec.affinity).nodeAffinity);
  const requiredPath = at(prefix, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
  list(obj(nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms).forEach((t, i) => termWarnings(t, `${requiredPath}[${i}]`, out));
  const preferredPath = at(prefix, "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution");
  list(nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => termWarnings(obj(t.preference), `${preferredPath}[${i}].preference`, out));
  list(spec.topologySpreadConstraints).forEach((c, i) => {
    const path = `${at(prefix, "spec.topologySpreadConstraints")}[${i}]`;
    const message = typeof c.topologyKey === "string" ? deprecatedNodeLabels[c.topologyKey] : undefined;
    if (message !== undefined) out.push(`${path}.topologyKey: ${String(c.topologyKey)} is ${message}`);
    if (c.labelSelector === undefined || c.labelSelector === null) out.push(`${path}.labelSelector: a null labelSelector results in matching no pod`);
  });
}

/** Warnings for a pod's (or a pod template's) metadata and spec; `prefix` is where the template sits. */
function podSpecWarnings(meta: Obj, spec: Obj, prefix: string): string[] {
  const out: string[] = [];
  for (const label of Object.keys(obj(spec.nodeSelector))) {
    const message = deprecatedNodeLabels[label];
    if (message !== undefined) out.push(`${at(prefix, "spec.nodeSelector")}[${label}]: ${message}`);
  }
  schedulingWarnings(spec, prefix, out);
  const annotations = obj(meta.annotations);
  for (const [key, message] of Object.entries(deprecatedAnnotations)) {
    if (key in annotations) out.push(`${at(prefix, "metadata.annotations")}[${key}]: ${message}`);
  }
  const containers = list(spec.containers).map((c, i): [Obj, string] => [c, `${at(prefix, "spec.containers")}[${i}]`]);
  for (const [c, path] of containers) containerWarnings(c, path, out);
  portWarnings(containers, out);
  return out;
}

/** Where each kind keeps its pod template. */
const templatePaths: Record<string, string[]> = {
  ReplicationController: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  Deployment: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** The warnings Kubernetes gives for writing `object` as a `kind`; [] for kinds without a pod. */
export function objectWarnings(kind: string, object: unknown): string[] {
  const o = obj(object);
  if (kind === "Pod") return podSpecWarnings(obj(o.metadata), obj(o.spec), "");
  const path = templatePaths[kind];
  if (path === undefined) return [];
  const template = obj(path.reduce<unknown>((v, key) => obj(v)[key], o));
  return podSpecWarnings(obj(template.metadata), obj(template.spec), path.join("."));
}
