import { test } from "node:test";
import assert from "node:assert/strict";
import { rfc3339, type Node, type Taint } from "@bosun/api";
import { NodeLifecycleController, unknownConditions, type NodeLifecycleOptions } from "../src/index.js";
import { FakeApi, FakeRecorder, makeNode, makePod, readyCondition } from "./node-lifecycle-fakes.js";

const unreachable = "node.kubernetes.io/unreachable";
const notReady = "node.kubernetes.io/not-ready";

/** A controller on a fake clock over a fake API; `tick(ms)` moves the clock and runs a pass. */
function setup(opts: Partial<NodeLifecycleOptions> = {}) {
  const fake = new FakeApi();
  const recorder = new FakeRecorder();
  const clock = { now: 1_700_000_000_000 };
  const controller = new NodeLifecycleController({
    client: fake.api(),
    gracePeriodMs: 15_000,
    recorder,
    now: () => clock.now,
    ...opts,
  });
  const tick = async (ms = 0) => {
    clock.now += ms;
    await controller.reconcile();
  };
  return { fake, recorder, clock, controller, tick };
}

function heartbeat(fake: FakeApi, name: string, atMs: number, status: "True" | "False" = "True"): void {
  const node = fake.node(name);
  const conditions = node.status!.conditions!.map((c) => (c.type === "Ready" ? readyCondition(status, rfc3339(atMs)) : c));
  fake.putNode({ ...node, status: { ...node.status, conditions } });
}

function taintsOf(fake: FakeApi, name: string): Taint[] {
  return fake.node(name).spec?.taints ?? [];
}

function brief(taints: Taint[]): string[] {
  return taints.map((t) => `${t.key}:${t.effect}`);
}

test("a node whose heartbeat stops changing for longer than the grace period turns Ready=Unknown", async () => {
  const { fake, tick } = setup();
  fake.putNode(makeNode("n1", "2025-01-01T00:00:00.000Z"));

  await tick(); // first sight: starts the clock, never marks at once
  await tick(14_000);
  assert.deepEqual(fake.writes, [], "within the grace period nothing is written");

  await tick(2_000);
  const conditions = fake.node("n1").status!.conditions!;
  const ready = conditions.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "Unknown");
  assert.equal(ready.reason, "NodeStatusUnknown");
  assert.equal(ready.message, "Kubelet stopped posting node status.");
  assert.equal(ready.lastHeartbeatTime, "2025-01-01T00:00:00.000Z", "the last heartbeat is kept");
  assert.equal(conditions.find((c) => c.type === "MemoryPressure")!.status, "Unknown");
  assert.deepEqual(fake.writes, ["nodes/status n1", "nodes n1"]);

  await tick(5_000);
  assert.equal(fake.writes.filter((w) => w === "nodes/status n1").length, 1, "an Unknown node is not written again");
});

test("a node that keeps heartbeating stays Ready, whatever its clock says", async () => {
  const { fake, tick } = setup();
  // A heartbeat time far in the past (skewed agent or master clock) is not staleness.
  fake.putNode(makeNode("n1", "2000-01-01T00:00:00.000Z"));
  for (let i = 1; i <= 10; i++) {
    await tick(5_000);
    fake.putNode(makeNode("n1", `2000-01-01T00:00:${String(i * 5).padStart(2, "0")}.000Z`));
  }
  assert.deepEqual(fake.writes, []);
});

test("a heartbeat that lands between read and write wins: the stale write is a conflict and is dropped", async () => {
  const { fake, tick } = setup({ gracePeriodMs: 1_000 });
  fake.putNode(makeNode("n1", "2025-01-01T00:00:00.000Z"));
  await tick();
  fake.beforeWrite = () => {
    fake.beforeWrite = undefined;
    fake.putNode(makeNode("n1", "2025-01-01T00:01:00.000Z")); // the agent's heartbeat arrives first
  };
  await tick(5_000);
  assert.equal(fake.node("n1").status!.conditions![0]!.status, "True");
  assert.deepEqual(taintsOf(fake, "n1"), [], "a Ready node gets no taints");
});

test("unknownConditions adds Ready=Unknown to a node that never posted status", () => {
  const conditions = unknownConditions(undefined, "2025-01-01T00:00:00.000Z");
  assert.deepEqual(conditions, [
    {
      type: "Ready",
      status: "Unknown",
      reason: "NodeStatusNeverUpdated",
      message: "Kubelet never posted node status.",
      lastTransitionTime: "2025-01-01T00:00:00.000Z",
    },
  ]);
});

test("an unreachable node is tainted, its pods marked not Ready, then evicted after the timeout unless they tolerate it", async () => {
  const { fake, recorder, clock, tick } = setup();
  fake.putNode(makeNode("down", "2025-01-01T00:00:00Z"));
  fake.putNode(makeNode("up", "2025-01-01T00:00:00Z"));
  fake.putNode({ ...fake.node("down"), spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } });
  fake.putPod(makePod("web", "down"));
  fake.putPod(makePod("daemon", "down", { tolerations: [{ key: unreachable, operator: "Exists", effect: "NoExecute" }] }));
  fake.putPod(makePod("patient", "down", { tolerations: [{ key: unreachable, operator: "Exists", tolerationSeconds: 60 }] }));
  fake.putPod(makePod("quick", "down", { tolerations: [{ key: unreachable, operator: "Exists", tolerationSeconds: 5 }] }));
  const done = makePod("done", "down");
  done.status = { phase: "Succeeded" };
  fake.putPod(done);
  fake.putPod(makePod("elsewhere", "up"));

  await tick();
  for (let t = 1; t <= 4; t++) {
    heartbeat(fake, "up", clock.now + 4_000);
    await tick(4_000);
  }
  // 16 s without a heartbeat from "down", past the 15 s grace period.
  const taintedAt = clock.now;
  assert.equal(fake.node("down").status!.conditions![0]!.status, "Unknown");
  assert.deepEqual(taintsOf(fake, "down"), [
    { key: "dedicated", value: "db", effect: "NoSchedule" },
    { key: unreachable, effect: "NoSchedule", timeAdded: rfc3339(taintedAt) },
    { key: unreachable, effect: "NoExecute", timeAdded: rfc3339(taintedAt) },
  ]);
  assert.deepEqual(recorder.reasons("down"), ["NodeNotReady"]);
  assert.equal(recorder.events[0]!.message, "Node down status is now: NodeNotReady");
  for (const name of ["web", "daemon", "patient", "quick"]) {
    const ready = fake.pod(name).status!.conditions!.find((c) => c.type === "Ready")!;
    assert.equal(ready.status, "False", `${name} is marked not Ready`);
    assert.equal(ready.lastTransitionTime, rfc3339(taintedAt));
    assert.deepEqual(recorder.reasons(name), ["NodeNotReady"]);
  }
  const podNotReady = recorder.events.find((e) => e.object.metadata.name === "web")!;
  assert.deepEqual([podNotReady.type, podNotReady.message], ["Warning", "Node is not ready"]);
  assert.equal(fake.pod("elsewhere").status!.conditions![0]!.status, "True", "pods of Ready nodes are untouched");

  heartbeat(fake, "up", clock.now + 5_000);
  await tick(5_000);
  assert.ok(fake.pod("quick").metadata.deletionTimestamp, "tolerationSeconds 5 has run out");
  assert.deepEqual(recorder.reasons("quick"), ["NodeNotReady", "TaintManagerEviction"]);
  assert.equal(recorder.events.at(-1)!.message, "Marking for deletion Pod default/quick");
  assert.equal(fake.pod("web").metadata.deletionTimestamp, undefined);

  heartbeat(fake, "up", clock.now + 24_000);
  await tick(24_000); // 29 s after the taint
  assert.equal(fake.pod("web").metadata.deletionTimestamp, undefined, "within the 30 s default");
  heartbeat(fake, "up", clock.now + 1_000);
  await tick(1_000);
  assert.ok(fake.pod("web").metadata.deletionTimestamp, "the default eviction timeout has passed");
  assert.deepEqual(recorder.reasons("web"), ["NodeNotReady", "TaintManagerEviction"]);

  heartbeat(fake, "up", clock.now + 60_000);
  await tick(60_000);
  assert.ok(fake.pod("patient").metadata.deletionTimestamp, "tolerationSeconds 60 has run out");
  assert.equal(fake.pod("daemon").metadata.deletionTimestamp, undefined, "tolerated without a limit: stays");
  assert.equal(fake.pod("done").metadata.deletionTimestamp, undefined, "a finished pod is left alone");
  assert.equal(fake.pod("elsewhere").metadata.deletionTimestamp, undefined);
  assert.equal(fake.writes.filter((w) => w === "delete web").length, 1, "a terminating pod is not deleted again");
  assert.deepEqual(recorder.reasons("daemon"), ["NodeNotReady"]);
});

test("a node that comes back loses the health taints and keeps the user's", async () => {
  const { fake, clock, tick } = setup({ gracePeriodMs: 1_000 });
  fake.putNode({ ...makeNode("n1", "2025-01-01T00:00:00Z"), spec: { taints: [{ key: "dedicated", effect: "NoSchedule" }] } });
  fake.putNode(makeNode("n2", "2025-01-01T00:00:00Z"));
  await tick();
  heartbeat(fake, "n2", clock.now + 2_000);
  await tick(2_000);
  assert.deepEqual(brief(taintsOf(fake, "n1")), ["dedicated:NoSchedule", `${unreachable}:NoSchedule`, `${unreachable}:NoExecute`]);

  heartbeat(fake, "n1", clock.now + 1_000, "False"); // back, but not ready yet
  heartbeat(fake, "n2", clock.now + 1_000);
  await tick(1_000);
  assert.deepEqual(brief(taintsOf(fake, "n1")), ["dedicated:NoSchedule", `${notReady}:NoSchedule`, `${notReady}:NoExecute`]);

  heartbeat(fake, "n1", clock.now + 1_000);
  heartbeat(fake, "n2", clock.now + 1_000);
  await tick(1_000);
  assert.deepEqual(taintsOf(fake, "n1"), [{ key: "dedicated", effect: "NoSchedule" }]);
});

test("spec.unschedulable brings the unschedulable taint, and taking it away removes it", async () => {
  const { fake, recorder, clock, tick } = setup();
  fake.putNode({ ...makeNode("n1", "2025-01-01T00:00:00Z"), spec: { unschedulable: true } });
  await tick();
  assert.deepEqual(taintsOf(fake, "n1"), [
    { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: rfc3339(clock.now) },
  ]);
  fake.putNode({ ...fake.node("n1"), spec: { ...fake.node("n1").spec, unschedulable: false } });
  await tick(1_000);
  assert.deepEqual(taintsOf(fake, "n1"), []);
  assert.deepEqual(recorder.events, [], "cordoning is not a readiness change");
});

test("a taint write that loses a race re-reads the node and tries again", async () => {
  const { fake, tick } = setup();
  fake.putNode({ ...makeNode("n1", "2025-01-01T00:00:00Z"), spec: { unschedulable: true } });
  fake.conflictsToInject = 2;
  await tick();
  assert.deepEqual(brief(taintsOf(fake, "n1")), ["node.kubernetes.io/unschedulable:NoSchedule"]);
});

test("a restarted controller carries on from the taint's timeAdded", async () => {
  const { fake, recorder, clock, tick } = setup();
  const node: Node = makeNode("down", "2025-01-01T00:00:00Z", "Unknown");
  node.spec = {
    taints: [
      { key: unreachable, effect: "NoSchedule", timeAdded: rfc3339(clock.now - 40_000) },
      { key: unreachable, effect: "NoExecute", timeAdded: rfc3339(clock.now - 40_000) },
    ],
  };
  fake.putNode(node);
  fake.putNode(makeNode("up", "2025-01-01T00:00:00Z"));
  const pod = makePod("web", "down");
  pod.status!.conditions![0]!.status = "False"; // marked by the previous master
  fake.putPod(pod);
  await tick();
  assert.ok(fake.pod("web").metadata.deletionTimestamp, "40 s past the taint: evicted on the first pass");
  assert.deepEqual(recorder.reasons("web"), ["TaintManagerEviction"]);
  assert.deepEqual(recorder.reasons("down"), [], "the node was already known not ready");
  assert.deepEqual(fake.writes, ["delete web"], "nothing else needed writing");
});

test("with no node Ready at all, NoExecute taints come off and nothing is evicted", async () => {
  const { fake, clock, tick } = setup({ gracePeriodMs: 1_000 });
  fake.putNode(makeNode("a", "2025-01-01T00:00:00Z"));
  fake.putNode(makeNode("b", "2025-01-01T00:00:00Z"));
  fake.putPod(makePod("web", "a"));
  await tick();
  await tick(2_000); // both silent: both Unknown
  for (const name of ["a", "b"]) assert.deepEqual(brief(taintsOf(fake, name)), [`${unreachable}:NoSchedule`]);
  assert.equal(fake.pod("web").status!.conditions![0]!.status, "False", "pods are still marked not Ready");
  await tick(60_000);
  assert.equal(fake.pod("web").metadata.deletionTimestamp, undefined);

  heartbeat(fake, "b", clock.now + 1_000); // b is back: a is the broken one after all
  await tick(1_000);
  assert.deepEqual(brief(taintsOf(fake, "a")), [`${unreachable}:NoSchedule`, `${unreachable}:NoExecute`]);
  assert.deepEqual(taintsOf(fake, "b"), []);
  heartbeat(fake, "b", clock.now + 30_000);
  await tick(30_000);
  assert.ok(fake.pod("web").metadata.deletionTimestamp);
});

test("a NoExecute taint without timeAdded counts from when the controller first saw it", async () => {
  const { fake, tick } = setup();
  fake.putNode({ ...makeNode("n1", "2025-01-01T00:00:00Z"), spec: { taints: [{ key: "maintenance", effect: "NoExecute" }] } });
  fake.putPod(makePod("tolerant", "n1", { tolerations: [{ key: "maintenance", operator: "Exists", tolerationSeconds: 10 }] }));
  fake.putPod(makePod("plain", "n1"));
  await tick();
  assert.ok(fake.pod("plain").metadata.deletionTimestamp, "an untolerated NoExecute taint evicts at once");
  assert.equal(fake.pod("tolerant").metadata.deletionTimestamp, undefined);
  assert.equal(fake.pod("tolerant").status!.conditions![0]!.status, "True", "a Ready node's pods stay Ready");
  await tick(9_000);
  assert.equal(fake.pod("tolerant").metadata.deletionTimestamp, undefined);
  await tick(1_000);
  assert.ok(fake.pod("tolerant").metadata.deletionTimestamp);
  assert.deepEqual(taintsOf(fake, "n1"), [{ key: "maintenance", effect: "NoExecute" }], "the user's taint is not stamped");
});
