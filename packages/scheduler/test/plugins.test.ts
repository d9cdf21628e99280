import { test } from "node:test";
import assert from "node:assert/strict";
import { newNodeInfo, podNonZeroRequests } from "../src/framework/node-info.js";
import { LeastAllocated } from "../src/plugins/least-allocated.js";
import { NodeReady } from "../src/plugins/node-ready.js";
import { NodeAffinity } from "../src/plugins/node-affinity.js";
import { NodeUnschedulable } from "../src/plugins/node-unschedulable.js";
import { ResourceFit } from "../src/plugins/resource-fit.js";
import { TaintToleration } from "../src/plugins/taint-toleration.js";
import { makeNode, makePod } from "./fixtures.js";

const pod = makePod("p");

test("NodeReady passes only nodes whose Ready condition is True", () => {
  const plugin = new NodeReady();
  assert.deepEqual(plugin.filter(pod, newNodeInfo(makeNode("a"), [])), { code: "Success" });
  for (const ready of ["False", "Unknown", "absent"] as const) {
    assert.deepEqual(plugin.filter(pod, newNodeInfo(makeNode("a", { ready }), [])), {
      code: "UnschedulableAndUnresolvable",
      reasons: ["node(s) were not ready"],
    });
  }
});

test("NodeUnschedulable refuses cordoned nodes", () => {
  const plugin = new NodeUnschedulable();
  assert.equal(plugin.filter(pod, newNodeInfo(makeNode("a"), [])).code, "Success");
  assert.deepEqual(plugin.filter(pod, newNodeInfo(makeNode("a", { unschedulable: true }), [])), {
    code: "UnschedulableAndUnresolvable",
    reasons: ["node(s) were unschedulable"],
  });
});

test("NodeAffinity requires every nodeSelector label with the same value", () => {
  const plugin = new NodeAffinity();
  const node = newNodeInfo(makeNode("a", { labels: { disk: "ssd", zone: "z1" } }), []);
  assert.equal(plugin.filter(makePod("p"), node).code, "Success");
  assert.equal(plugin.filter(makePod("p", { nodeSelector: { disk: "ssd" } }), node).code, "Success");
  assert.equal(plugin.filter(makePod("p", { nodeSelector: { disk: "ssd", zone: "z1" } }), node).code, "Success");
  const mismatches: Record<string, string>[] = [{ disk: "hdd" }, { gpu: "yes" }, { disk: "ssd", zone: "z2" }];
  for (const nodeSelector of mismatches) {
    assert.deepEqual(plugin.filter(makePod("p", { nodeSelector }), node), {
      code: "UnschedulableAndUnresolvable",
      reasons: ["node(s) didn't match Pod's node affinity/selector"],
    });
  }
});

test("for scoring, a container without requests counts 100m cpu and 200Mi memory", () => {
  const p = makePod("p", { cpu: "250m", memory: "100Mi" });
  p.spec.containers.push({ name: "bare", image: "x" });
  assert.deepEqual(podNonZeroRequests(p), { cpuMillis: 350, memoryBytes: 300 * 1024 * 1024 });
});

test("allocatable falls back to capacity and reads quantities", () => {
  const node = makeNode("a", { cpu: "1500m", memory: "2Gi", pods: "110" });
  delete node.status!.allocatable;
  assert.deepEqual(newNodeInfo(node, []).allocatable, { cpuMillis: 1500, memoryBytes: 2 * 1024 ** 3, pods: 110 });
});

test("ResourceFit subtracts what bound pods request from allocatable", () => {
  const plugin = new ResourceFit();
  const node = makeNode("a", { cpu: "2", memory: "1Gi" });
  const bound = [makePod("b1", { cpu: "1", memory: "512Mi", nodeName: "a" })];
  const info = newNodeInfo(node, bound);
  assert.equal(plugin.filter(makePod("p", { cpu: "1", memory: "512Mi" }), info).code, "Success");
  assert.deepEqual(plugin.filter(makePod("p", { cpu: "1001m" }), info), {
    code: "Unschedulable",
    reasons: ["Insufficient cpu"],
  });
  assert.deepEqual(plugin.filter(makePod("p", { memory: "513Mi" }), info), {
    code: "Unschedulable",
    reasons: ["Insufficient memory"],
  });
  assert.deepEqual(plugin.filter(makePod("p", { cpu: "2", memory: "1Gi" }), info), {
    code: "Unschedulable",
    reasons: ["Insufficient cpu", "Insufficient memory"],
  });
  // A pod that requests nothing fits a full node.
  assert.equal(plugin.filter(makePod("p"), newNodeInfo(node, [makePod("big", { cpu: "2", memory: "1Gi" })])).code, "Success");
});

test("ResourceFit enforces the node's pod count when it publishes one", () => {
  const plugin = new ResourceFit();
  const full = newNodeInfo(makeNode("a", { pods: "2" }), [makePod("x"), makePod("y")]);
  assert.deepEqual(plugin.filter(makePod("p", { cpu: "100m" }), full), {
    code: "Unschedulable",
    reasons: ["Too many pods"],
  });
  assert.equal(plugin.filter(makePod("p"), newNodeInfo(makeNode("a", { pods: "3" }), [makePod("x"), makePod("y")])).code, "Success");
  assert.equal(plugin.filter(makePod("p"), newNodeInfo(makeNode("a"), [makePod("x"), makePod("y")])).code, "Success");
});

test("LeastAllocated scores the room left after placing the pod, cpu and memory averaged", () => {
  const plugin = new LeastAllocated();
  const node = makeNode("a", { cpu: "4", memory: "4Gi" });
  const p = makePod("p", { cpu: "1", memory: "1Gi" });
  // cpu (4-1)/4 = 75, memory (4-1)/4 = 75
  assert.equal(plugin.score(p, newNodeInfo(node, [])), 75);
  // cpu (4-3)/4 = 25, memory (4-2)/4 = 50 -> 37
  assert.equal(plugin.score(p, newNodeInfo(node, [makePod("b", { cpu: "2", memory: "1Gi", nodeName: "a" })])), 37);
  // A bound pod without a memory request still costs 200Mi: (4096-1024-200)/4096 -> 70, cpu 25 -> 47.
  assert.equal(plugin.score(p, newNodeInfo(node, [makePod("b", { cpu: "2", nodeName: "a" })])), 47);
  // Over capacity scores 0 for that resource rather than going negative.
  assert.equal(plugin.score(makePod("p", { cpu: "8", memory: "1Gi" }), newNodeInfo(node, [])), 37);
  // A request-less pod still costs the non-zero defaults: 100m of 4000m, 200Mi of 4Gi.
  assert.equal(plugin.score(makePod("p"), newNodeInfo(node, [])), Math.floor((97 + 95) / 2));
  assert.equal(plugin.score(p, newNodeInfo(makeNode("z", { cpu: "0", memory: "0" }), [])), 0);
});

test("NodeUnschedulable lets through pods that tolerate the unschedulable taint", () => {
  const plugin = new NodeUnschedulable();
  const cordoned = newNodeInfo(makeNode("a", { unschedulable: true }), []);
  const tolerant = makePod("ds", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
  assert.equal(plugin.filter(tolerant, cordoned).code, "Success");
  assert.equal(plugin.filter(makePod("all", { tolerations: [{ operator: "Exists" }] }), cordoned).code, "Success");
  const wrongEffect = makePod("w", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoExecute" }] });
  assert.equal(plugin.filter(wrongEffect, cordoned).code, "UnschedulableAndUnresolvable");
});

test("TaintToleration filters on untolerated NoSchedule and NoExecute taints with kube-scheduler's reason", () => {
  const plugin = new TaintToleration();
  const unreachable = newNodeInfo(
    makeNode("a", {
      taints: [
        { key: "node.kubernetes.io/unreachable", effect: "NoSchedule", timeAdded: "2025-01-01T00:00:00Z" },
        { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "2025-01-01T00:00:00Z" },
      ],
    }),
    [],
  );
  assert.deepEqual(plugin.filter(makePod("p"), unreachable), {
    code: "UnschedulableAndUnresolvable",
    reasons: ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"],
  });
  // Tolerating only the NoExecute one still leaves the NoSchedule one.
  const onlyExecute = makePod("p", { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }] });
  assert.equal(plugin.filter(onlyExecute, unreachable).code, "UnschedulableAndUnresolvable");
  const both = makePod("p", { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists" }] });
  assert.equal(plugin.filter(both, unreachable).code, "Success");

  const gpu = newNodeInfo(makeNode("g", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }), []);
  assert.deepEqual(plugin.filter(makePod("p"), gpu), {
    code: "UnschedulableAndUnresolvable",
    reasons: ["node(s) had untolerated taint {dedicated: gpu}"],
  });
  assert.equal(plugin.filter(makePod("p", { tolerations: [{ key: "dedicated", value: "gpu" }] }), gpu).code, "Success");
  assert.equal(plugin.filter(makePod("p", { tolerations: [{ key: "dedicated", value: "cpu" }] }), gpu).code, "UnschedulableAndUnresolvable");

  // PreferNoSchedule never filters.
  const soft = newNodeInfo(makeNode("s", { taints: [{ key: "soft", effect: "PreferNoSchedule" }] }), []);
  assert.equal(plugin.filter(makePod("p"), soft).code, "Success");
});

test("TaintToleration scores fewer intolerable PreferNoSchedule taints higher", () => {
  const plugin = new TaintToleration();
  const soft = (key: string) => ({ key, effect: "PreferNoSchedule" as const });
  const nodes = [
    newNodeInfo(makeNode("clean", { taints: [{ key: "hard", effect: "NoSchedule" }] }), []),
    newNodeInfo(makeNode("one", { taints: [soft("a")] }), []),
    newNodeInfo(makeNode("two", { taints: [soft("a"), soft("b")] }), []),
  ];
  const p = makePod("p", { tolerations: [{ key: "hard", operator: "Exists" }] });
  const scores = new Map(nodes.map((n) => [n.name, plugin.score(p, n)]));
  assert.deepEqual(Object.fromEntries(scores), { clean: 0, one: 1, two: 2 });
  plugin.normalize(p, scores);
  assert.deepEqual(Object.fromEntries(scores), { clean: 100, one: 50, two: 0 });

  // A toleration for "a" with effect PreferNoSchedule (or any effect) counts; one limited to NoSchedule does not.
  const tolerant = makePod("t", { tolerations: [{ key: "a", operator: "Exists", effect: "PreferNoSchedule" }] });
  assert.equal(plugin.score(tolerant, nodes[2]!), 1);
  assert.equal(plugin.score(makePod("t", { tolerations: [{ key: "a", operator: "Exists" }] }), nodes[2]!), 1);
  assert.equal(plugin.score(makePod("t", { tolerations: [{ key: "a", operator: "Exists", effect: "NoSchedule" }] }), nodes[2]!), 2);

  const none = new Map([["x", 0], ["y", 0]]);
  plugin.normalize(p, none);
  assert.deepEqual(Object.fromEntries(none), { x: 100, y: 100 });
});
