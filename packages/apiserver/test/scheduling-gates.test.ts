// Scheduling gates through the API: a new gated pod is PodScheduled=False,
// SchedulingGated; it cannot be bound; gates may be removed, never added; then it binds.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { call, testPod, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

const pods = "/api/v1/namespaces/default/pods";

describe("scheduling gates", () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer();
  });
  after(async () => server.stop());

  const binding = (name: string) => ({ apiVersion: "v1", kind: "Binding", metadata: { name }, target: { apiVersion: "v1", kind: "Node", name: "node-a" } });
  const mergePatch = "application/merge-patch+json";

  test("a gated pod waits, SchedulingGated and unbindable, until its gates are removed", async () => {
    const gated = testPod("gated");
    (gated.spec as Pod["spec"]).schedulingGates = [{ name: "example.com/a" }, { name: "example.com/b" }];
    assert.equal((await call(server.url, "POST", pods, gated)).status, 201);
    const created = (await call<Pod>(server.url, "GET", `${pods}/gated`)).body;
    const cond = created.status?.conditions?.find((c) => c.type === "PodScheduled");
    assert.deepEqual(
      { status: cond?.status, reason: cond?.reason, message: cond?.message },
      { status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" },
    );

    const refused = await call<{ message: string }>(server.url, "POST", `${pods}/gated/binding`, binding("gated"));
    assert.equal(refused.status, 409);
    assert.match(refused.body.message, /pod gated has non-empty \.spec\.schedulingGates/);

    const added = await call<{ message: string }>(server.url, "PATCH", `${pods}/gated`, { spec: { schedulingGates: [{ name: "example.com/a" }, { name: "example.com/c" }] } }, mergePatch);
    assert.equal(added.status, 422);
    assert.match(added.body.message, /spec\.schedulingGates\[1\]\.name: Forbidden: only deletion is allowed, but found new scheduling gate 'example\.com\/c'/);

    assert.equal((await call(server.url, "PATCH", `${pods}/gated`, { spec: { schedulingGates: [{ name: "example.com/b" }] } }, mergePatch)).status, 200);
    assert.equal((await call(server.url, "PATCH", `${pods}/gated`, { spec: { schedulingGates: null } }, mergePatch)).status, 200);
    assert.equal((await call(server.url, "POST", `${pods}/gated/binding`, binding("gated"))).status, 201);
    const bound = (await call<Pod>(server.url, "GET", `${pods}/gated`)).body;
    assert.equal(bound.spec.nodeName, "node-a");
    assert.equal(bound.status?.conditions?.find((c) => c.type === "PodScheduled")?.status, "True");
  });

  test("a new pod may not be both gated and bound", async () => {
    const both = testPod("both", { nodeName: "node-a" });
    (both.spec as Pod["spec"]).schedulingGates = [{ name: "example.com/a" }];
    const res = await call<{ message: string }>(server.url, "POST", pods, both);
    assert.equal(res.status, 422);
    assert.match(res.body.message, /spec\.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared/);
  });
});
