import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, ReplicaSet } from "@bosun/api";
import { defaultSchedulerConfig, resolveConfig } from "../src/config.js";
import type { ScorePlugin } from "../src/framework/interface.js";
import { buildNodeInfos, newNodeInfo, type NodeInfo } from "../src/framework/node-info.js";
import { buildProfile } from "../src/framework/registry.js";
import { scheduleOne, scoreNodes, selectHost } from "../src/framework/schedule-one.js";
import { inTreeRegistry } from "../src/plugins/registry.js";
import { makeHandle, makeNode, makePod } from "./fixtures.js";

const profile = buildProfile(defaultSchedulerConfig, inTreeRegistry, makeHandle());

test("the default profile has kube-scheduler's plugins, order and weights", () => {
  assert.deepEqual(profile.preEnqueues.map((p) => p.name), ["SchedulingGates"]);
  assert.deepEqual(
    profile.filters.map((f) => f.name),
    ["NodeReady", "NodeUnschedulable", "TaintToleration", "NodeAffinity", "NodeResourcesFit", "VolumeBinding", "PodTopologySpread", "InterPodAffinity"],
  );
  // These also check the pod against all nodes first; VolumeBinding also works before binding.
  assert.deepEqual(profile.preFilters.map((p) => p.name), ["VolumeBinding", "PodTopologySpread", "InterPodAffinity"]);
  assert.deepEqual(profile.preBinds.map((p) => p.name), ["VolumeBinding"]);
  assert.deepEqual(
    profile.scores.map((s) => [s.plugin.name, s.weight]),
    [["TaintToleration", 3], ["NodeAffinity", 2], ["LeastAllocated", 1], ["PodTopologySpread", 2], ["InterPodAffinity", 2]],
  );
  // One instance serves both extension points.
  assert.equal(profile.filters[2], profile.scores[0]!.plugin);
});

test("buildProfile refuses unknown plugins, wrong extension points and bad weights", () => {
  assert.throws(() => buildProfile({ filters: ["Nope"], scores: [] }, inTreeRegistry, makeHandle()), /plugin "Nope", which does not exist; known plugins: .*NodeReady/);
  assert.throws(() => buildProfile({ filters: ["LeastAllocated"], scores: [] }, inTreeRegistry, makeHandle()), /configured as a filter but does not filter/);
  assert.throws(() => buildProfile({ preEnqueue: ["NodeReady"], filters: [], scores: [] }, inTreeRegistry, makeHandle()), /configured for preEnqueue/);
  assert.throws(() => buildProfile({ filters: [], scores: [{ name: "NodeReady", weight: 1 }] }, inTreeRegistry, makeHandle()), /does not score/);
  assert.throws(() => buildProfile({ filters: [], scores: [{ name: "LeastAllocated", weight: 0 }] }, inTreeRegistry, makeHandle()), /weight 0/);
});

test("resolveConfig keeps defaults for what it is not given", () => {
  const c = resolveConfig({ scores: [{ name: "LeastAllocated", weight: 3 }] });
  assert.equal(c.schedulerName, "default-scheduler");
  assert.deepEqual(c.filters, defaultSchedulerConfig.filters);
  assert.deepEqual(c.scores, [{ name: "LeastAllocated", weight: 3 }]);
});

test("the first failing filter decides a node's reasons, and they make the FitError", () => {
  const infos = buildNodeInfos(
    [
      makeNode("small-1", { memory: "1Gi", labels: { zone: "a" } }),
      makeNode("small-2", { memory: "1Gi", labels: { zone: "a" } }),
      makeNode("wrong-zone", { memory: "64Gi", labels: { zone: "b" } }),
      // Not ready, and too small: only "not ready" is reported, as the first failing filter decides.
      makeNode("down", { memory: "1Gi", labels: { zone: "a" }, ready: "Unknown" }),
    ],
    [],
  );
  const result = scheduleOne(makePod("p", { memory: "2Gi", nodeSelector: { zone: "a" } }), infos, profile);
  assert.ok("fitError" in result);
  assert.equal(
    result.fitError.message,
    "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were not ready, 2 Insufficient memory.",
  );
  assert.deepEqual(result.fitError.nodeStatuses.get("down"), { code: "UnschedulableAndUnresolvable", reasons: ["node(s) were not ready"] });
});

test("no nodes gives Kubernetes' no-nodes message", () => {
  const result = scheduleOne(makePod("p"), [], profile);
  assert.ok("fitError" in result);
  assert.equal(result.fitError.message, "no nodes available to schedule pods");
});

test("bound pods' requests count, terminal pods' do not", () => {
  const nodes = [makeNode("a", { memory: "1Gi" })];
  const busy = buildNodeInfos(nodes, [makePod("b", { memory: "768Mi", nodeName: "a", phase: "Running" })]);
  const pod = makePod("p", { memory: "512Mi" });
  const r1 = scheduleOne(pod, busy, profile);
  assert.ok("fitError" in r1);
  assert.equal(r1.fitError.message, "0/1 nodes are available: 1 Insufficient memory.");
  const done = buildNodeInfos(nodes, [makePod("b", { memory: "768Mi", nodeName: "a", phase: "Succeeded" })]);
  assert.deepEqual(scheduleOne(pod, done, profile), { node: "a", score: 0 });
});

test("the emptiest node wins", () => {
  const infos = buildNodeInfos(
    [makeNode("busy"), makeNode("idle"), makeNode("half")],
    [
      makePod("x1", { cpu: "3", memory: "6Gi", nodeName: "busy" }),
      makePod("x2", { cpu: "2", memory: "4Gi", nodeName: "half" }),
    ],
  );
  const result = scheduleOne(makePod("p", { cpu: "500m", memory: "512Mi" }), infos, profile);
  assert.ok("node" in result);
  assert.equal(result.node, "idle");
});

test("default topology spreading moves a ReplicaSet's replica off a node that has its sibling when load is equal", () => {
  const labels = { app: "web" };
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: "default", uid: "uid-rs" },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [] } } },
  };
  const replica = (name: string, nodeName?: string): Pod => {
    const p = makePod(name, { labels, cpu: "1", memory: "1Gi", ...(nodeName ? { nodeName } : {}) });
    p.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "uid-rs", controller: true }];
    return p;
  };
  const infos = buildNodeInfos(
    [makeNode("a", { labels: { "kubernetes.io/hostname": "a" } }), makeNode("b", { labels: { "kubernetes.io/hostname": "b" } })],
    [replica("web-1", "a"), makePod("other", { labels: { app: "db" }, cpu: "1", memory: "1Gi", nodeName: "b" })],
  );
  const withRs = buildProfile(defaultSchedulerConfig, inTreeRegistry, makeHandle({ replicaSets: [rs] }));
  for (const r of [0, 0.5, 0.99]) {
    const result = scheduleOne(replica("web-2"), infos, withRs, { random: () => r });
    assert.ok("node" in result);
    assert.equal(result.node, "b");
  }
  // A bare pod with the same labels is nobody's replica: only load decides, and the load is equal.
  const picked = new Set<string>();
  for (const r of [0, 0.99]) {
    const result = scheduleOne(makePod("bare", { labels, cpu: "1", memory: "1Gi" }), infos, withRs, { random: () => r });
    if ("node" in result) picked.add(result.node);
  }
  assert.deepEqual([...picked].sort(), ["a", "b"]);
});

test("scores are weighted sums", () => {
  const fixed = (name: string, byNode: Record<string, number>): ScorePlugin => ({
    name,
    score: (_p: Pod, n: NodeInfo) => byNode[n.name]!,
  });
  const infos = [newNodeInfo(makeNode("a"), []), newNodeInfo(makeNode("b"), [])];
  const totals = scoreNodes(
    [
      { plugin: fixed("x", { a: 100, b: 0 }), weight: 1 },
      { plugin: fixed("y", { a: 0, b: 60 }), weight: 2 },
    ],
    makePod("p"),
    infos,
  );
  assert.deepEqual(Object.fromEntries(totals), { a: 100, b: 120 });
  assert.throws(() => scoreNodes([{ plugin: fixed("bad", { a: 101, b: 0 }), weight: 1 }], makePod("p"), infos), /score plugin bad gave node a the score 101/);
});

test("ties are broken among the best nodes only, each reachable", () => {
  const totals = new Map([["a", 10], ["b", 30], ["c", 30], ["d", 5]]);
  const picked = new Set<string>();
  for (const r of [0, 0.2, 0.4, 0.6, 0.8, 0.99]) picked.add(selectHost(totals, () => r).node);
  assert.deepEqual([...picked].sort(), ["b", "c"]);
  assert.deepEqual(selectHost(new Map([["only", 7]]), Math.random), { node: "only", score: 7 });
});

test("PreferNoSchedule steers pods away without forbidding the node", () => {
  const soft = makeNode("soft", { taints: [{ key: "spot", effect: "PreferNoSchedule" }] });
  const plain = makeNode("plain");
  const infos = buildNodeInfos([soft, plain], []);
  const result = scheduleOne(makePod("p"), infos, profile, { random: () => 0 });
  assert.deepEqual("node" in result && result.node, "plain");
  // With the preferred node gone, the softly tainted one still takes the pod.
  const alone = scheduleOne(makePod("p"), buildNodeInfos([soft], []), profile);
  assert.deepEqual("node" in alone && alone.node, "soft");
});
