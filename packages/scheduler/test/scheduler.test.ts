import { test } from "node:test";
import assert from "node:assert/strict";
import { startScheduler } from "../src/scheduler.js";
import { FakeCluster, apiError, waitFor } from "./fake-cluster.js";
import { makeNode, makePod } from "./fixtures.js";

async function withScheduler(
  cluster: FakeCluster,
  fn: () => Promise<void>,
  unschedulableRetryMs = 30_000,
): Promise<void> {
  const scheduler = await startScheduler({
    client: cluster.client,
    recorder: cluster.recorder,
    config: { unschedulableRetryMs },
    random: () => 0,
  });
  try {
    await fn();
  } finally {
    await scheduler.stop();
  }
}

test("binds a pending pod to the node its selector names and records Scheduled", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1"));
  cluster.putNode(makeNode("n2", { labels: { disk: "ssd" } }));
  cluster.putPod(makePod("web", { nodeSelector: { disk: "ssd" } }));
  await withScheduler(cluster, async () => {
    await waitFor("the pod to be bound", () => !!cluster.pod("default/web")?.spec.nodeName);
    assert.equal(cluster.pod("default/web")!.spec.nodeName, "n2");
    await waitFor("the Scheduled event", () => cluster.events.length === 1);
    const ev = cluster.events[0]!;
    assert.equal(ev.reason, "Scheduled");
    assert.equal(ev.type, "Normal");
    assert.equal(ev.message, "Successfully assigned default/web to n2");
    assert.deepEqual(
      { kind: ev.object.kind, name: ev.object.metadata.name, ns: ev.object.metadata.namespace },
      { kind: "Pod", name: "web", ns: "default" },
    );
  });
});

test("leaves bound, terminating and other schedulers' pods alone", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1"));
  cluster.putPod(makePod("mine-already", { nodeName: "n1" }));
  cluster.putPod(makePod("theirs", { schedulerName: "other-scheduler" }));
  const terminating = makePod("going");
  terminating.metadata.deletionTimestamp = new Date().toISOString();
  cluster.putPod(terminating);
  cluster.putPod(makePod("marker"));
  await withScheduler(cluster, async () => {
    await waitFor("the marker pod to be bound", () => !!cluster.pod("default/marker")?.spec.nodeName);
    assert.deepEqual(cluster.binds.map((b) => b.name), ["marker"]);
  });
});

test("an assumed pod holds its slot until the informer shows the binding", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("only", { memory: "1Gi" }));
  cluster.holdBindEvents = true;
  await withScheduler(cluster, async () => {
    cluster.putPod(makePod("a", { memory: "600Mi" }));
    cluster.putPod(makePod("b", { memory: "600Mi" }));
    await waitFor("one binding and one FailedScheduling", () =>
      cluster.binds.length === 1 && cluster.events.some((e) => e.reason === "FailedScheduling"),
    );
    assert.deepEqual(cluster.binds, [{ namespace: "default", name: "a", node: "only" }]);
    const failed = cluster.events.find((e) => e.reason === "FailedScheduling")!;
    assert.equal(failed.message, "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
    cluster.releaseBindEvents();
    await waitFor("the informer to see the binding", () => cluster.pod("default/a")?.spec.nodeName === "only");
    assert.equal(cluster.binds.length, 1);
  });
});

test("an unschedulable pod gets PodScheduled=False and one event, then fits when a node arrives", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("small", { memory: "1Gi", labels: { zone: "a" } }));
  cluster.putNode(makeNode("elsewhere", { memory: "64Gi", labels: { zone: "b" } }));
  cluster.putPod(makePod("big", { memory: "4Gi", nodeSelector: { zone: "a" } }));
  const expected =
    "0/2 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector. " +
    "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.";
  // Retry often, to show that retries neither re-patch nor re-record the same failure.
  await withScheduler(
    cluster,
    async () => {
      await waitFor("the PodScheduled condition", () =>
        !!cluster.pod("default/big")?.status?.conditions?.some((c) => c.type === "PodScheduled"),
      );
      const cond = cluster.pod("default/big")!.status!.conditions!.find((c) => c.type === "PodScheduled")!;
      assert.equal(cond.status, "False");
      assert.equal(cond.reason, "Unschedulable");
      assert.equal(cond.message, expected);
      assert.equal(cluster.pod("default/big")!.status!.phase, "Pending");

      await new Promise((r) => setTimeout(r, 200));
      assert.equal(cluster.statusPatches.length, 1);
      const warnings = cluster.events.filter((e) => e.reason === "FailedScheduling");
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]!.type, "Warning");
      assert.equal(warnings[0]!.message, expected);

      cluster.putNode(makeNode("roomy", { memory: "8Gi", labels: { zone: "a" } }));
      await waitFor("the pod to be bound to the new node", () => cluster.pod("default/big")?.spec.nodeName === "roomy");
    },
    20,
  );
});

test("a pod that fits nowhere is retried when a bound pod is deleted", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1", { cpu: "1" }));
  cluster.putPod(makePod("hog", { cpu: "800m", nodeName: "n1", phase: "Running" }));
  cluster.putPod(makePod("late", { cpu: "500m" }));
  await withScheduler(cluster, async () => {
    await waitFor("FailedScheduling", () => cluster.events.some((e) => e.reason === "FailedScheduling"));
    assert.equal(cluster.events[0]!.message, "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
    cluster.deletePod("default/hog");
    await waitFor("the late pod to be bound", () => cluster.pod("default/late")?.spec.nodeName === "n1");
  });
});

test("no nodes at all", async () => {
  const cluster = new FakeCluster();
  cluster.putPod(makePod("lonely"));
  await withScheduler(cluster, async () => {
    await waitFor("FailedScheduling", () => cluster.events.length === 1);
    assert.equal(cluster.events[0]!.message, "no nodes available to schedule pods");
    cluster.putNode(makeNode("n1"));
    await waitFor("binding after the node registers", () => cluster.pod("default/lonely")?.spec.nodeName === "n1");
  });
});

test("a 409 on bind is dropped; other bind errors are retried", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1"));
  let failures = 1;
  cluster.bindHook = (_ns, name) => {
    if (name === "raced") return apiError(409, "Conflict", "pod raced is already assigned to node n9");
    if (name === "flaky" && failures-- > 0) return apiError(500, "InternalError", "etcd hiccup");
    return undefined;
  };
  cluster.putPod(makePod("raced"));
  cluster.putPod(makePod("flaky"));
  await withScheduler(cluster, async () => {
    await waitFor("flaky to be bound after a retry", () => cluster.pod("default/flaky")?.spec.nodeName === "n1", 5000);
    assert.deepEqual(cluster.binds.map((b) => b.name).sort(), ["flaky", "flaky", "raced"]);
    assert.equal(cluster.pod("default/raced")!.spec.nodeName, undefined);
    assert.deepEqual(cluster.events.map((e) => e.object.metadata.name), ["flaky"]);
  });
});

test("a tainted node takes only pods that tolerate its taint; the FailedScheduling event names the taint", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("n1", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }] }));
  cluster.putPod(makePod("plain"));
  cluster.putPod(makePod("tolerant", { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists" }] }));
  await withScheduler(cluster, async () => {
    await waitFor("the tolerant pod to be bound", () => cluster.pod("default/tolerant")?.spec.nodeName === "n1");
    await waitFor("FailedScheduling for the plain pod", () => cluster.events.some((e) => e.reason === "FailedScheduling"));
    const failed = cluster.events.find((e) => e.reason === "FailedScheduling")!;
    assert.equal(failed.type, "Warning");
    assert.equal(failed.object.metadata.name, "plain");
    assert.equal(failed.message, "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
    assert.equal(cluster.pod("default/plain")!.spec.nodeName, undefined);

    // The taint goes away (the node came back): the parked pod is retried at once.
    cluster.putNode(makeNode("n1"));
    await waitFor("the plain pod to be bound", () => cluster.pod("default/plain")?.spec.nodeName === "n1");
  });
});
