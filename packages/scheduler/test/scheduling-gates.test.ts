// Scheduling gates hold a pod out of scheduling without a FitError until the last
// is removed; and a parked pod whose required pod affinity waits for another pod is
// tried again when that pod is bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { SchedulingGates } from "../src/plugins/scheduling-gates.js";
import { startScheduler } from "../src/scheduler.js";
import { FakeCluster, waitFor } from "./fake-cluster.js";
import { makeNode, makePod } from "./fixtures.js";

test("SchedulingGates admits a pod only without gates, naming the ones it waits for", () => {
  const plugin = new SchedulingGates();
  assert.deepEqual(plugin.preEnqueue(makePod("p")), { code: "Success" });
  const gated = makePod("p");
  gated.spec.schedulingGates = [{ name: "example.com/quota" }, { name: "example.com/review" }];
  assert.deepEqual(plugin.preEnqueue(gated), {
    code: "UnschedulableAndUnresolvable",
    reasons: ["waiting for scheduling gates: [example.com/quota example.com/review]"],
  });
  gated.spec.schedulingGates = [];
  assert.equal(plugin.preEnqueue(gated).code, "Success");
});

async function withScheduler(cluster: FakeCluster, fn: () => Promise<void>): Promise<void> {
  const scheduler = await startScheduler({ client: cluster.client, recorder: cluster.recorder, random: () => 0 });
  try {
    await fn();
  } finally {
    await scheduler.stop();
  }
}

test("a gated pod is neither bound nor reported until its gates are removed", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1"));
  const gated = makePod("gated");
  gated.spec.schedulingGates = [{ name: "example.com/hold" }];
  cluster.putPod(gated);
  cluster.putPod(makePod("marker"));
  await withScheduler(cluster, async () => {
    await waitFor("the marker pod to be bound", () => !!cluster.pod("default/marker")?.spec.nodeName);
    assert.equal(cluster.pod("default/gated")!.spec.nodeName, undefined);
    assert.deepEqual(cluster.statusPatches, []);
    assert.deepEqual(cluster.events.map((e) => `${e.object.metadata.name} ${e.reason}`), ["marker Scheduled"]);
    const current = cluster.pod("default/gated")!;
    cluster.putPod({ ...current, spec: { ...current.spec, schedulingGates: [] } });
    await waitFor("the ungated pod to be bound", () => !!cluster.pod("default/gated")?.spec.nodeName);
    assert.equal(cluster.pod("default/gated")!.spec.nodeName, "n1");
  });
});

test("a pod parked for want of its required pod affinity is bound once a matching pod is", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1", { labels: { zone: "a" } }));
  cluster.putNode(makeNode("n2", { labels: { zone: "b" } }));
  const follower: Pod = makePod("follower");
  follower.spec.affinity = {
    podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "zone", labelSelector: { matchLabels: { app: "db" } } }] },
  };
  cluster.putPod(follower);
  await withScheduler(cluster, async () => {
    await waitFor("the follower to be reported unschedulable", () => cluster.events.some((e) => e.reason === "FailedScheduling"));
    assert.equal(cluster.events[0]!.message, "0/2 nodes are available: 2 node(s) didn't match pod affinity rules. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
    cluster.putPod(makePod("db", { labels: { app: "db" }, nodeName: "n2" }));
    await waitFor("the follower to be bound", () => !!cluster.pod("default/follower")?.spec.nodeName);
    assert.equal(cluster.pod("default/follower")!.spec.nodeName, "n2");
  });
});
