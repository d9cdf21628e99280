import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { call, testPod, apiServerForSuite } from "../src/testing/index.js";

type StatusBody = { kind: string; status: string; reason: string; code: number; message: string; details?: { causes?: { field?: string }[] } };
const pods = "/api/v1/namespaces/default/pods";

describe("bad input", () => {
  const api = apiServerForSuite();

  async function assertNothingStored(): Promise<void> {
    const list = await call<{ items: unknown[] }>(api.url, "GET", pods);
    assert.equal(list.body.items.length, 0, "nothing may be stored after a refused request");
  }

  function assertStatus(res: { status: number; body: StatusBody }, code: number, reason: string): void {
    assert.equal(res.status, code);
    assert.equal(res.body.kind, "Status");
    assert.equal(res.body.status, "Failure");
    assert.equal(res.body.code, code);
    assert.equal(res.body.reason, reason);
  }

  test("malformed JSON is 400 naming the parse error", async () => {
    const res = await call<StatusBody>(api.url, "POST", pods, '{"apiVersion": "v1", "kind": "Pod",');
    assertStatus(res, 400, "BadRequest");
    assert.match(res.body.message, /not valid JSON: .+/);
    await assertNothingStored();
  });

  test("an unknown field is 422 naming its path", async () => {
    const body = testPod("unknown");
    (body.spec as { containers: Record<string, unknown>[] }).containers[0].imagePolicy = "Always";
    const res = await call<StatusBody>(api.url, "POST", pods, body);
    assertStatus(res, 422, "Invalid");
    assert.ok(res.body.details?.causes?.some((c) => c.field === "spec.containers[0].imagePolicy"));
    await assertNothingStored();
  });

  test("an invalid name is 422", async () => {
    const res = await call<StatusBody>(api.url, "POST", pods, testPod("Not_A_Name"));
    assertStatus(res, 422, "Invalid");
    assert.ok(res.body.details?.causes?.some((c) => c.field === "metadata.name"));
    await assertNothingStored();
  });

  test("a value of the wrong type is 422 naming its path", async () => {
    const body = testPod("wrongtype");
    (body.spec as { containers: Record<string, unknown>[] }).containers[0].command = "sleep 10";
    const res = await call<StatusBody>(api.url, "POST", pods, body);
    assertStatus(res, 422, "Invalid");
    assert.ok(res.body.details?.causes?.some((c) => c.field?.startsWith("spec.containers[0].command")));
    await assertNothingStored();
  });

  test("a body over 3 MiB is 413", async () => {
    const body = testPod("huge");
    body.metadata.annotations = { big: "x".repeat(3 * 1024 * 1024 + 10) };
    const res = await call<StatusBody>(api.url, "POST", pods, body);
    assertStatus(res, 413, "RequestEntityTooLarge");
    await assertNothingStored();
  });

  test("a namespace differing from the URL is 400", async () => {
    const body = testPod("elsewhere");
    body.metadata.namespace = "kube-system";
    const res = await call<StatusBody>(api.url, "POST", pods, body);
    assertStatus(res, 400, "BadRequest");
    assert.equal(res.body.message, "the namespace of the provided object does not match the namespace sent on the request");
    await assertNothingStored();
    assert.equal((await call(api.url, "GET", "/api/v1/namespaces/kube-system/pods/elsewhere")).status, 404);
  });

  test("a kind or apiVersion not matching the URL is 400", async () => {
    const node = { apiVersion: "v1", kind: "Node", metadata: { name: "n" } };
    assertStatus(await call<StatusBody>(api.url, "POST", pods, node), 400, "BadRequest");
    const wrongVersion = { ...testPod("v"), apiVersion: "apps/v1" };
    assertStatus(await call<StatusBody>(api.url, "POST", pods, wrongVersion), 400, "BadRequest");
    await assertNothingStored();
  });

  test("a wrong content type is 415", async () => {
    const res = await call<StatusBody>(api.url, "POST", pods, JSON.stringify(testPod("ct")), "text/plain");
    assertStatus(res, 415, "UnsupportedMediaType");
    const patch = await call<StatusBody>(api.url, "PATCH", `${pods}/ct`, "{}", "application/json");
    assertStatus(patch, 415, "UnsupportedMediaType");
    await assertNothingStored();
  });

  test("a namespace that does not exist is 404", async () => {
    const res = await call<StatusBody>(api.url, "POST", "/api/v1/namespaces/nowhere/pods", testPod("lost"));
    assertStatus(res, 404, "NotFound");
    assert.equal(res.body.message, 'namespaces "nowhere" not found');
    // NamespaceLifecycle comes before validation, for every kind, as in Kubernetes.
    const invalid = await call<StatusBody>(api.url, "POST", "/api/v1/namespaces/nowhere/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "Not_A_Name" },
    });
    assertStatus(invalid, 404, "NotFound");
    assert.equal(invalid.body.message, 'namespaces "nowhere" not found');
  });

  test("an unknown path is 404, a wrong method 405", async () => {
    assertStatus(await call<StatusBody>(api.url, "GET", "/api/v1/widgets"), 404, "NotFound");
    assertStatus(await call<StatusBody>(api.url, "GET", "/nothing/here"), 404, "NotFound");
    assertStatus(await call<StatusBody>(api.url, "PUT", pods, testPod("x")), 405, "MethodNotAllowed");
    assertStatus(await call<StatusBody>(api.url, "POST", `${pods}/x/status`, testPod("x")), 405, "MethodNotAllowed");
  });

  test("an invalid update changes nothing", async () => {
    const created = await call<{ metadata: Record<string, unknown>; spec: { containers: { image: string }[] } }>(api.url, "POST", pods, testPod("keep"));
    const next = structuredClone(created.body);
    next.spec.containers[0].image = "";
    const res = await call<StatusBody>(api.url, "PUT", `${pods}/keep`, next);
    assertStatus(res, 422, "Invalid");
    const now = await call<{ metadata: Record<string, unknown>; spec: { containers: { image: string }[] } }>(api.url, "GET", `${pods}/keep`);
    assert.equal(now.body.spec.containers[0].image, "bosun.local/busybox:1");
    assert.equal(now.body.metadata.resourceVersion, created.body.metadata.resourceVersion);
    const renamed = structuredClone(created.body);
    renamed.metadata.name = "other";
    assertStatus(await call<StatusBody>(api.url, "PUT", `${pods}/keep`, renamed), 400, "BadRequest");
    await call(api.url, "DELETE", `${pods}/keep`);
  });
});
