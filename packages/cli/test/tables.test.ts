import { test } from "node:test";
import assert from "node:assert/strict";
import type { Event, Namespace, Node, Pod } from "@bosun/api";
import { printTable } from "../src/printers/tables.js";
import { formatTable, tabwrite, describeOptions } from "../src/printers/tabwriter.js";
import { parseOutputFormat, printObjects } from "../src/printers/output.js";
import { resourceByName } from "@bosun/api";
import { parse } from "yaml";

const now = Date.parse("2024-05-01T12:00:00Z");

function runningPod(name: string, namespace = "default"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, creationTimestamp: "2024-05-01T11:59:00Z" },
    spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox" }] },
    status: {
      phase: "Running",
      podIP: "172.17.0.5",
      containerStatuses: [{ name: "c", image: "busybox", ready: true, restartCount: 0, state: { running: {} } }],
    },
  };
}

test("tables align like kubectl: three spaces of padding, no trailing blanks", () => {
  assert.equal(
    formatTable(["NAME", "READY", "STATUS"], [["nginx", "1/1", "Running"]]),
    "NAME    READY   STATUS\nnginx   1/1     Running\n",
  );
});

test("pods table, wide and with namespaces", () => {
  const pods = [runningPod("web"), runningPod("db-primary")];
  assert.equal(
    printTable("Pod", pods, { now }),
    [
      "NAME         READY   STATUS    RESTARTS   AGE",
      "web          1/1     Running   0          60s",
      "db-primary   1/1     Running   0          60s",
      "",
    ].join("\n"),
  );
  const wide = printTable("Pod", [runningPod("web", "team-a")], { now, wide: true, withNamespace: true });
  assert.equal(
    wide,
    "NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\n" +
      "team-a      web    1/1     Running   0          60s   172.17.0.5   node-1   <none>           <none>\n",
  );
});

test("a pod not yet scheduled shows <none> for IP and NODE", () => {
  const p = runningPod("web");
  delete p.spec.nodeName;
  p.status = { phase: "Pending" };
  assert.match(printTable("Pod", [p], { now, wide: true }), /web +0\/1 +Pending +0 +60s +<none> +<none> +<none> +<none>\n$/);
});

test("nodes table: Ready, NotReady, Unknown, SchedulingDisabled, roles and wide columns", () => {
  const node = (name: string, ready: "True" | "False" | "Unknown" | undefined, unschedulable = false): Node => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, creationTimestamp: "2024-04-30T12:00:00Z", labels: { "node-role.kubernetes.io/control-plane": "" } },
    spec: { unschedulable },
    status: {
      ...(ready ? { conditions: [{ type: "Ready", status: ready }] } : {}),
      addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
      nodeInfo: { kubeletVersion: "v0.1.0", osImage: "Debian GNU/Linux 12", kernelVersion: "6.1.0", containerRuntimeVersion: "docker://20.10.24" },
    },
  });
  const table = printTable("Node", [node("a", "True"), node("b", "False"), node("c", undefined), node("d", "True", true)], { now });
  assert.deepEqual(table.split("\n").map((l) => l.split(/ {3,}/)[1]), ["STATUS", "Ready", "NotReady", "Unknown", "Ready,SchedulingDisabled", undefined]);
  assert.match(table, /^a +Ready +control-plane +24h +v0\.1\.0$/m);
  const wide = printTable("Node", [node("a", "True")], { now, wide: true });
  assert.match(wide, /INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME\n/);
  assert.match(wide, /10\.0\.0\.1 +<none> +Debian GNU\/Linux 12 +6\.1\.0 +docker:\/\/20\.10\.24\n$/);
});

test("namespaces and events tables", () => {
  const ns: Namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", creationTimestamp: "2024-05-01T11:00:00Z" }, status: { phase: "Active" } };
  assert.equal(printTable("Namespace", [ns], { now }), "NAME      STATUS   AGE\ndefault   Active   60m\n");
  const ev: Event = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web.1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web", namespace: "default" },
    reason: "Scheduled",
    message: "Successfully assigned default/web to node-1",
    type: "Normal",
    lastTimestamp: "2024-05-01T11:59:55Z",
  };
  assert.equal(
    printTable("Event", [ev], { now }),
    "LAST SEEN   TYPE     REASON      OBJECT    MESSAGE\n5s          Normal   Scheduled   pod/web   Successfully assigned default/web to node-1\n",
  );
});

test("tabwriter aligns a column over the run of lines that have it, as Go's does", () => {
  const text = "Name:\tweb\nContainers:\n  c:\n    Image:\tbusybox\n    Restart Count:\t0\n";
  assert.equal(tabwrite(text, describeOptions), "Name:  web\nContainers:\n  c:\n    Image:          busybox\n    Restart Count:  0\n");
});

test("-o name, json and yaml print one object as itself and several as a List", () => {
  const pods = resourceByName("pods")!;
  assert.equal(printObjects("name", pods, [runningPod("a"), runningPod("b")], false), "pod/a\npod/b\n");
  assert.equal((JSON.parse(printObjects("json", pods, [runningPod("a")], true)) as Pod).metadata.name, "a");
  const list = parse(printObjects("yaml", pods, [runningPod("a")], false)) as { kind: string; items: Pod[] };
  assert.equal(list.kind, "List");
  assert.equal(list.items[0]!.metadata.name, "a");
  assert.throws(() => parseOutputFormat("xml"), /allowed formats are: wide,yaml,json,name/);
});

test("-o yaml|json hide metadata.managedFields unless asked for them, as kubectl does", () => {
  const pods = resourceByName("pods")!;
  const pod = runningPod("a");
  pod.metadata.managedFields = [{ manager: "bosun", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": {} } }];
  const hidden = JSON.parse(printObjects("json", pods, [pod], true)) as Pod;
  assert.equal(hidden.metadata.managedFields, undefined);
  assert.equal(hidden.metadata.name, "a");
  assert.ok(pod.metadata.managedFields, "the object printed is left as it was");
  const listed = parse(printObjects("yaml", pods, [pod], false)) as { items: Pod[] };
  assert.equal(listed.items[0]!.metadata.managedFields, undefined);
  const shown = parse(printObjects("yaml", pods, [pod], true, { showManagedFields: true })) as Pod;
  assert.deepEqual(shown.metadata.managedFields, pod.metadata.managedFields);
});
