import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { podsToDelete, podDeletionCostAnnotation } from "../src/replicaset/pod-ranking.js";

interface PodShape {
  node?: string;
  phase?: "Pending" | "Running" | "Unknown";
  readySince?: string;
  restarts?: number;
  created?: string;
  cost?: number;
}

function pod(name: string, s: PodShape = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      creationTimestamp: s.created ?? "2025-01-01T00:00:00Z",
      ...(s.cost !== undefined ? { annotations: { [podDeletionCostAnnotation]: String(s.cost) } } : {}),
    },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], ...(s.node ? { nodeName: s.node } : {}) },
    status: {
      phase: s.phase ?? "Running",
      conditions: s.readySince ? [{ type: "Ready", status: "True", lastTransitionTime: s.readySince }] : [{ type: "Ready", status: "False" }],
      containerStatuses: [{ name: "main", ready: !!s.readySince, restartCount: s.restarts ?? 0, image: "bosun.local/busybox:1" }],
    },
  };
}

function order(pods: Pod[], related: Pod[] = pods): string[] {
  return podsToDelete(pods, related, pods.length - 1).map((p) => p.metadata.name ?? "");
}

const ready = "2025-01-01T00:10:00Z";

test("unscheduled pods go before scheduled ones", () => {
  const pods = [pod("scheduled", { node: "n1", readySince: ready }), pod("unscheduled", { phase: "Pending" })];
  assert.deepEqual(podsToDelete(pods, pods, 1).map((p) => p.metadata.name), ["unscheduled"]);
});

test("Pending before Unknown before Running", () => {
  const pods = [
    pod("running", { node: "n1" }),
    pod("unknown", { node: "n1", phase: "Unknown" }),
    pod("pending", { node: "n1", phase: "Pending" }),
    pod("keep", { node: "n1", readySince: ready }),
  ];
  assert.deepEqual(order(pods), ["pending", "unknown", "running"]);
});

test("not ready before ready", () => {
  const pods = [pod("ready", { node: "n1", readySince: ready }), pod("unready", { node: "n1" })];
  assert.deepEqual(podsToDelete(pods, pods, 1).map((p) => p.metadata.name), ["unready"]);
});

test("a lower pod-deletion-cost goes first, before the other tie-breakers", () => {
  const pods = [
    pod("cheap-old", { node: "n1", readySince: "2025-01-01T00:00:00Z", cost: -5 }),
    pod("dear-new", { node: "n1", readySince: "2025-01-02T00:00:00Z", cost: 10 }),
  ];
  assert.deepEqual(podsToDelete(pods, pods, 1).map((p) => p.metadata.name), ["cheap-old"]);
});

test("a pod on a node crowded with pods of the same family goes first", () => {
  const pods = [
    pod("alone", { node: "n1", readySince: "2025-01-02T00:00:00Z" }),
    pod("crowded-a", { node: "n2", readySince: "2025-01-01T00:00:00Z" }),
  ];
  // A sibling ReplicaSet's pod also sits on n2.
  const related = [...pods, pod("sibling", { node: "n2", readySince: ready })];
  assert.deepEqual(podsToDelete(pods, related, 1).map((p) => p.metadata.name), ["crowded-a"]);
});

test("among ready pods the most recently ready goes first, then more restarts, then the newest", () => {
  const byReady = [
    pod("ready-early", { node: "n1", readySince: "2025-01-01T00:00:00Z" }),
    pod("ready-late", { node: "n2", readySince: "2025-01-01T05:00:00Z" }),
  ];
  assert.deepEqual(podsToDelete(byReady, byReady, 1).map((p) => p.metadata.name), ["ready-late"]);

  const byRestarts = [pod("calm", { node: "n1", restarts: 0 }), pod("flappy", { node: "n2", restarts: 7 })];
  assert.deepEqual(podsToDelete(byRestarts, byRestarts, 1).map((p) => p.metadata.name), ["flappy"]);

  const byAge = [
    pod("old", { node: "n1", created: "2025-01-01T00:00:00Z" }),
    pod("new", { node: "n2", created: "2025-01-03T00:00:00Z" }),
    pod("middle", { node: "n3", created: "2025-01-02T00:00:00Z" }),
  ];
  assert.deepEqual(order(byAge), ["new", "middle"]);
});

test("asking for as many pods as there are answers all of them", () => {
  const pods = [pod("a"), pod("b")];
  assert.equal(podsToDelete(pods, pods, 5).length, 2);
});
