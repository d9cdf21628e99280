import { test } from "node:test";
import assert from "node:assert/strict";
import { printerFor, resources, type DaemonSet, type Deployment, type Event, type Node, type ReplicaSet, type StatefulSet } from "../src/index.js";

const now = Date.parse("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:00:00Z";
const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "busybox:1" }, { name: "side", image: "busybox:2" }] } };

/** Column names per kind as Kubernetes' printers declare them; "*" marks priority 1 (-o wide). */
const expected: Record<string, string[]> = {
  Pod: ["Name", "Ready", "Status", "Restarts", "Age", "*IP", "*Node", "*Nominated Node", "*Readiness Gates"],
  Node: ["Name", "Status", "Roles", "Age", "Version", "*Internal-IP", "*External-IP", "*OS-Image", "*Kernel-Version", "*Container-Runtime"],
  Namespace: ["Name", "Status", "Age"],
  Event: ["Last Seen", "Type", "Reason", "Object", "*Subobject", "*Source", "Message", "*First Seen", "*Count", "*Name"],
  Secret: ["Name", "Type", "Data", "Age"],
  ServiceAccount: ["Name", "Secrets", "Age"],
  ConfigMap: ["Name", "Data", "Age"],
  PersistentVolume: ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "*VolumeMode"],
  PersistentVolumeClaim: ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "*VolumeMode"],
  StorageClass: ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"],
  PriorityClass: ["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"],
  Service: ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "*Selector"],
  Endpoints: ["Name", "Endpoints", "Age"],
  EndpointSlice: ["Name", "AddressType", "Ports", "Endpoints", "Age"],
  Ingress: ["Name", "Class", "Hosts", "Address", "Ports", "Age"],
  IngressClass: ["Name", "Controller", "Parameters", "Age"],
  NetworkPolicy: ["Name", "Pod-Selector", "Age"],
  PodDisruptionBudget: ["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"],
  Deployment: ["Name", "Ready", "Up-to-date", "Available", "Age", "*Containers", "*Images", "*Selector"],
  ReplicaSet: ["Name", "Desired", "Current", "Ready", "Age", "*Containers", "*Images", "*Selector"],
  ReplicationController: ["Name", "Desired", "Current", "Ready", "Age", "*Containers", "*Images", "*Selector"],
  ControllerRevision: ["Name", "Controller", "Revision", "Age"],
  DaemonSet: ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "*Containers", "*Images", "*Selector"],
  StatefulSet: ["Name", "Ready", "Age", "*Containers", "*Images"],
  Job: ["Name", "Status", "Completions", "Duration", "Age", "*Containers", "*Images", "*Selector"],
  CronJob: ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "*Containers", "*Images", "*Selector"],
};

test("every served kind has Kubernetes' columns, wide ones at priority 1, one name column", () => {
  assert.deepEqual(Object.keys(expected).sort(), [...new Set(resources.map((r) => r.kind))].sort(), "a new kind needs its printer");
  for (const [kind, names] of Object.entries(expected)) {
    const columns = printerFor(kind).columns;
    assert.deepEqual(columns.map((c) => (c.priority === 1 ? "*" : "") + c.name), names, kind);
    assert.deepEqual(columns.filter((c) => c.format === "name").map((c) => c.name), ["Name"], kind);
    for (const c of columns) assert.ok(c.description.length > 0, `${kind} ${c.name} has a description`);
  }
});

test("a kind without a printer gets Kubernetes' default table: Name and Created At", () => {
  const printer = printerFor("Widget");
  assert.deepEqual(printer.columns.map((c) => [c.name, c.type]), [["Name", "string"], ["Created At", "date"]]);
  assert.deepEqual(printer.cells({ apiVersion: "x/v1", kind: "Widget", metadata: { name: "w", creationTimestamp: created } }, now), ["w", created]);
});

test("workload rows: counts are numbers, READY is ready/desired, wide cells list every container", () => {
  const d: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", creationTimestamp: created },
    spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(printerFor("Deployment").cells(d, now), ["web", "2/3", 3, 2, "60m", "web,side", "busybox:1,busybox:2", "app=web"]);
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web-abc", namespace: "default", creationTimestamp: created },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template },
    status: { replicas: 1 },
  };
  assert.deepEqual(printerFor("ReplicaSet").cells(rs, now).slice(0, 5), ["web-abc", 2, 1, 0, "60m"]);
  const ds: DaemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "default", creationTimestamp: created },
    spec: { selector: { matchLabels: { app: "web" } }, template: { ...template, spec: { ...template.spec, nodeSelector: { zone: "b", disk: "ssd" } } } },
    status: { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 1 },
  };
  assert.deepEqual(printerFor("DaemonSet").cells(ds, now).slice(0, 8), ["agent", 3, 2, 1, 0, 0, "disk=ssd,zone=b", "60m"]);
  const sts: StatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default", creationTimestamp: created },
    spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
    status: { replicas: 2, readyReplicas: 1 },
  };
  assert.deepEqual(printerFor("StatefulSet").cells(sts, now), ["db", "1/3", "60m", "web,side", "busybox:1,busybox:2"]);
});

test("node rows: status, sorted roles, addresses and <unknown> system info", () => {
  const node: Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1", creationTimestamp: created, labels: { "node-role.kubernetes.io/worker": "", "kubernetes.io/role": "edge" } },
    spec: { unschedulable: true },
    status: { conditions: [{ type: "Ready", status: "False" }], addresses: [{ type: "InternalIP", address: "10.0.0.1" }], nodeInfo: { kubeletVersion: "v1.33.0-bosun" } },
  };
  assert.deepEqual(printerFor("Node").cells(node, now), [
    "n1", "NotReady,SchedulingDisabled", "edge,worker", "60m", "v1.33.0-bosun", "10.0.0.1", "<none>", "<unknown>", "<unknown>", "<unknown>",
  ]);
});

test("event rows: last seen falls back to the first occurrence; count defaults to 1; source names component and host", () => {
  const ev: Event = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web.1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{main}" },
    reason: "Started",
    message: "Started container main \n",
    type: "Normal",
    firstTimestamp: "2024-05-01T11:59:00Z",
    reportingComponent: "bosun-agent",
    reportingInstance: "node-1",
  };
  assert.deepEqual(printerFor("Event").cells(ev, now), [
    "60s", "Normal", "Started", "pod/web", "spec.containers{main}", "bosun-agent, node-1", "Started container main", "60s", 1, "web.1",
  ]);
  const scheduled: Event = { ...ev, involvedObject: { kind: "Node" }, source: { component: "scheduler" }, lastTimestamp: "2024-05-01T11:59:50Z", count: 4 };
  const cells = printerFor("Event").cells(scheduled, now);
  assert.deepEqual([cells[0], cells[3], cells[5], cells[8]], ["10s", "node", "scheduler, node-1", 4]);
});
