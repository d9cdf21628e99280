// Human-readable tables for `bosun get`, one column set per kind, following
// kubectl's printers for the same kinds; kinds without their own set print NAME and AGE.
import { nodeReadyCondition, resources, type Event, type KubeObject, type Namespace, type Node, type Pod } from "@bosun/api";
import { age } from "./age.js";
import { podColumns } from "./pod-status.js";
import { formatTable } from "./tabwriter.js";
import {
  cronJobTable,
  daemonSetTable,
  deploymentTable,
  jobTable,
  none,
  replicaSetTable,
  statefulSetTable,
  type Columns,
} from "./workload-tables.js";

export interface TableOptions {
  wide?: boolean;
  /** A leading NAMESPACE column, for --all-namespaces. */
  withNamespace?: boolean;
  /** NAME as `kind.group/name`, as kubectl prints it when a listing holds several kinds. */
  withKind?: boolean;
  now?: number;
}

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
  header: (wide) =>
    wide
      ? ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
      : ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
  row(ev, wide, now) {
    const obj = ev.involvedObject;
    const kind = (obj.kind ?? "").toLowerCase();
    const target = obj.name ? `${kind}/${obj.name}` : kind;
    const lastSeen = age(eventLastSeen(ev), now);
    const message = (ev.message ?? "").trim();
    if (!wide) return [lastSeen, ev.type ?? "", ev.reason ?? "", target, message];
    const firstSeen = age(ev.firstTimestamp ?? ev.eventTime ?? eventLastSeen(ev), now);
    const source = [ev.source?.component || ev.reportingComponent, ev.source?.host || ev.reportingInstance].filter(Boolean).join(", ");
    return [lastSeen, ev.type ?? "", ev.reason ?? "", target, obj.fieldPath ?? "", source, message, firstSeen, String(ev.count || 1), ev.metadata.name ?? ""];
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
    Deployment: deploymentTable,
    ReplicaSet: replicaSetTable,
    DaemonSet: daemonSetTable,
    StatefulSet: statefulSetTable,
    Job: jobTable,
    CronJob: cronJobTable,
  };
  return (byKind[kind] as Columns<KubeObject> | undefined) ?? defaultTable;
}

/** The header of a kind's table, for watch output that prints rows as they come. */
export function tableHeader(kind: string, opts: TableOptions = {}): string[] {
  const header = columnsFor(kind).header(opts.wide ?? false);
  return opts.withNamespace ? ["NAMESPACE", ...header] : header;
}

/** "deployment.apps", the prefix kubectl gives names in listings of several kinds. */
export function qualifiedKind(kind: string): string {
  const res = resources.find((r) => r.kind === kind);
  const group = res?.group ? `.${res.group}` : "";
  return `${kind.toLowerCase()}${group}`;
}

export function tableRow(kind: string, obj: KubeObject, opts: TableOptions = {}): string[] {
  const columns = columnsFor(kind);
  const wide = opts.wide ?? false;
  const row = columns.row(obj, wide, opts.now ?? Date.now());
  if (opts.withKind) {
    // Only a NAME column carries the kind; event tables without one stay as they are.
    const nameColumn = columns.header(wide).indexOf("NAME");
    if (nameColumn >= 0) row[nameColumn] = `${qualifiedKind(kind)}/${row[nameColumn]}`;
  }
  return opts.withNamespace ? [obj.metadata.namespace ?? "", ...row] : row;
}

/** Prints objects of one kind as kubectl does: an aligned table under a header. */
export function printTable(kind: string, objects: readonly KubeObject[], opts: TableOptions = {}): string {
  return formatTable(
    tableHeader(kind, opts),
    objects.map((o) => tableRow(kind, o, opts)),
  );
}
