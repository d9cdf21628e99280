// The container and pod-template sections of `bosun describe`, shared by pods and
// by every workload kind, in the order kubectl's describeContainers prints them.
import {
  containerResourceValue,
  metadataFieldValue,
  type Container,
  type ContainerState,
  type ContainerStatus,
  type EnvFromSource,
  type EnvVar,
  type ObjectMeta,
  type PodTemplateSpec,
  type Probe,
  type Toleration,
} from "@bosun/api";
import { describeMounts, describeVolumes } from "./describe-volumes.js";
import { describeTime, none, type DescribeWriter } from "./describe-writer.js";

function state(w: DescribeWriter, level: number, title: string, s: ContainerState | undefined): void {
  if (s?.running) {
    w.line(level, `${title}:`, "Running");
    w.line(level + 1, "Started:", describeTime(s.running.startedAt));
  } else if (s?.waiting) {
    w.line(level, `${title}:`, "Waiting");
    if (s.waiting.reason) w.line(level + 1, "Reason:", s.waiting.reason);
    if (s.waiting.message) w.line(level + 1, "Message:", s.waiting.message);
  } else if (s?.terminated) {
    const t = s.terminated;
    w.line(level, `${title}:`, "Terminated");
    if (t.reason) w.line(level + 1, "Reason:", t.reason);
    if (t.message) w.line(level + 1, "Message:", t.message);
    w.line(level + 1, "Exit Code:", String(t.exitCode));
    if (t.signal) w.line(level + 1, "Signal:", String(t.signal));
    w.line(level + 1, "Started:", describeTime(t.startedAt));
    w.line(level + 1, "Finished:", describeTime(t.finishedAt));
  } else {
    w.line(level, `${title}:`, title === "State" ? "Waiting" : "");
  }
}

/** A multi-line script argument prints one indented line per line, as kubectl does. */
function argLines(parts: readonly string[]): string[] {
  return parts.flatMap((p) => p.replace(/\n+$/, "").split("\n"));
}

/** kubectl's DescribeProbe, with the API's defaults for fields the server left unset. */
export function describeProbe(probe: Probe): string {
  const attrs =
    `delay=${probe.initialDelaySeconds ?? 0}s timeout=${probe.timeoutSeconds ?? 1}s period=${probe.periodSeconds ?? 10}s ` +
    `#success=${probe.successThreshold ?? 1} #failure=${probe.failureThreshold ?? 3}`;
  if (probe.exec) return `exec [${(probe.exec.command ?? []).join(" ")}] ${attrs}`;
  if (probe.httpGet) {
    const g = probe.httpGet;
    const host = g.host ?? "";
    const hostPort = host.includes(":") ? `[${host}]:${g.port}` : `${host}:${g.port}`;
    return `http-get ${(g.scheme ?? "HTTP").toLowerCase()}://${hostPort}${g.path ?? ""} ${attrs}`;
  }
  if (probe.tcpSocket) return `tcp-socket ${probe.tcpSocket.host ?? ""}:${probe.tcpSocket.port} ${attrs}`;
  return `unknown ${attrs}`;
}

/** kubectl's toleration text: `key=value:Effect op=Exists for 300s`. */
export function describeToleration(t: Toleration): string {
  let text = t.key ?? "";
  if (t.value) text += `=${t.value}`;
  if (t.effect) text += `:${t.effect}`;
  if (t.operator === "Exists" && !t.value) text += t.key || t.effect ? " op=Exists" : "op=Exists";
  if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
  return text;
}

/** kubectl's describeContainerEnvFrom cells: the object, its kind (and prefix), whether it may be missing. */
function describeEnvFrom(from: EnvFromSource): string[] {
  const [kind, ref] = from.configMapRef ? ["ConfigMap", from.configMapRef] : ["Secret", from.secretRef];
  return [ref?.name ?? "", from.prefix ? `${kind} with prefix '${from.prefix}'` : kind, `Optional: ${ref?.optional === true}`];
}

/**
 * kubectl's describeContainerEnvVars: a value (one line per line), or where it
 * comes from; a pod's metadata fields with their values, resources as the
 * container sets them ("node allocatable" for a limit it leaves to the node).
 */
function describeEnvVar(w: DescribeWriter, level: number, e: EnvVar, containers: readonly Container[], c: Container, meta: ObjectMeta | undefined): void {
  const from = e.valueFrom;
  const name = `${e.name}:`;
  if (from?.fieldRef) {
    const value = meta ? (metadataFieldValue(meta, from.fieldRef.fieldPath) ?? "") : "";
    return w.line(level, name, `${value} (${from.fieldRef.apiVersion ?? ""}:${from.fieldRef.fieldPath})`);
  }
  if (from?.resourceFieldRef) {
    const { resource } = from.resourceFieldRef;
    let value: string;
    try {
      value = containerResourceValue(from.resourceFieldRef, containers, c, {});
    } catch {
      value = "";
    }
    if (value === "0" && (resource === "limits.cpu" || resource === "limits.memory")) value = "node allocatable";
    return w.line(level, name, `${value} (${resource})`);
  }
  if (from?.secretKeyRef) {
    const ref = from.secretKeyRef;
    return w.line(level, name, `<set to the key '${ref.key}' in secret '${ref.name ?? ""}'>`, `Optional: ${ref.optional === true}`);
  }
  if (from?.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    return w.line(level, name, `<set to the key '${ref.key}' of config map '${ref.name ?? ""}'>`, `Optional: ${ref.optional === true}`);
  }
  (e.value ?? "").split("\n").forEach((line, i) => w.line(level, i === 0 ? name : "", line));
}

/**
 * The "Containers:" section at `level` (or "Init Containers:", as `title` says):
 * each container's spec and, for a pod (`statuses` given), its runtime state;
 * `meta` is the pod's, for the values of variables that name its fields.
 */
export function describeContainers(
  w: DescribeWriter,
  level: number,
  containers: readonly Container[],
  statuses?: readonly ContainerStatus[],
  meta?: ObjectMeta,
  title = "Containers",
): void {
  w.line(level, `${title}:`);
  const l = level + 2;
  for (const c of containers) {
    const cs = statuses?.find((s) => s.name === c.name);
    w.line(level + 1, `${c.name}:`);
    if (cs?.containerID) w.line(l, "Container ID:", cs.containerID);
    w.line(l, "Image:", c.image);
    if (cs?.imageID !== undefined) w.line(l, "Image ID:", cs.imageID);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}`);
    w.line(l, ports.length > 1 ? "Ports:" : "Port:", ports.length > 0 ? ports.join(", ") : none);
    if (c.command?.length) {
      w.line(l, "Command:");
      for (const line of argLines(c.command)) w.line(l + 1, line);
    }
    if (c.args?.length) {
      w.line(l, "Args:");
      for (const line of argLines(c.args)) w.line(l + 1, line);
    }
    if (statuses) {
      state(w, l, "State", cs?.state);
      if (cs?.lastState && Object.keys(cs.lastState).length > 0) state(w, l, "Last State", cs.lastState);
      w.line(l, "Ready:", cs?.ready ? "True" : "False");
      w.line(l, "Restart Count:", String(cs?.restartCount ?? 0));
    }
    w.resources(l, "Limits", c.resources?.limits);
    w.resources(l, "Requests", c.resources?.requests);
    if (c.livenessProbe) w.line(l, "Liveness:", describeProbe(c.livenessProbe));
    if (c.readinessProbe) w.line(l, "Readiness:", describeProbe(c.readinessProbe));
    if (c.startupProbe) w.line(l, "Startup:", describeProbe(c.startupProbe));
    if (c.envFrom?.length) {
      w.line(l, "Environment Variables from:");
      for (const from of c.envFrom) w.line(l + 1, ...describeEnvFrom(from));
    }
    if (c.env?.length) {
      w.line(l, "Environment:");
      for (const e of c.env) describeEnvVar(w, l + 1, e, containers, c, meta);
    } else {
      w.line(l, "Environment:", none);
    }
    describeMounts(w, l, c);
  }
}

/** kubectl's DescribePodTemplate: the "Pod Template:" block of every workload. */
export function describePodTemplate(w: DescribeWriter, template: PodTemplateSpec | undefined): void {
  w.line(0, "Pod Template:");
  if (!template) return w.line(1, "<unset>");
  w.map(1, "Labels", template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) w.map(1, "Annotations", template.metadata?.annotations, ": ");
  if (template.spec.initContainers?.length) describeContainers(w, 1, template.spec.initContainers, undefined, undefined, "Init Containers");
  describeContainers(w, 1, template.spec.containers);
  describeVolumes(w, template.spec.volumes, true);
  w.map(1, "Node-Selectors", template.spec.nodeSelector);
  w.list(1, "Tolerations", (template.spec.tolerations ?? []).map(describeToleration));
}
