import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, PodStatus } from "@bosun/api";
import type { PodStatusUpdate } from "@bosun/proto";
import { mergedStatus, StatusWriter } from "../src/dispatcher/status-writer.js";
import { apiError, FakeApi, FakePodCache, pod } from "./fakes.js";

function setup(...pods: Pod[]) {
  const api = new FakeApi();
  const cache = new FakePodCache();
  for (const p of pods) {
    cache.set(p);
    api.objects.set(api.key("pods", p.metadata.name!, "default"), structuredClone(p));
  }
  const writer = new StatusWriter({ api: api.client(), pods: cache });
  return { api, cache, writer };
}

function update(name: string, status: PodStatus, terminated = false): PodStatusUpdate {
  return { namespace: "default", name, uid: `uid-${name}`, statusJson: JSON.stringify(status), terminated };
}

const patches = (api: FakeApi) => api.calls.filter((c) => c.verb === "patch");

test("only the latest status of a pod is written, once per flush, as a status merge patch", async () => {
  const { api, writer } = setup(pod("a", "n1"));
  writer.accept("n1", [update("a", { phase: "Pending" })]);
  writer.accept("n1", [update("a", { phase: "Running", podIP: "172.17.0.5" })]);
  await writer.flush();
  assert.equal(patches(api).length, 1);
  assert.deepEqual(patches(api)[0]!.body, { status: { phase: "Running", podIP: "172.17.0.5" } });
  assert.deepEqual(patches(api)[0]!.opts, { namespace: "default", type: "merge", subresource: "status" });
});

test("a status equal to the stored one is not written again", async () => {
  const { api, writer } = setup({ ...pod("a", "n1"), status: { phase: "Running", podIP: "10.0.0.1" } });
  writer.accept("n1", [update("a", { phase: "Running" })]);
  await writer.flush();
  assert.equal(patches(api).length, 0);
});

test("a repeat of what we last wrote is skipped even before the informer has seen our write", async () => {
  const { api, writer } = setup(pod("a", "n1"));
  writer.accept("n1", [update("a", { phase: "Running" })]);
  await writer.flush();
  writer.accept("n1", [update("a", { phase: "Running" })]);
  await writer.flush();
  assert.equal(patches(api).length, 1);
  // And flipping back to what the (stale) cache still shows is written, not skipped.
  writer.accept("n1", [update("a", { phase: "Pending" })]);
  await writer.flush();
  assert.equal(patches(api).length, 2);
});

test("updates for pods of another node, unknown pods or a recreated pod's old uid are ignored", async () => {
  const { api, writer } = setup(pod("a", "n1"), pod("b", "n2"));
  const accepted = writer.accept("n1", [
    update("b", { phase: "Running" }),
    update("ghost", { phase: "Running" }),
    { ...update("a", { phase: "Running" }), uid: "an-older-uid" },
  ]);
  await writer.flush();
  assert.equal(accepted, 0);
  assert.equal(api.calls.length, 0);
});

test("conditions the agent does not report, like PodScheduled, are kept", () => {
  const stored: PodStatus = {
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "False" }],
  };
  const merged = mergedStatus(stored, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] });
  assert.deepEqual(merged.conditions, [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "True" }]);
});

test("terminated with a deletionTimestamp deletes the pod with grace 0 and a uid precondition", async () => {
  const { api, writer } = setup(pod("a", "n1", { deletionTimestamp: "2025-01-01T00:00:00Z" }));
  writer.accept("n1", [update("a", { phase: "Running" }, true)]);
  await writer.flush();
  const deletes = api.calls.filter((c) => c.verb === "delete");
  assert.equal(deletes.length, 1);
  assert.deepEqual(deletes[0]!.opts, { namespace: "default", gracePeriodSeconds: 0, preconditions: { uid: "uid-a" } });
  assert.equal(patches(api).length, 0);
});

test("a delete that finds the pod already gone is fine", async () => {
  const { api, writer } = setup(pod("a", "n1", { deletionTimestamp: "2025-01-01T00:00:00Z" }));
  api.failNext.delete = apiError(404, "NotFound");
  writer.accept("n1", [update("a", {}, true)]);
  await writer.flush();
  writer.accept("n1", [update("a", {}, true)]);
  assert.equal(api.calls.filter((c) => c.verb === "delete").length, 1);
});

test("a failed write is retried with the next batch unless a newer status came in", async () => {
  const { api, writer } = setup(pod("a", "n1"));
  api.failNext.patch = apiError(503, "ServiceUnavailable");
  writer.accept("n1", [update("a", { phase: "Running" })]);
  await writer.flush();
  await writer.flush();
  assert.equal(patches(api).length, 2);
  assert.equal((api.objects.get(api.key("pods", "a", "default")) as Pod).status?.phase, "Running");
});

test("the timer flushes on its own", async () => {
  const api = new FakeApi();
  const cache = new FakePodCache();
  cache.set(pod("a", "n1"));
  api.objects.set(api.key("pods", "a", "default"), pod("a", "n1"));
  const writer = new StatusWriter({ api: api.client(), pods: cache, flushIntervalMs: 10 });
  writer.start();
  writer.accept("n1", [update("a", { phase: "Running" })]);
  await new Promise((r) => setTimeout(r, 60));
  await writer.stop();
  assert.equal(patches(api).length, 1);
});
