// Which nodes a DaemonSet's pod belongs on: node selector, required node affinity, a fixed node name, and
// taints against the pod's tolerations plus the ones every daemon pod gets.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Node, PodTemplateSpec, Taint, Toleration } from "@bosun/api";
import { nodeShouldRunDaemonPod } from "../src/daemonset/node-placement.js";
import { withDaemonTolerations } from "../src/daemonset/daemon-tolerations.js";

function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { taints } };
}

function template(spec: Partial<PodTemplateSpec["spec"]> = {}): PodTemplateSpec {
  return { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], ...spec } };
}

test("every node is eligible when the template has no node selector", () => {
  assert.deepEqual(nodeShouldRunDaemonPod(node("n1"), template()), { shouldRun: true, shouldContinueRunning: true });
});

test("the template's nodeSelector must match the node's labels", () => {
  const t = template({ nodeSelector: { disk: "ssd" } });
  assert.equal(nodeShouldRunDaemonPod(node("n1", { disk: "ssd", zone: "a" }), t).shouldRun, true);
  assert.deepEqual(nodeShouldRunDaemonPod(node("n2", { disk: "hdd" }), t), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(nodeShouldRunDaemonPod(node("n3"), t), { shouldRun: false, shouldContinueRunning: false });
});

test("the template's required node affinity must match the node, as the scheduler will judge it", () => {
  const t = template({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd", "nvme"] }] }] },
      },
    },
  });
  assert.equal(nodeShouldRunDaemonPod(node("n1", { disk: "nvme" }), t).shouldRun, true);
  assert.deepEqual(nodeShouldRunDaemonPod(node("n2", { disk: "hdd" }), t), { shouldRun: false, shouldContinueRunning: false });
});

test("a template naming a node only runs there", () => {
  const t = template({ nodeName: "n2" });
  assert.equal(nodeShouldRunDaemonPod(node("n1"), t).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(node("n2"), t).shouldRun, true);
});

test("an untolerated NoSchedule taint keeps new pods away but lets a running one stay", () => {
  const n = node("n1", {}, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]);
  assert.deepEqual(nodeShouldRunDaemonPod(n, template()), { shouldRun: false, shouldContinueRunning: true });
});

test("an untolerated NoExecute taint evicts", () => {
  const n = node("n1", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]);
  assert.deepEqual(nodeShouldRunDaemonPod(n, template()), { shouldRun: false, shouldContinueRunning: false });
});

test("PreferNoSchedule taints do not matter", () => {
  const n = node("n1", {}, [{ key: "dedicated", value: "db", effect: "PreferNoSchedule" }]);
  assert.equal(nodeShouldRunDaemonPod(n, template()).shouldRun, true);
});

test("the template's own tolerations count", () => {
  const n = node("n1", {}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]);
  const equal: Toleration = { key: "dedicated", operator: "Equal", value: "db", effect: "NoExecute" };
  assert.equal(nodeShouldRunDaemonPod(n, template({ tolerations: [equal] })).shouldRun, true);
  const wrongValue: Toleration = { key: "dedicated", operator: "Equal", value: "web" };
  assert.equal(nodeShouldRunDaemonPod(n, template({ tolerations: [wrongValue] })).shouldRun, false);
  const everything: Toleration = { operator: "Exists" };
  assert.equal(nodeShouldRunDaemonPod(n, template({ tolerations: [everything] })).shouldRun, true);
});

test("daemon pods tolerate not-ready, unreachable and cordoned nodes", () => {
  const failing = node("n1", {}, [
    { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
    { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
    { key: "node.kubernetes.io/unreachable", effect: "NoExecute" },
    { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
    { key: "node.kubernetes.io/memory-pressure", effect: "NoSchedule" },
  ]);
  // not-ready NoSchedule is not among the daemon tolerations (as in Kubernetes): no new pod, but the old one stays.
  assert.deepEqual(nodeShouldRunDaemonPod(failing, template()), { shouldRun: false, shouldContinueRunning: true });
  const cordoned = node("n2", {}, [
    { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unreachable", effect: "NoExecute" },
  ]);
  assert.deepEqual(nodeShouldRunDaemonPod(cordoned, template()), { shouldRun: true, shouldContinueRunning: true });
});

test("the daemon tolerations replace a user's toleration of the same taint and keep the others", () => {
  const user: Toleration[] = [
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "gpu", operator: "Exists" },
  ];
  const result = withDaemonTolerations(user);
  const unreachable = result.filter((t) => t.key === "node.kubernetes.io/unreachable");
  assert.deepEqual(unreachable, [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]);
  assert.ok(result.some((t) => t.key === "gpu"));
  for (const key of ["not-ready", "unreachable", "disk-pressure", "memory-pressure", "pid-pressure", "unschedulable"]) {
    assert.ok(result.some((t) => t.key === `node.kubernetes.io/${key}`), key);
  }
  assert.equal(result.length, 7);
  assert.equal(withDaemonTolerations(undefined).length, 6);
});
