// Preemption as kube-scheduler's DefaultPreemption does it: which pods a node gives
// up (lower priority only, as few as possible, the most important kept first,
// PodDisruptionBudgets respected where they can be), which node is picked, who may
// not preempt, what the FitError then says; and the whole loop against a fake API:
// the victim marked DisruptionTarget and deleted with a Preempted event, the
// preemptor nominated and then bound, a Never pod left pending, and the nominated
// room kept from pods of lower priority.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodDisruptionBudget } from "@bosun/api";
import { defaultSchedulerConfig } from "../src/config.js";
import { buildNodeInfos, newNodeInfo } from "../src/framework/node-info.js";
import {
  decidePreemption,
  findCandidates,
  pickOneNodeForPreemption,
  preemptionIneligibility,
  selectVictimsOnNode,
  type Candidate,
} from "../src/framework/preemption.js";
import { buildProfile } from "../src/framework/registry.js";
import { filterOnNodes, scheduleOne } from "../src/framework/schedule-one.js";
import { inTreeRegistry } from "../src/plugins/registry.js";
import { DefaultPreemption } from "../src/plugins/default-preemption.js";
import { startScheduler } from "../src/scheduler.js";
import { FakeCluster, waitFor } from "./fake-cluster.js";
import { makeHandle, makeNode, makePod, type HandleObjects } from "./fixtures.js";

const now = Date.parse("2025-06-01T12:00:00Z");
const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();

function profileFor(objects: HandleObjects = {}) {
  return buildProfile(defaultSchedulerConfig, inTreeRegistry, makeHandle(objects));
}

const profile = profileFor();
const filter = (pod: Parameters<typeof filterOnNodes>[1], node: Parameters<typeof filterOnNodes>[2], nodes: Parameters<typeof filterOnNodes>[3]) =>
  filterOnNodes(profile, pod, node, nodes);

function budget(name: string, app: string, disruptionsAllowed: number): PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, namespace: "default" },
    spec: { minAvailable: 1, selector: { matchLabels: { app } } },
    status: { disruptionsAllowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
  };
}

const names = (c: { victims: { metadata: { name?: string } }[] }) => c.victims.map((v) => v.metadata.name);

test("a node gives up only lower-priority pods, as few as possible, the least important first", () => {
  const node = makeNode("n", { cpu: "3" });
  const bound = [
    makePod("same", { cpu: "1", nodeName: "n", priority: 10 }),
    makePod("low-old", { cpu: "1", nodeName: "n", priority: 1, startTime: minutesAgo(60) }),
    makePod("low-new", { cpu: "1", nodeName: "n", priority: 1, startTime: minutesAgo(5) }),
  ];
  const nodes = [newNodeInfo(node, bound)];
  const one = selectVictimsOnNode(makePod("p", { cpu: "1", priority: 10 }), nodes[0]!, nodes, filter, [], now);
  assert.ok("victims" in one);
  assert.deepEqual(names(one), ["low-new"], "the pod that ran longer is reprieved first");
  assert.equal(one.numPDBViolations, 0);

  const two = selectVictimsOnNode(makePod("p", { cpu: "2", priority: 10 }), nodes[0]!, nodes, filter, [], now);
  assert.ok("victims" in two);
  assert.deepEqual(names(two), ["low-old", "low-new"], "victims most important first");

  const tooBig = selectVictimsOnNode(makePod("p", { cpu: "3", priority: 10 }), nodes[0]!, nodes, filter, [], now);
  assert.deepEqual(tooBig, { status: { code: "Unschedulable", reasons: ["Insufficient cpu"] } }, "pods of equal priority are never taken");

  const nothingLower = selectVictimsOnNode(makePod("p", { cpu: "1", priority: 1 }), nodes[0]!, nodes, filter, [], now);
  assert.deepEqual(nothingLower, { status: { code: "UnschedulableAndUnresolvable", reasons: ["No preemption victims found for incoming pod"] } });
});

test("pods whose eviction would break a budget are reprieved first; a budget that must break counts", () => {
  const node = makeNode("n", { cpu: "2" });
  const bound = [
    makePod("guarded", { cpu: "1", nodeName: "n", priority: 1, labels: { app: "db" }, startTime: minutesAgo(1) }),
    makePod("free", { cpu: "1", nodeName: "n", priority: 1, labels: { app: "web" }, startTime: minutesAgo(60) }),
  ];
  const nodes = [newNodeInfo(node, bound)];
  const pod = makePod("p", { cpu: "1", priority: 10 });
  const spared = selectVictimsOnNode(pod, nodes[0]!, nodes, filter, [budget("db", "db", 0)], now);
  assert.ok("victims" in spared);
  assert.deepEqual(names(spared), ["free"], "the guarded pod stays though it is the less important");
  assert.equal(spared.numPDBViolations, 0);

  const both = selectVictimsOnNode(makePod("p", { cpu: "2", priority: 10 }), nodes[0]!, nodes, filter, [budget("db", "db", 0)], now);
  assert.ok("victims" in both);
  assert.deepEqual(names(both), ["free", "guarded"]);
  assert.equal(both.numPDBViolations, 1);

  const allowed = selectVictimsOnNode(pod, nodes[0]!, nodes, filter, [budget("db", "db", 1)], now);
  assert.ok("victims" in allowed);
  assert.deepEqual(names(allowed), ["guarded"], "a budget with room changes nothing");
});

test("the node is picked as Kubernetes does: budgets, highest victim, sum, count, start time, then the first", () => {
  const victim = (name: string, priority: number, startedMinutesAgo = 10) => makePod(name, { priority, startTime: minutesAgo(startedMinutesAgo) });
  const c = (node: string, victims: ReturnType<typeof victim>[], numPDBViolations = 0): Candidate => ({ node, victims, numPDBViolations });
  const pick = (...candidates: Candidate[]) => pickOneNodeForPreemption(candidates, now)?.node;
  assert.equal(pick(c("a", [victim("x", 1)], 1), c("b", [victim("y", 5)], 0)), "b", "fewest budget violations");
  assert.equal(pick(c("a", [victim("x", 5)]), c("b", [victim("y", 3), victim("z", 3)])), "b", "lowest highest priority");
  assert.equal(pick(c("a", [victim("x", 5), victim("w", 4)]), c("b", [victim("y", 5), victim("z", 1)])), "b", "smallest sum");
  assert.equal(pick(c("a", [victim("x", -5), victim("w", -5)]), c("b", [victim("y", -5)])), "b", "negative priorities do not make more victims cheaper");
  assert.equal(pick(c("a", [victim("x", 5), victim("w", 1)]), c("b", [victim("y", 5), victim("z", 0), victim("v", 1)])), "a", "fewest victims");
  assert.equal(pick(c("a", [victim("x", 5, 60)]), c("b", [victim("y", 5, 5)])), "b", "the highest victims started latest");
  assert.equal(pick(c("a", [victim("x", 5)]), c("b", [victim("y", 5)])), "a", "then the first");
  assert.equal(pick(), undefined);
});

test("a pod with preemptionPolicy Never, or whose earlier victims are still going, does not preempt", () => {
  const nodes = buildNodeInfos([makeNode("n")], []);
  assert.equal(preemptionIneligibility(makePod("p", { preemptionPolicy: "Never" }), nodes, new Map()), "not eligible due to preemptionPolicy=Never.");
  const going = makePod("victim", { nodeName: "n", priority: 1 });
  going.metadata.deletionTimestamp = minutesAgo(0);
  going.status!.conditions = [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }];
  const preemptor = makePod("p", { priority: 10 });
  preemptor.status!.nominatedNodeName = "n";
  const withVictim = buildNodeInfos([makeNode("n")], [going]);
  const unschedulableThere = new Map([["n", { code: "Unschedulable" as const, reasons: ["Insufficient cpu"] }]]);
  assert.equal(preemptionIneligibility(preemptor, withVictim, unschedulableThere), "not eligible due to a terminating pod on the nominated node.");
  const unresolvable = new Map([["n", { code: "UnschedulableAndUnresolvable" as const, reasons: ["node(s) were unschedulable"] }]]);
  assert.equal(preemptionIneligibility(preemptor, withVictim, unresolvable), undefined, "a nominated node that cannot take it any more holds nothing back");
  assert.equal(preemptionIneligibility(makePod("q", { priority: 10 }), withVictim, unschedulableThere), undefined);
});

test("without candidates the FitError says why for each node, and the nomination is cleared", () => {
  const nodes = buildNodeInfos(
    [makeNode("full", { cpu: "1", labels: { zone: "a" } }), makeNode("elsewhere", { labels: { zone: "b" } })],
    [makePod("peer", { cpu: "1", nodeName: "full", priority: 10 })],
  );
  const pod = makePod("p", { cpu: "1", priority: 10, nodeSelector: { zone: "a" } });
  const result = scheduleOne(pod, nodes, profile);
  assert.ok("fitError" in result);
  const { candidates, statuses } = findCandidates(pod, nodes, result.fitError.nodeStatuses, filter, [], now);
  assert.deepEqual(candidates, []);
  assert.deepEqual(statuses.get("full"), { code: "UnschedulableAndUnresolvable", reasons: ["No preemption victims found for incoming pod"] });
  assert.deepEqual(statuses.get("elsewhere"), { code: "UnschedulableAndUnresolvable", reasons: ["Preemption is not helpful for scheduling"] });
  assert.deepEqual(decidePreemption(pod, nodes, result.fitError.nodeStatuses, filter, [], now), {
    message: "0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    clearNomination: true,
  });
});

test("the plugin marks each victim DisruptionTarget, deletes it with a Preempted event, and clears lower nominations", async () => {
  const low = makePod("low", { cpu: "1", nodeName: "n", priority: 1 });
  const lowerWaiting = makePod("waiting", { cpu: "1", priority: 5 });
  lowerWaiting.status!.nominatedNodeName = "n";
  const objects: HandleObjects = { pods: [low, lowerWaiting], patches: [], deletes: [], events: [] };
  const plugin = new DefaultPreemption(makeHandle(objects), () => now);
  const pod = makePod("p", { cpu: "1", priority: 10, schedulerName: "default-scheduler" });
  const nodes = buildNodeInfos([makeNode("n", { cpu: "1" })], [low]);
  const result = scheduleOne(pod, nodes, profile);
  assert.ok("fitError" in result);
  assert.deepEqual(await plugin.postFilter(pod, nodes, result.fitError.nodeStatuses, filter), { nominatedNodeName: "n" });
  const disruption = objects.patches![0]!;
  assert.equal(disruption.name, "low");
  const condition = (disruption.patch as { status: { conditions: { type: string; status: string; reason: string; message: string }[] } }).status.conditions[0]!;
  assert.deepEqual(
    { type: condition.type, status: condition.status, reason: condition.reason, message: condition.message },
    { type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod" },
  );
  assert.deepEqual(objects.deletes, ["default/low"]);
  assert.deepEqual(objects.events, [{ reason: "Preempted", message: "Preempted by pod uid-p on node n", object: "default/low" }]);
  assert.deepEqual(objects.patches![1], { name: "waiting", namespace: "default", patch: { status: { nominatedNodeName: null } } });

  const never = makePod("never", { cpu: "1", priority: 10, preemptionPolicy: "Never" });
  assert.deepEqual(await plugin.postFilter(never, nodes, result.fitError.nodeStatuses, filter), { message: "preemption: not eligible due to preemptionPolicy=Never." });
});

async function withScheduler(cluster: FakeCluster, fn: () => Promise<void>): Promise<void> {
  const scheduler = await startScheduler({ client: cluster.client, recorder: cluster.recorder, random: () => 0 });
  try {
    await fn();
  } finally {
    await scheduler.stop();
  }
}

test("the scheduler preempts a low-priority pod for a high-priority one, nominates the node, then binds there", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1", { cpu: "1" }));
  cluster.putPod(makePod("low", { cpu: "800m", nodeName: "n1", phase: "Running", priority: 0 }));
  await withScheduler(cluster, async () => {
    cluster.putPod(makePod("never", { cpu: "600m", priority: 1000, preemptionPolicy: "Never", schedulerName: "default-scheduler" }));
    await waitFor("the Never pod's FailedScheduling", () => cluster.events.some((e) => e.reason === "FailedScheduling" && e.object.metadata.name === "never"));
    assert.equal(
      cluster.events.find((e) => e.object.metadata.name === "never")!.message,
      "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
    );
    assert.ok(cluster.pod("default/low"), "a Never pod takes nothing");

    cluster.putPod(makePod("high", { cpu: "500m", priority: 1000, schedulerName: "default-scheduler" }));
    await waitFor("the preemptor to be bound", () => cluster.pod("default/high")?.spec.nodeName === "n1");
    assert.deepEqual(cluster.deletes, ["default/low"]);
    const nominated = cluster.statusPatches.find((p) => p.name === "high");
    assert.equal((nominated?.patch as { status: { nominatedNodeName?: string } }).status.nominatedNodeName, "n1");
    const disruption = cluster.statusPatches.find((p) => p.name === "low");
    assert.equal((disruption?.patch as { status: { conditions: { type: string }[] } }).status.conditions[0]?.type, "DisruptionTarget");
    const preempted = cluster.events.find((e) => e.reason === "Preempted");
    assert.equal(preempted?.object.metadata.name, "low");
    assert.equal(preempted?.message, "Preempted by pod uid-high on node n1");
    // The Never pod still waits: it fits nowhere and takes nothing.
    assert.equal(cluster.pod("default/never")!.spec.nodeName, undefined);
  });
});

test("while its victim terminates, the preemptor waits and its nominated room is kept from lower pods, not higher ones", async () => {
  const cluster = new FakeCluster();
  cluster.gracefulDeletes = true;
  cluster.putNode(makeNode("n1", { cpu: "1" }));
  cluster.putPod(makePod("victim", { cpu: "800m", nodeName: "n1", phase: "Running", priority: 0 }));
  await withScheduler(cluster, async () => {
    cluster.putPod(makePod("preemptor", { cpu: "500m", priority: 100 }));
    await waitFor("the victim to be terminating", () => !!cluster.pod("default/victim")?.metadata.deletionTimestamp);
    await waitFor("the nomination", () => cluster.pod("default/preemptor")?.status?.nominatedNodeName === "n1");

    // 800m terminating + 500m nominated + 100m > 1 cpu; without the nomination it would fit.
    cluster.putPod(makePod("lower", { cpu: "100m", priority: 10 }));
    await waitFor("the lower pod's FailedScheduling", () => cluster.events.some((e) => e.reason === "FailedScheduling" && e.object.metadata.name === "lower"));
    assert.match(cluster.events.find((e) => e.object.metadata.name === "lower")!.message, /^0\/1 nodes are available: 1 Insufficient cpu\./);
    assert.equal(cluster.pod("default/lower")!.spec.nodeName, undefined);

    cluster.putPod(makePod("higher", { cpu: "100m", priority: 1000 }));
    await waitFor("the higher pod to be bound", () => cluster.pod("default/higher")?.spec.nodeName === "n1");
    assert.deepEqual(cluster.deletes, ["default/victim"], "one preemption, not one per retry");

    cluster.deletePod("default/victim");
    await waitFor("the preemptor to be bound", () => cluster.pod("default/preemptor")?.spec.nodeName === "n1");
  });
});
