// The order in which a StatefulSet creates, deletes and updates its pods.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { planStatefulSet, type SetAction, type SetPlanInput } from "../src/statefulset/plan.js";

const now = Date.parse("2025-01-01T00:10:00Z");

interface PodOpts {
  revision?: string;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  ready?: boolean;
  deleting?: boolean;
  readySinceSec?: number;
}

function pod(ordinal: number, o: PodOpts = {}): Pod {
  const name = `web-${ordinal}`;
  const readySince = new Date(Date.parse("2025-01-01T00:00:00Z") + (o.readySinceSec ?? 0) * 1000).toISOString();
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      labels: { app: "web", "controller-revision-hash": o.revision ?? "web-new" },
      ...(o.deleting ? { deletionTimestamp: "2025-01-01T00:09:00Z" } : {}),
    },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
    status: { phase: o.phase ?? "Running", conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", lastTransitionTime: readySince }] },
  };
}

function plan(pods: Pod[], o: Partial<SetPlanInput> = {}): SetAction[] {
  return planStatefulSet({
    setName: "web",
    replicas: 3,
    monotonic: true,
    rollingUpdate: true,
    partition: 0,
    minReadySeconds: 0,
    pods,
    updateRevision: "web-new",
    identityMatches: () => true,
    nowMs: now,
    ...o,
  });
}

/** Actions as short strings: "create 1", "delete 2 (condemned)". */
function describe(actions: SetAction[]): string[] {
  return actions.map((a) => (a.kind === "delete" ? `delete ${a.ordinal} (${a.reason})` : a.kind === "create" ? `create ${a.ordinal}${a.revision === "current" ? " current" : ""}` : `fix ${a.ordinal}`));
}

test("OrderedReady creates ordinal 0 first and waits for it to be Running and Ready", () => {
  assert.deepEqual(describe(plan([])), ["create 0"]);
  assert.deepEqual(describe(plan([pod(0, { phase: "Pending", ready: false })])), []);
  assert.deepEqual(describe(plan([pod(0, { ready: false })])), []);
  assert.deepEqual(describe(plan([pod(0)])), ["create 1"]);
  assert.deepEqual(describe(plan([pod(0), pod(1)])), ["create 2"]);
  assert.deepEqual(describe(plan([pod(0), pod(1), pod(2)])), []);
});

test("OrderedReady fills a gap before going on, and waits for minReadySeconds", () => {
  assert.deepEqual(describe(plan([pod(1), pod(2)])), ["create 0"]);
  assert.deepEqual(describe(plan([pod(0, { readySinceSec: 590 })], { minReadySeconds: 30 })), []);
  assert.deepEqual(describe(plan([pod(0, { readySinceSec: 500 })], { minReadySeconds: 30 })), ["create 1"]);
});

test("Parallel creates every missing ordinal at once", () => {
  assert.deepEqual(describe(plan([], { monotonic: false })), ["create 0", "create 1", "create 2"]);
  assert.deepEqual(describe(plan([pod(1, { ready: false })], { monotonic: false })), ["create 0", "create 2"]);
});

test("OrderedReady scales down from the highest ordinal, one at a time, waiting for each to be gone", () => {
  const all = [pod(0), pod(1), pod(2), pod(3), pod(4)];
  assert.deepEqual(describe(plan(all)), ["delete 4 (condemned)"]);
  assert.deepEqual(describe(plan([pod(0), pod(1), pod(2), pod(3), pod(4, { deleting: true })])), []);
  assert.deepEqual(describe(plan([pod(0), pod(1), pod(2), pod(3)])), ["delete 3 (condemned)"]);
});

test("OrderedReady scale-down waits on an unready target, unless it is the first unhealthy pod", () => {
  // web-4 is unready but web-3 is the first unhealthy pod: web-4 waits.
  assert.deepEqual(describe(plan([pod(0), pod(1), pod(2), pod(3, { ready: false }), pod(4, { ready: false })])), []);
  // A ready target goes even with an unready one below it (as in Kubernetes)...
  assert.deepEqual(describe(plan([pod(0), pod(1), pod(2), pod(3, { ready: false }), pod(4)])), ["delete 4 (condemned)"]);
  // ...and then the first unhealthy pod may go too: waiting for it could be for ever.
  assert.deepEqual(describe(plan([pod(0), pod(1), pod(2), pod(3, { ready: false })])), ["delete 3 (condemned)"]);
  // An unready replica below the new size blocks everything.
  assert.deepEqual(describe(plan([pod(0, { ready: false }), pod(1), pod(2), pod(3)])), []);
});

test("Parallel deletes every condemned pod at once", () => {
  const all = [pod(0), pod(1), pod(2), pod(3, { ready: false }), pod(4), pod(5, { deleting: true })];
  assert.deepEqual(describe(plan(all, { monotonic: false })), ["delete 4 (condemned)", "delete 3 (condemned)"]);
});

test("a failed or succeeded pod is deleted and created again", () => {
  assert.deepEqual(describe(plan([pod(0), pod(1, { phase: "Failed", ready: false })])), ["delete 1 (failed)", "create 1"]);
  assert.deepEqual(describe(plan([pod(0, { phase: "Succeeded", ready: false })])), ["delete 0 (succeeded)", "create 0"]);
  // A failed pod already being deleted is waited for.
  assert.deepEqual(describe(plan([pod(0, { phase: "Failed", ready: false, deleting: true })])), []);
});

test("the rolling update deletes the highest old pod first, one at a time, when all are healthy", () => {
  const old = { revision: "web-old" };
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2, old)])), ["delete 2 (update)"]);
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2, { ...old, deleting: true })])), []);
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old)])), ["create 2"]);
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2, { ready: false })])), []);
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2)])), ["delete 1 (update)"]);
  assert.deepEqual(describe(plan([pod(0), pod(1), pod(2)])), []);
});

test("the rolling update respects the partition; pods below it are recreated at the current revision", () => {
  const old = { revision: "web-old" };
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2, old)], { partition: 2 })), ["delete 2 (update)"]);
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2)], { partition: 2 })), []);
  assert.deepEqual(describe(plan([pod(1, old), pod(2)], { partition: 2 })), ["create 0 current"]);
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old)], { partition: 2 })), ["create 2"]);
  // A partition above the replica count updates nothing.
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2, old)], { partition: 5 })), []);
});

test("OnDelete never deletes for an update; a deleted pod comes back at the update revision", () => {
  const old = { revision: "web-old" };
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2, old)], { rollingUpdate: false })), []);
  assert.deepEqual(describe(plan([pod(0, old), pod(2, old)], { rollingUpdate: false })), ["create 1"]);
});

test("Parallel updates wait for an unhealthy pod above the target", () => {
  const old = { revision: "web-old" };
  assert.deepEqual(describe(plan([pod(0, old), pod(1, old), pod(2, { ready: false })], { monotonic: false })), []);
  assert.deepEqual(describe(plan([pod(0, old), pod(1, { ...old, ready: false }), pod(2)], { monotonic: false })), ["delete 1 (update)"]);
});

test("pods without their identity labels get them back", () => {
  const actions = plan([pod(0), pod(1), pod(2)], { identityMatches: (p) => p.metadata.name !== "web-1" });
  assert.deepEqual(describe(actions), ["fix 1"]);
});

test("pods that are not members are ignored", () => {
  const stranger: Pod = { ...pod(0), metadata: { ...pod(0).metadata, name: "webby-0" } };
  assert.deepEqual(describe(plan([stranger])), ["create 0"]);
});
