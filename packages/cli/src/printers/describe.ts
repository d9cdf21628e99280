// `bosun describe` text for pods, nodes and any other kind, laid out like
// kubectl's describers: indented "Label:<tab>value" lines aligned by the
// tabwriter, and the object's recent events at the end.
import type { ContainerState, Event, KubeObject, Node, Pod, ResourceList } from "@bosun/api";
import { toYaml } from "./output.js";
import { age } from "./age.js";
import { nodeRoles } from "./tables.js";
import { describeOptions, tabwrite } from "./tabwriter.js";

const none = "<none>";

/** Collects describe lines; `line(level, ...cells)` indents by two spaces per level. */
class DescribeWriter {
  private text = "";
  line(level: number, ...cells: string[]): void {
    this.text += "  ".repeat(level) + cells.join("\t") + "\n";
  }
  /** A map as kubectl prints labels: first entry beside the title, the rest under it. */
  map(level: number, title: string, entries: Record<string, string> | undefined, sep = "="): void {
    const pairs = Object.entries(entries ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (pairs.length === 0) return this.line(level, `${title}:`, none);
    pairs.forEach(([k, v], i) => this.line(level, i === 0 ? `${title}:` : "", `${k}${sep}${v}`));
  }
  resources(level: number, title: string, list: ResourceList | undefined): void {
    const pairs = Object.entries(list ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (pairs.length === 0) return;
    this.line(level, `${title}:`);
    for (const [k, v] of pairs) this.line(level + 1, `${k}:`, String(v));
  }
  toString(): string {
    return tabwrite(this.text, describeOptions);
  }
}

/** RFC 1123 with a numeric zone, the format kubectl's describe uses. */
export function describeTime(timestamp: string | null | undefined): string {
  if (!timestamp) return none;
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return timestamp;
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

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

function commonMeta(w: DescribeWriter, obj: KubeObject): void {
  w.line(0, "Name:", obj.metadata.name ?? "");
  if (obj.metadata.namespace) w.line(0, "Namespace:", obj.metadata.namespace);
}

export function describePod(pod: Pod, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, pod);
  const node = pod.spec.nodeName ? `${pod.spec.nodeName}${pod.status?.hostIP ? `/${pod.status.hostIP}` : ""}` : none;
  w.line(0, "Node:", node);
  if (pod.status?.startTime) w.line(0, "Start Time:", describeTime(pod.status.startTime));
  w.map(0, "Labels", pod.metadata.labels);
  w.map(0, "Annotations", pod.metadata.annotations, ": ");
  if (pod.metadata.deletionTimestamp) {
    w.line(0, "Status:", `Terminating (lasts ${age(pod.metadata.deletionTimestamp, now)})`);
    w.line(0, "Termination Grace Period:", `${pod.metadata.deletionGracePeriodSeconds ?? 0}s`);
  } else {
    w.line(0, "Status:", pod.status?.phase ?? "Pending");
  }
  if (pod.status?.reason) w.line(0, "Reason:", pod.status.reason);
  if (pod.status?.message) w.line(0, "Message:", pod.status.message);
  w.line(0, "IP:", pod.status?.podIP ?? "");
  w.line(0, "Containers:");
  for (const c of pod.spec.containers) {
    const cs = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    w.line(1, `${c.name}:`);
    if (cs?.containerID) w.line(2, "Container ID:", cs.containerID);
    w.line(2, "Image:", c.image);
    if (cs?.imageID !== undefined) w.line(2, "Image ID:", cs.imageID);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}`);
    w.line(2, ports.length > 1 ? "Ports:" : "Port:", ports.length > 0 ? ports.join(", ") : none);
    if (c.command?.length) {
      w.line(2, "Command:");
      for (const line of argLines(c.command)) w.line(3, line);
    }
    if (c.args?.length) {
      w.line(2, "Args:");
      for (const line of argLines(c.args)) w.line(3, line);
    }
    state(w, 2, "State", cs?.state);
    if (cs?.lastState && Object.keys(cs.lastState).length > 0) state(w, 2, "Last State", cs.lastState);
    w.line(2, "Ready:", cs?.ready ? "True" : "False");
    w.line(2, "Restart Count:", String(cs?.restartCount ?? 0));
    w.resources(2, "Limits", c.resources?.limits);
    w.resources(2, "Requests", c.resources?.requests);
    if (c.env?.length) {
      w.line(2, "Environment:");
      for (const e of c.env) w.line(3, `${e.name}:`, e.value ?? "");
    } else {
      w.line(2, "Environment:", none);
    }
  }
  const conditions = pod.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, "Conditions:");
    w.line(1, "Type", "Status");
    for (const c of conditions) w.line(1, c.type, c.status);
  }
  if (pod.status?.qosClass) w.line(0, "QoS Class:", pod.status.qosClass);
  w.map(0, "Node-Selectors", pod.spec.nodeSelector);
  return w.toString() + describeEvents(events, now);
}

export function describeNode(node: Node, pods: readonly Pod[], events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, node);
  w.line(0, "Roles:", nodeRoles(node));
  w.map(0, "Labels", node.metadata.labels);
  w.map(0, "Annotations", node.metadata.annotations, ": ");
  w.line(0, "CreationTimestamp:", describeTime(node.metadata.creationTimestamp));
  const taints = (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`);
  if (taints.length === 0) w.line(0, "Taints:", none);
  taints.forEach((t, i) => w.line(0, i === 0 ? "Taints:" : "", t));
  w.line(0, "Unschedulable:", String(node.spec?.unschedulable ?? false));
  const conditions = node.status?.conditions ?? [];
  w.line(0, "Conditions:");
  w.line(1, "Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message");
  w.line(1, "----", "------", "-----------------", "------------------", "------", "-------");
  for (const c of conditions) {
    w.line(1, c.type, c.status, describeTime(c.lastHeartbeatTime), describeTime(c.lastTransitionTime), c.reason ?? "", c.message ?? "");
  }
  w.line(0, "Addresses:");
  for (const a of node.status?.addresses ?? []) w.line(1, `${a.type}:`, a.address);
  w.resources(0, "Capacity", node.status?.capacity);
  w.resources(0, "Allocatable", node.status?.allocatable);
  const info = node.status?.nodeInfo;
  w.line(0, "System Info:");
  w.line(1, "Kernel Version:", info?.kernelVersion ?? "");
  w.line(1, "OS Image:", info?.osImage ?? "");
  w.line(1, "Operating System:", info?.operatingSystem ?? "");
  w.line(1, "Architecture:", info?.architecture ?? "");
  w.line(1, "Container Runtime Version:", info?.containerRuntimeVersion ?? "");
  w.line(1, "Kubelet Version:", info?.kubeletVersion ?? "");
  if (node.spec?.podCIDR) w.line(0, "PodCIDR:", node.spec.podCIDR);
  const active = pods.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  w.line(0, "Non-terminated Pods:", `(${active.length} in total)`);
  if (active.length > 0) {
    w.line(1, "Namespace", "Name", "CPU Requests", "Memory Requests", "Age");
    w.line(1, "---------", "----", "------------", "---------------", "---");
    for (const p of active) {
      const sum = (key: string) =>
        p.spec.containers.map((c) => c.resources?.requests?.[key]).filter((q) => q !== undefined).join("+") || "0";
      w.line(1, p.metadata.namespace ?? "", p.metadata.name ?? "", sum("cpu"), sum("memory"), age(p.metadata.creationTimestamp, now));
    }
  }
  return w.toString() + describeEvents(events, now);
}

/** Kinds without their own describer: metadata, then the rest of the object as YAML. */
export function describeGeneric(obj: KubeObject, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, obj);
  w.map(0, "Labels", obj.metadata.labels);
  w.map(0, "Annotations", obj.metadata.annotations, ": ");
  w.line(0, "CreationTimestamp:", describeTime(obj.metadata.creationTimestamp));
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj as KubeObject & Record<string, unknown>;
  let text = w.toString();
  for (const [key, value] of Object.entries(rest)) {
    const body = toYaml(value).trimEnd();
    const title = key.charAt(0).toUpperCase() + key.slice(1);
    text += typeof value === "object" && value !== null
      ? `${title}:\n${body.split("\n").map((l) => `  ${l}`).join("\n")}\n`
      : `${title}:  ${body}\n`;
  }
  return text + describeEvents(events, now);
}

export function describeEvents(events: readonly Event[], now = Date.now()): string {
  if (events.length === 0) return "Events:  <none>\n";
  const w = new DescribeWriter();
  w.line(1, "Type", "Reason", "Age", "From", "Message");
  w.line(1, "----", "------", "----", "----", "-------");
  for (const e of events) {
    const last = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
    const first = e.firstTimestamp ?? last;
    const when = (e.count ?? 1) > 1 ? `${age(last, now)} (x${e.count} over ${age(first, now)})` : age(last, now);
    const from = [e.source?.component ?? e.reportingComponent, e.source?.host].filter(Boolean).join(", ");
    w.line(1, e.type ?? "", e.reason ?? "", when, from, (e.message ?? "").trim());
  }
  return "Events:\n" + w.toString();
}
