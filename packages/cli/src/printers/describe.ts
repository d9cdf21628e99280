// `bosun describe` text for pods, nodes, events and any kind without its own
// describer, laid out like kubectl's describers; workloads are in describe-workloads.ts.
import { age, controllerRefOf, nodeRoles, type Event, type KubeObject, type Node, type Pod } from "@bosun/api";
import { toYaml } from "./output.js";
import { describeContainers, describeToleration } from "./describe-containers.js";
import { describeVolumes } from "./describe-volumes.js";
import { describeTime, DescribeWriter, none } from "./describe-writer.js";

export function commonMeta(w: DescribeWriter, obj: KubeObject): void {
  w.line(0, "Name:", obj.metadata.name ?? "");
  if (obj.metadata.namespace) w.line(0, "Namespace:", obj.metadata.namespace);
}

/** kubectl's "Controlled By: Kind/name" line, for objects a controller owns. */
export function controlledBy(w: DescribeWriter, obj: KubeObject): void {
  const owner = controllerRefOf(obj);
  if (owner) w.line(0, "Controlled By:", `${owner.kind}/${owner.name}`);
}

export function describePod(pod: Pod, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, pod);
  if (pod.spec.priority !== undefined) w.line(0, "Priority:", String(pod.spec.priority));
  if (pod.spec.priorityClassName) w.line(0, "Priority Class Name:", pod.spec.priorityClassName);
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
  controlledBy(w, pod);
  if (pod.spec.initContainers?.length) {
    describeContainers(w, 0, pod.spec.initContainers, pod.status?.initContainerStatuses ?? [], pod.metadata, "Init Containers");
  }
  describeContainers(w, 0, pod.spec.containers, pod.status?.containerStatuses ?? [], pod.metadata);
  if (pod.spec.ephemeralContainers?.length) {
    describeContainers(w, 0, pod.spec.ephemeralContainers, pod.status?.ephemeralContainerStatuses ?? [], pod.metadata, "Ephemeral Containers");
  }
  const conditions = pod.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, "Conditions:");
    w.line(1, "Type", "Status");
    for (const c of conditions) w.line(1, c.type, c.status);
  }
  describeVolumes(w, pod.spec.volumes);
  if (pod.status?.qosClass) w.line(0, "QoS Class:", pod.status.qosClass);
  w.map(0, "Node-Selectors", pod.spec.nodeSelector);
  w.list(0, "Tolerations", (pod.spec.tolerations ?? []).map(describeToleration));
  return w.toString() + describeEvents(events, now);
}

export function describeNode(node: Node, pods: readonly Pod[], events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  commonMeta(w, node);
  w.line(0, "Roles:", nodeRoles(node));
  w.map(0, "Labels", node.metadata.labels);
  w.map(0, "Annotations", node.metadata.annotations, ": ");
  w.line(0, "CreationTimestamp:", describeTime(node.metadata.creationTimestamp));
  w.list(0, "Taints", (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`));
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

/**
 * The description in `w` ended by its events, as kubectl's DescribeEvents ends it:
 * with none, "Events:<tab><none>" is a line of the writer's last block, so it lines
 * up with the lines above it.
 */
export function withEvents(w: DescribeWriter, events: readonly Event[], now = Date.now()): string {
  if (events.length > 0) return w.toString() + describeEvents(events, now);
  w.line(0, "Events:", none);
  return w.toString();
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
