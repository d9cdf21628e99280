import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, ReplicaSet } from "@bosun/api";
import { calculateReplicaSetStatus, nextAvailabilityCheckMs, sameReplicaSetStatus } from "../src/replicaset/status.js";

const nowMs = Date.parse("2025-01-01T00:01:00Z");

function rs(extra: { minReadySeconds?: number; generation?: number } = {}): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: "default", uid: "rs-uid", generation: extra.generation ?? 3 },
    spec: {
      replicas: 3,
      minReadySeconds: extra.minReadySeconds ?? 0,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web", tier: "front" } }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } },
    },
  };
}

function pod(name: string, labels: Record<string, string>, readySince?: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: readySince ? "True" : "False", ...(readySince ? { lastTransitionTime: readySince } : {}) }] },
  };
}

const full = { app: "web", tier: "front" };

test("counts replicas, fully labeled, ready and available pods and records the generation", () => {
  const pods = [
    pod("a", full, "2025-01-01T00:00:00Z"),
    pod("b", full, "2025-01-01T00:00:55Z"),
    pod("c", { app: "web" }),
  ];
  const status = calculateReplicaSetStatus(rs({ minReadySeconds: 10 }), pods, undefined, nowMs);
  assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
});

test("a failed create sets ReplicaFailure; a clean sync removes it", () => {
  const failed = calculateReplicaSetStatus(rs(), [], new Error("quota exceeded"), nowMs);
  assert.equal(failed.conditions?.[0]?.type, "ReplicaFailure");
  assert.equal(failed.conditions?.[0]?.reason, "FailedCreate");
  assert.equal(failed.conditions?.[0]?.message, "quota exceeded");
  const withFailure = { ...rs(), status: failed };
  assert.equal(calculateReplicaSetStatus(withFailure, [], undefined, nowMs).conditions, undefined);
});

test("an unchanged status is recognised, so nothing is written", () => {
  const status = calculateReplicaSetStatus(rs(), [pod("a", full, "2025-01-01T00:00:00Z")], undefined, nowMs);
  assert.ok(sameReplicaSetStatus(structuredClone(status), status));
  assert.ok(!sameReplicaSetStatus({ ...status, observedGeneration: 2 }, status));
  assert.ok(!sameReplicaSetStatus(undefined, status));
  assert.ok(sameReplicaSetStatus({ replicas: 0 }, { replicas: 0, readyReplicas: 0, availableReplicas: 0, fullyLabeledReplicas: 0, observedGeneration: undefined }));
});

test("the controller comes back when the next ready pod has waited out minReadySeconds", () => {
  const pods = [
    pod("long-ready", full, "2025-01-01T00:00:00Z"),
    pod("soon", full, "2025-01-01T00:00:55Z"),
    pod("later", full, "2025-01-01T00:00:58Z"),
    pod("unready", full),
  ];
  assert.equal(nextAvailabilityCheckMs(pods, 10, nowMs), 5_001);
  assert.equal(nextAvailabilityCheckMs(pods, 0, nowMs), undefined);
  assert.equal(nextAvailabilityCheckMs([pods[0]!], 10, nowMs), undefined);
});
