// The DaemonSet rolling update: how many old pods may go at once, which go first,
// and surging onto nodes before the old pod goes.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import type { NodeState } from "../src/daemonset/node-plan.js";
import { planRollingUpdate, updateLimits } from "../src/daemonset/rolling-update.js";

const now = Date.parse("2025-01-01T00:10:00Z");
const eligible = { shouldRun: true, shouldContinueRunning: true };

function pod(name: string, node: string, hash: string, ready = true, deleting = false): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: { "controller-revision-hash": hash },
      ...(deleting ? { deletionTimestamp: "2025-01-01T00:09:00Z" } : {}),
    },
    spec: { nodeName: node, containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2025-01-01T00:00:00Z" }] },
  };
}

function nodes(n: number): NodeState[] {
  return Array.from({ length: n }, (_, i) => ({ name: `n${i + 1}`, placement: eligible }));
}

function byNode(pods: Pod[]): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) m.set(p.spec.nodeName ?? "", [...(m.get(p.spec.nodeName ?? "") ?? []), p]);
  return m;
}

function update(nodeStates: NodeState[], pods: Pod[], maxUnavailable: number | string, maxSurge: number | string = 0) {
  return planRollingUpdate({ nodes: nodeStates, podsByNode: byNode(pods), hash: "new", maxSurge, maxUnavailable, minReadySeconds: 0, nowMs: now });
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata.name);

test("limits: maxUnavailable of the desired nodes; both zero means one at a time", () => {
  assert.deepEqual(updateLimits({ nodes: nodes(10), maxSurge: 0, maxUnavailable: "25%" }), { desired: 10, maxSurge: 0, maxUnavailable: 3 });
  assert.deepEqual(updateLimits({ nodes: nodes(4), maxSurge: 0, maxUnavailable: 0 }), { desired: 4, maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(updateLimits({ nodes: [], maxSurge: 0, maxUnavailable: 0 }), { desired: 0, maxSurge: 0, maxUnavailable: 0 });
});

test("with every old pod available, maxUnavailable old pods are deleted, in node order", () => {
  const pods = [pod("a", "n1", "old"), pod("b", "n2", "old"), pod("c", "n3", "old")];
  assert.deepEqual(names(update(nodes(3), pods, 1).podsToDelete), ["a"]);
  assert.deepEqual(names(update(nodes(3), pods, 2).podsToDelete), ["a", "b"]);
  assert.deepEqual(update(nodes(3), pods, 1).nodesToCreate, []);
});

test("a new pod not yet available, or a node without a pod, uses up the budget", () => {
  const pods = [pod("a", "n1", "new", false), pod("b", "n2", "old"), pod("c", "n3", "old")];
  assert.deepEqual(update(nodes(3), pods, 1).podsToDelete, []);
  assert.deepEqual(names(update(nodes(3), pods, 2).podsToDelete), ["b"]);
  const missing = [pod("b", "n2", "old"), pod("c", "n3", "old")];
  assert.deepEqual(update(nodes(3), missing, 1).podsToDelete, []);
  // A pod being deleted leaves its node without a live pod: unavailable.
  const deleting = [pod("a", "n1", "old", true, true), pod("b", "n2", "old"), pod("c", "n3", "old")];
  assert.deepEqual(update(nodes(3), deleting, 1).podsToDelete, []);
});

test("an old pod that is not available is replaced at once, whatever the budget", () => {
  const pods = [pod("a", "n1", "new", false), pod("b", "n2", "old", false), pod("c", "n3", "old")];
  assert.deepEqual(names(update(nodes(3), pods, 1).podsToDelete), ["b"]);
});

test("when every pod is new there is nothing to do", () => {
  const pods = [pod("a", "n1", "new"), pod("b", "n2", "new")];
  assert.deepEqual(update(nodes(2), pods, 1), { podsToDelete: [], nodesToCreate: [] });
});

test("surge: new pods start next to old ones on up to maxSurge nodes; an old pod goes once its new one is available", () => {
  const old = [pod("a", "n1", "old"), pod("b", "n2", "old"), pod("c", "n3", "old")];
  assert.deepEqual(update(nodes(3), old, 0, 1), { podsToDelete: [], nodesToCreate: ["n1"] });
  const surging = [...old, pod("a2", "n1", "new", false)];
  assert.deepEqual(update(nodes(3), surging, 0, 1), { podsToDelete: [], nodesToCreate: [] });
  const ready = [...old, pod("a2", "n1", "new", true)];
  assert.deepEqual(update(nodes(3), ready, 0, 1), { podsToDelete: [old[0]], nodesToCreate: ["n2"] });
  // An old pod that is not available gets its replacement regardless of maxSurge.
  const broken = [pod("a", "n1", "old"), pod("b", "n2", "old", false), pod("a2", "n1", "new", false)];
  assert.deepEqual(update(nodes(2), broken, 0, 1), { podsToDelete: [], nodesToCreate: ["n2"] });
});
