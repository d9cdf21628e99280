import assert from "node:assert/strict";
import { test } from "node:test";
import {
  generateNameSuffix,
  getPodCondition,
  isPodReady,
  isPodTerminal,
  objectKey,
  podResourceRequests,
  setPodCondition,
  type Pod,
  type PodStatus,
} from "../src/index.js";

function pod(): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: {
      containers: [
        { name: "a", image: "x", resources: { requests: { cpu: "250m", memory: "64Mi" } } },
        { name: "b", image: "x", resources: { requests: { cpu: "1" }, limits: { memory: "1Gi" } } },
        { name: "c", image: "x", resources: { requests: { "ephemeral-storage": "1Gi" } } },
      ],
    },
    status: {
      phase: "Running",
      containerStatuses: [
        { name: "a", ready: true, restartCount: 2, image: "x" },
        { name: "b", ready: false, restartCount: 1, image: "x" },
      ],
    },
  };
}

test("requests sum over containers", () => {
  assert.deepEqual(podResourceRequests(pod()), { cpuMillis: 1250, memoryBytes: 64 * 2 ** 20, ephemeralStorageBytes: 2 ** 30 });
});

test("terminal phases and keys", () => {
  const p = pod();
  assert.equal(isPodTerminal(p), false);
  p.status!.phase = "Succeeded";
  assert.equal(isPodTerminal(p), true);
  p.status!.phase = "Failed";
  assert.equal(isPodTerminal(p), true);
  assert.equal(objectKey(p), "default/web");
  assert.equal(objectKey({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } }), "n1");
});

test("a pod is ready when its Ready condition is True, not when it is missing or False", () => {
  const p = pod();
  assert.equal(isPodReady(p), false);
  p.status!.conditions = [{ type: "Ready", status: "False" }];
  assert.equal(isPodReady(p), false);
  p.status!.conditions = [{ type: "ContainersReady", status: "True" }, { type: "Ready", status: "True" }];
  assert.equal(isPodReady(p), true);
});

test("setPodCondition keeps lastTransitionTime while the status holds", () => {
  const status: PodStatus = {};
  assert.equal(setPodCondition(status, { type: "Ready", status: "False", reason: "ContainersNotReady" }), true);
  const first = getPodCondition(status, "Ready")!;
  assert.match(first.lastTransitionTime!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

  const kept = { type: "Ready", status: "False", reason: "Other", lastTransitionTime: "2030-01-01T00:00:00Z" } as const;
  assert.equal(setPodCondition(status, kept), true);
  assert.equal(getPodCondition(status, "Ready")!.lastTransitionTime, first.lastTransitionTime);
  assert.equal(getPodCondition(status, "Ready")!.reason, "Other");
  assert.equal(setPodCondition(status, { type: "Ready", status: "False", reason: "Other" }), false, "no change, nothing to write");

  setPodCondition(status, { type: "Ready", status: "True", lastTransitionTime: "2031-01-01T00:00:00Z" });
  assert.equal(getPodCondition(status, "Ready")!.lastTransitionTime, "2031-01-01T00:00:00Z");
  assert.equal(status.conditions!.length, 1);
  setPodCondition(status, { type: "PodScheduled", status: "True" });
  assert.equal(status.conditions!.length, 2);
  assert.equal(getPodCondition(status, "Initialized"), undefined);
});

test("generated name suffixes use Kubernetes' alphabet", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = generateNameSuffix();
    assert.match(s, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    seen.add(s);
  }
  assert.ok(seen.size > 190);
});
