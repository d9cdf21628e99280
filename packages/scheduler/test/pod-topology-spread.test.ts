// kube-scheduler's PodTopologySpread cases (filtering_test.go, scoring_test.go):
// maxSkew over domains, missing topology labels, minDomains, the node inclusion
// policies, matchLabelKeys, soft constraints' scores and the system defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Node, Pod, ReplicaSet, ReplicationController, Service, Taint, TopologySpreadConstraint } from "@bosun/api";
import { CycleState, type Status } from "../src/framework/interface.js";
import { buildNodeInfos } from "../src/framework/node-info.js";
import { PodTopologySpread } from "../src/plugins/pod-topology-spread.js";
import { makeHandle, makeNode, makePod, type HandleObjects } from "./fixtures.js";

const notMatch = "node(s) didn't match pod topology spread constraints";
const missingLabel = "node(s) didn't match pod topology spread constraints (missing required label)";

function node(name: string, zone?: string, opts: { taints?: Taint[]; labels?: Record<string, string> } = {}): Node {
  const labels: Record<string, string> = { "kubernetes.io/hostname": name, ...(zone ? { zone } : {}), ...opts.labels };
  return makeNode(name, { labels, ...(opts.taints ? { taints: opts.taints } : {}) });
}

function existing(name: string, nodeName: string, labels: Record<string, string> = { foo: "" }, namespace = "default"): Pod {
  return makePod(name, { nodeName, labels, namespace });
}

function spreading(constraints: TopologySpreadConstraint[], labels: Record<string, string> = { foo: "" }): Pod {
  const p = makePod("p", { labels });
  p.spec.topologySpreadConstraints = constraints;
  return p;
}

function hard(topologyKey: string, maxSkew = 1, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchExpressions: [{ key: "foo", operator: "Exists" }] }, ...extra };
}

function filterAll(pod: Pod, nodes: Node[], pods: Pod[]): Record<string, Status> {
  const plugin = new PodTopologySpread(makeHandle());
  const infos = buildNodeInfos(nodes, pods);
  const state = new CycleState();
  assert.equal(plugin.preFilter(pod, state, infos).code, "Success");
  return Object.fromEntries(infos.map((info) => [info.name, plugin.filter(pod, info, state)]));
}

function fitting(statuses: Record<string, Status>): string[] {
  return Object.entries(statuses).filter(([, s]) => s.code === "Success").map(([n]) => n);
}

const fourNodes = [node("node-a", "zone1"), node("node-b", "zone1"), node("node-x", "zone2"), node("node-y", "zone2")];

test("no existing pods, or no constraints: every node fits", () => {
  assert.deepEqual(fitting(filterAll(spreading([hard("zone")]), fourNodes, [])), ["node-a", "node-b", "node-x", "node-y"]);
  assert.deepEqual(fitting(filterAll(makePod("p"), fourNodes, [existing("a1", "node-a")])), ["node-a", "node-b", "node-x", "node-y"]);
});

test("a zone with more matching pods than the least populated by maxSkew is refused", () => {
  const pods = [existing("a1", "node-a"), existing("b1", "node-b"), existing("x1", "node-x"), existing("x2", "node-x"), existing("y1", "node-y")];
  const statuses = filterAll(spreading([hard("zone")]), fourNodes, pods);
  assert.deepEqual(fitting(statuses), ["node-a", "node-b"]);
  assert.deepEqual(statuses["node-x"], { code: "Unschedulable", reasons: [notMatch] });
  // With maxSkew 2 the busier zone is fine too.
  assert.deepEqual(fitting(filterAll(spreading([hard("zone", 2)]), fourNodes, pods)), ["node-a", "node-b", "node-x", "node-y"]);
});

test("two constraints must both hold", () => {
  const pods = [existing("a1", "node-a"), existing("a2", "node-a"), existing("b1", "node-b"), existing("y1", "node-y"), existing("y2", "node-y"), existing("y3", "node-y")];
  // zone: zone1 3, zone2 3; hostname: a 2, b 1, x 0, y 3 -> only node-x (0+1-0 <= 1) and not node-b (1+1-0 = 2).
  assert.deepEqual(fitting(filterAll(spreading([hard("zone"), hard("kubernetes.io/hostname")]), fourNodes, pods)), ["node-x"]);
});

test("a node without the topology label is unresolvable, and makes no domain", () => {
  const nodes = [...fourNodes, node("node-z")];
  const statuses = filterAll(spreading([hard("zone")]), nodes, [existing("z1", "node-z"), existing("z2", "node-z")]);
  assert.deepEqual(statuses["node-z"], { code: "UnschedulableAndUnresolvable", reasons: [missingLabel] });
  assert.deepEqual(fitting(statuses), ["node-a", "node-b", "node-x", "node-y"]);
});

test("a pod the selector does not match adds nothing to the skew; other namespaces and terminating pods do not count", () => {
  const pods = [existing("x1", "node-x")];
  assert.deepEqual(fitting(filterAll(spreading([hard("zone")]), fourNodes, pods)), ["node-a", "node-b"]);
  assert.deepEqual(fitting(filterAll(spreading([hard("zone")], { bar: "" }), fourNodes, pods)), ["node-a", "node-b", "node-x", "node-y"]);
  const terminating = existing("x3", "node-x");
  terminating.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
  const elsewhere = [existing("x1", "node-x", { foo: "" }, "other"), existing("x2", "node-x", { foo: "" }, "other"), terminating];
  assert.deepEqual(fitting(filterAll(spreading([hard("zone")]), fourNodes, elsewhere)), ["node-a", "node-b", "node-x", "node-y"]);
});

test("minDomains: with fewer domains than it asks, the least populated counts as 0", () => {
  const pods = [existing("a1", "node-a"), existing("x1", "node-x")];
  assert.deepEqual(fitting(filterAll(spreading([hard("zone")]), fourNodes, pods)), ["node-a", "node-b", "node-x", "node-y"]);
  // Two zones, three wanted: a zone holding one pod already has skew 1 + 1 - 0 = 2.
  assert.deepEqual(fitting(filterAll(spreading([hard("zone", 1, { minDomains: 3 })]), fourNodes, pods)), []);
  assert.deepEqual(fitting(filterAll(spreading([hard("zone", 1, { minDomains: 2 })]), fourNodes, pods)), ["node-a", "node-b", "node-x", "node-y"]);
});

test("nodeAffinityPolicy: by default nodes the pod may not use make no domain; Ignore counts them", () => {
  const nodes = [...fourNodes, node("node-c", "zone3", { labels: { gpu: "no" } })];
  for (const n of nodes.slice(0, 4)) n.metadata.labels!.gpu = "yes";
  const pods = [existing("a1", "node-a"), existing("x1", "node-x")];
  const honor = spreading([hard("zone")]);
  honor.spec.nodeSelector = { gpu: "yes" };
  // zone3 (empty) is not the pod's to use: zone1 and zone2 are level.
  assert.deepEqual(fitting(filterAll(honor, nodes, pods)), ["node-a", "node-b", "node-x", "node-y", "node-c"]);
  const ignore = spreading([hard("zone", 1, { nodeAffinityPolicy: "Ignore" })]);
  ignore.spec.nodeSelector = { gpu: "yes" };
  // Counting the empty zone3, zones 1 and 2 are full. (node-c itself passes here; the NodeAffinity filter refuses it.)
  assert.deepEqual(fitting(filterAll(ignore, nodes, pods)), ["node-c"]);
});

test("nodeTaintsPolicy: Ignore by default; Honor leaves out nodes with untolerated taints", () => {
  const tainted = node("node-c", "zone3", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] });
  const nodes = [...fourNodes, tainted];
  const pods = [existing("a1", "node-a"), existing("x1", "node-x")];
  assert.deepEqual(fitting(filterAll(spreading([hard("zone")]), nodes, pods)), ["node-c"]);
  assert.deepEqual(fitting(filterAll(spreading([hard("zone", 1, { nodeTaintsPolicy: "Honor" })]), nodes, pods)), ["node-a", "node-b", "node-x", "node-y", "node-c"]);
  const tolerant = spreading([hard("zone", 1, { nodeTaintsPolicy: "Honor" })]);
  tolerant.spec.tolerations = [{ key: "dedicated", operator: "Exists" }];
  assert.deepEqual(fitting(filterAll(tolerant, nodes, pods)), ["node-c"]);
});

test("matchLabelKeys narrow the selector to pods with the incoming pod's values", () => {
  const pods = [existing("old1", "node-x", { foo: "", rev: "1" }), existing("old2", "node-y", { foo: "", rev: "1" }), existing("new1", "node-a", { foo: "", rev: "2" })];
  // Without matchLabelKeys zone2 holds 2, zone1 1.
  assert.deepEqual(fitting(filterAll(spreading([hard("zone")], { foo: "", rev: "2" }), fourNodes, pods)), ["node-a", "node-b"]);
  // Only revision 2 counts: zone1 1, zone2 0.
  assert.deepEqual(fitting(filterAll(spreading([hard("zone", 1, { matchLabelKeys: ["rev"] })], { foo: "", rev: "2" }), fourNodes, pods)), ["node-x", "node-y"]);
});

function scoreAll(pod: Pod, nodes: Node[], pods: Pod[], objects: HandleObjects = {}, feasible?: string[]): Record<string, number> {
  const plugin = new PodTopologySpread(makeHandle(objects));
  const infos = buildNodeInfos(nodes, pods);
  const candidates = infos.filter((i) => !feasible || feasible.includes(i.name));
  const state = new CycleState();
  plugin.preScore(pod, state, candidates, infos);
  const scores = new Map(candidates.map((i) => [i.name, plugin.score(pod, i, state)]));
  plugin.normalize(pod, scores, state);
  return Object.fromEntries(scores);
}

function soft(topologyKey: string, maxSkew = 1): TopologySpreadConstraint {
  return { ...hard(topologyKey, maxSkew), whenUnsatisfiable: "ScheduleAnyway" };
}

test("a soft hostname constraint scores fewer matching pods higher", () => {
  const pods = [existing("a1", "node-a"), existing("a2", "node-a"), existing("b1", "node-b")];
  // Weight log(4 + 2): a 2 x 1.79 -> 4, b 1.79 -> 2, x and y 0; then 100 x (max + min - s) / max.
  assert.deepEqual(scoreAll(spreading([soft("kubernetes.io/hostname")]), fourNodes, pods), { "node-a": 0, "node-b": 50, "node-x": 100, "node-y": 100 });
  // Hard constraints do not score.
  assert.deepEqual(scoreAll(spreading([hard("kubernetes.io/hostname")]), fourNodes, pods), { "node-a": 0, "node-b": 0, "node-x": 0, "node-y": 0 });
});

test("a soft zone constraint counts the pods of the whole zone, and a node without the key scores 0", () => {
  const nodes = [...fourNodes, node("node-z")];
  const pods = [existing("a1", "node-a"), existing("x1", "node-x"), existing("x2", "node-y"), existing("x3", "node-y")];
  // Two zones among the candidates: weight log(4); zone1 1 -> 1.39 -> 1, zone2 3 -> 4.16 -> 4.
  assert.deepEqual(scoreAll(spreading([soft("zone")]), nodes, pods), { "node-a": 100, "node-b": 100, "node-x": 25, "node-y": 25, "node-z": 0 });
});

test("without constraints of its own, a ReplicaSet's pod is spread by the system defaults; a bare pod is not", () => {
  const labels = { app: "web" };
  const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web", namespace: "default" }, spec: { selector: { matchLabels: labels } } } as ReplicaSet;
  const replica = (name: string, nodeName?: string): Pod => {
    const p = makePod(name, { labels, ...(nodeName ? { nodeName } : {}) });
    p.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "u", controller: true }];
    return p;
  };
  // Nodes without a zone label still spread by hostname.
  const nodes = [node("n1"), node("n2"), node("n3")];
  const pods = [replica("r1", "n1"), replica("r2", "n1"), replica("r3", "n2")];
  // Hostname maxSkew 3, weight log(5): n1 2 x 1.61 + 2 -> 5, n2 1.61 + 2 -> 4, n3 2; the zone constraint scores no node without a zone.
  assert.deepEqual(scoreAll(replica("p"), nodes, pods, { replicaSets: [rs] }), { n1: 40, n2: 60, n3: 100 });
  assert.deepEqual(scoreAll(makePod("bare", { labels }), nodes, pods, { replicaSets: [rs] }), { n1: 0, n2: 0, n3: 0 });
  // A Service selecting the pod makes it part of that set, too.
  const service = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: labels } } as Service;
  assert.deepEqual(scoreAll(makePod("bare", { labels }), nodes, pods, { services: [service] }), { n1: 40, n2: 60, n3: 100 });
});

test("a ReplicationController's pods are spread by the system defaults over the pods its map selector matches", () => {
  const labels = { app: "web" };
  const rc = { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "web", namespace: "default" }, spec: { selector: labels } } as ReplicationController;
  const replica = (name: string, nodeName?: string): Pod => {
    const p = makePod(name, { labels, ...(nodeName ? { nodeName } : {}) });
    p.metadata.ownerReferences = [{ apiVersion: "v1", kind: "ReplicationController", name: "web", uid: "u", controller: true }];
    return p;
  };
  const nodes = [node("n1"), node("n2"), node("n3")];
  const pods = [replica("r1", "n1"), replica("r2", "n1"), replica("r3", "n2")];
  // As for the ReplicaSet above: fewest matching pods scores highest.
  assert.deepEqual(scoreAll(replica("p"), nodes, pods, { replicationControllers: [rc] }), { n1: 40, n2: 60, n3: 100 });
  // Without the RC in the cache nothing selects the pod.
  assert.deepEqual(scoreAll(replica("p"), nodes, pods), { n1: 0, n2: 0, n3: 0 });
});
