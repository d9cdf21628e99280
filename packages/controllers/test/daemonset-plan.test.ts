// What manage decides per node: create where a pod is missing, delete where it no
// longer belongs, keep only the oldest, replace finished pods, clean up pods whose
// node is gone; and the status counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { planManage, type NodeState } from "../src/daemonset/node-plan.js";
import { computeDaemonSetCounts, nextDaemonSetStatus } from "../src/daemonset/status.js";

const now = Date.parse("2025-01-01T00:10:00Z");
const eligible = { shouldRun: true, shouldContinueRunning: true };
const tainted = { shouldRun: false, shouldContinueRunning: true };
const excluded = { shouldRun: false, shouldContinueRunning: false };

interface PodOpts {
  hash?: string;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  ready?: boolean;
  createdSec?: number;
  readySinceSec?: number;
  deleting?: boolean;
}

function pod(name: string, node: string, o: PodOpts = {}): Pod {
  const created = new Date(Date.parse("2025-01-01T00:00:00Z") + (o.createdSec ?? 0) * 1000).toISOString();
  const readySince = new Date(Date.parse("2025-01-01T00:00:00Z") + (o.readySinceSec ?? 0) * 1000).toISOString();
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      creationTimestamp: created,
      labels: { app: "agent", "controller-revision-hash": o.hash ?? "new" },
      ...(o.deleting ? { deletionTimestamp: created, deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: { nodeName: node, containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", lastTransitionTime: readySince }],
    },
  };
}

function byNode(pods: Pod[]): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) m.set(p.spec.nodeName ?? "", [...(m.get(p.spec.nodeName ?? "") ?? []), p]);
  return m;
}

function plan(nodes: NodeState[], pods: Pod[], surge = false) {
  return planManage({ nodes, podsByNode: byNode(pods), hash: "new", surge, minReadySeconds: 0, nowMs: now });
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata.name).sort();

test("eligible nodes without a pod need one; nodes with one are left alone", () => {
  const p = plan(
    [{ name: "n1", placement: eligible }, { name: "n2", placement: eligible }, { name: "n3", placement: excluded }],
    [pod("a", "n1")],
  );
  assert.deepEqual(p.nodesNeedingPods, ["n2"]);
  assert.deepEqual(p.podsToDelete, []);
});

test("a pod on a node that no longer selects it is deleted; a NoSchedule taint lets it stay", () => {
  const p = plan([{ name: "n1", placement: excluded }, { name: "n2", placement: tainted }], [pod("a", "n1"), pod("b", "n2")]);
  assert.deepEqual(names(p.podsToDelete), ["a"]);
  assert.deepEqual(p.nodesNeedingPods, []);
});

test("of several pods on one node the oldest stays", () => {
  const p = plan([{ name: "n1", placement: eligible }], [pod("young", "n1", { createdSec: 20 }), pod("old", "n1", { createdSec: 1 }), pod("mid", "n1", { createdSec: 10 })]);
  assert.deepEqual(names(p.podsToDelete), ["mid", "young"]);
});

test("a pod being deleted holds its node: no replacement until it is gone, and it is not deleted twice", () => {
  const p = plan([{ name: "n1", placement: eligible }, { name: "n2", placement: excluded }], [pod("a", "n1", { deleting: true }), pod("b", "n2", { deleting: true })]);
  assert.deepEqual(p.nodesNeedingPods, []);
  assert.deepEqual(p.podsToDelete, []);
});

test("failed and succeeded pods are reported for deletion; the node gets a new pod afterwards", () => {
  const p = plan([{ name: "n1", placement: eligible }, { name: "n2", placement: eligible }], [pod("f", "n1", { phase: "Failed" }), pod("s", "n2", { phase: "Succeeded" })]);
  assert.deepEqual(p.failedPods.map((f) => [f.pod.metadata.name, f.node]), [["f", "n1"]]);
  assert.deepEqual(p.succeededPods.map((f) => [f.pod.metadata.name, f.node]), [["s", "n2"]]);
  assert.deepEqual(p.nodesNeedingPods, []);
});

test("pods on nodes that are gone, or on no node, are removed", () => {
  const p = plan([{ name: "n1", placement: eligible }], [pod("a", "n1"), pod("ghost", "gone"), pod("unbound", ""), pod("forced", "gone", { deleting: true })]);
  // "forced" is terminating gracefully on a node that will never confirm it: it is forced too.
  assert.deepEqual(names(p.podsWithoutNode), ["forced", "ghost", "unbound"]);
});

test("surging keeps an old ready pod next to a new one that is not yet available, then drops the old", () => {
  const nodes = [{ name: "n1", placement: eligible }];
  const waiting = plan(nodes, [pod("old", "n1", { hash: "old", createdSec: 1 }), pod("new", "n1", { ready: false, createdSec: 2 })], true);
  assert.deepEqual(waiting.podsToDelete, []);
  const done = plan(nodes, [pod("old", "n1", { hash: "old", createdSec: 1 }), pod("new", "n1", { createdSec: 2 })], true);
  assert.deepEqual(names(done.podsToDelete), ["old"]);
  const oldBroken = plan(nodes, [pod("old", "n1", { hash: "old", ready: false, createdSec: 1 }), pod("new", "n1", { ready: false, createdSec: 2 })], true);
  assert.deepEqual(names(oldBroken.podsToDelete), ["old"]);
  const extra = plan(nodes, [pod("old", "n1", { hash: "old", createdSec: 1 }), pod("new", "n1", { ready: false, createdSec: 2 }), pod("new2", "n1", { createdSec: 3 })], true);
  assert.deepEqual(names(extra.podsToDelete), ["new2"]);
});

test("status counts desired, scheduled, misscheduled, ready, available and updated nodes", () => {
  const nodes: NodeState[] = [
    { name: "n1", placement: eligible },
    { name: "n2", placement: eligible },
    { name: "n3", placement: eligible },
    { name: "n4", placement: excluded },
    { name: "n5", placement: eligible },
  ];
  const pods = [
    pod("a", "n1", { readySinceSec: 0 }),
    pod("b", "n2", { hash: "old", readySinceSec: 590 }),
    pod("c", "n3", { ready: false }),
    pod("d", "n4"),
  ];
  const counts = computeDaemonSetCounts(nodes, byNode(pods), "new", 30, now);
  assert.deepEqual(counts, {
    desiredNumberScheduled: 4,
    currentNumberScheduled: 3,
    numberMisscheduled: 1,
    numberReady: 2,
    updatedNumberScheduled: 2,
    numberAvailable: 1, // b is ready for 10 s only, less than minReadySeconds
    numberUnavailable: 3,
  });
});

test("status is written only when something changed", () => {
  const counts = { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberUnavailable: 0 };
  assert.equal(nextDaemonSetStatus({ ...counts, observedGeneration: 3 }, counts, 3), undefined);
  assert.deepEqual(nextDaemonSetStatus({ ...counts, observedGeneration: 2 }, counts, 3), { ...counts, observedGeneration: 3 });
  assert.deepEqual(nextDaemonSetStatus({ ...counts, numberReady: 1, observedGeneration: 2 }, counts, undefined), { ...counts, observedGeneration: 2 });
  assert.deepEqual(nextDaemonSetStatus(undefined, counts, 1), { ...counts, observedGeneration: 1 });
});
