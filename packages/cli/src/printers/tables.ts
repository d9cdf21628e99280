// Human-readable tables for `bosun get`, one column set per kind, following
// kubectl's printers for the same kinds; kinds without their own set print NAME and AGE.
import { nodeReadyCondition, type Event, type KubeObject, type Namespace, type Node, type Pod } from "@bosun/api";
import { age } from "./age.js";
import { podColumns } from "./pod-status.js";
import { formatTable } from "./tabwriter.js";

export interface TableOptions {
  wide?: boolean;
  /** A leading NAMESPACE column, for --all-namespaces. */
  withNamespace?: boolean;
  now?: number;
}

interface Columns<T extends KubeObject> {
  header(wide: boolean): string[];
  row(obj: T, wide: boolean, now: number): string[];
}

const none = "<none>";

const podTable: Columns<Pod> = {
  header: (wide) => ["NAME", "READY", "STATUS", "RESTARTS", "AGE", ...(wide ? ["IP", "NODE"] : [])],
  row(pod, wide, now) {
    const c = podColumns(pod, now);
    const cells = [pod.metadata.name ?? "", c.ready, c.status, c.restarts, age(pod.metadata.creationTimestamp, now)];
    if (wide) cells.push(pod.status?.podIP || none, pod.spec.nodeName || none);
    return cells;
  },
};

export function nodeStatus(node: Node): string {
  const ready = nodeReadyCondition(node);
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith("node-role.kubernetes.io/")) {
      const role = key.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (key === "kubernetes.io/role" && value) {
      roles.add(value);
    }
  }
  return roles.size > 0 ? [...roles].sort().join(",") : none;
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? none;
}

const nodeTable: Columns<Node> = {
  header: (wide) => [
    "NAME", "STATUS", "ROLES", "AGE", "VERSION",
    ...(wide ? ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"] : []),
  ],
  row(node, wide, now) {
    const info = node.status?.nodeInfo;
    const cells = [
      node.metadata.name ?? "",
      nodeStatus(node),
      nodeRoles(node),
      age(node.metadata.creationTimestamp, now),
      info?.kubeletVersion || "",
    ];
    if (wide) {
      cells.push(
        nodeAddress(node, "InternalIP"),
        nodeAddress(node, "ExternalIP"),
        info?.osImage || "<unknown>",
        info?.kernelVersion || "<unknown>",
        info?.containerRuntimeVersion || "<unknown>",
      );
    }
    return cells;
  },
};

const namespaceTable: Columns<Namespace> = {
  header: () => ["NAME", "STATUS", "AGE"],
  row: (ns, _wide, now) => [ns.metadata.name ?? "", ns.status?.phase ?? "", age(ns.metadata.creationTimestamp, now)],
};

export function eventLastSeen(ev: Event): string | undefined {
  return ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata.creationTimestamp ?? undefined;
}

const eventTable: Columns<Event> = {
  header: () => ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
  row(ev, _wide, now) {
    const obj = ev.involvedObject;
    return [
      age(eventLastSeen(ev), now),
      ev.type ?? "",
      ev.reason ?? "",
      `${(obj.kind ?? "").toLowerCase()}/${obj.name ?? ""}`,
      (ev.message ?? "").trim(),
    ];
  },
};

const defaultTable: Columns<KubeObject> = {
  header: () => ["NAME", "AGE"],
  row: (obj, _wide, now) => [obj.metadata.name ?? "", age(obj.metadata.creationTimestamp, now)],
};

function columnsFor(kind: string): Columns<KubeObject> {
  const byKind: Record<string, Columns<never>> = {
    Pod: podTable,
    Node: nodeTable,
    Namespace: namespaceTable,
    Event: eventTable,
  };
  return (byKind[kind] as Columns<KubeObject> | undefined) ?? defaultTable;
}

/** The header of a kind's table, for watch output that prints rows as they come. */
export function tableHeader(kind: string, opts: TableOptions = {}): string[] {
  const header = columnsFor(kind).header(opts.wide ?? false);
  return opts.withNamespace ? ["NAMESPACE", ...header] : header;
}

export function tableRow(kind: string, obj: KubeObject, opts: TableOptions = {}): string[] {
  const row = columnsFor(kind).row(obj, opts.wide ?? false, opts.now ?? Date.now());
  return opts.withNamespace ? [obj.metadata.namespace ?? "", ...row] : row;
}

/** Prints objects of one kind as kubectl does: an aligned table under a header. */
export function printTable(kind: string, objects: readonly KubeObject[], opts: TableOptions = {}): string {
  return formatTable(
    tableHeader(kind, opts),
    objects.map((o) => tableRow(kind, o, opts)),
  );
}
