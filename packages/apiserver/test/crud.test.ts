import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { call, testPod, apiServerForSuite } from "../src/testing/index.js";


const pods = "/api/v1/namespaces/default/pods";
type Obj = { metadata: Record<string, unknown> & { resourceVersion: string; name: string }; spec: Record<string, unknown>; status?: Record<string, unknown> };

describe("CRUD", () => {
  const api = apiServerForSuite();

  test("bootstrap creates the system namespaces", async () => {
    const res = await call<{ items: Obj[] }>(api.url, "GET", "/api/v1/namespaces");
    assert.equal(res.status, 200);
    const names = res.body.items.map((n) => n.metadata.name).sort();
    assert.deepEqual(names, ["default", "kube-node-lease", "kube-public", "kube-system"]);
  });

  test("create, get, list, update, delete a pod", async () => {
    const created = await call<Obj>(api.url, "POST", pods, testPod("web", { labels: { app: "web" } }));
    assert.equal(created.status, 201);
    const meta = created.body.metadata;
    assert.match(String(meta.uid), /^[0-9a-f-]{36}$/);
    assert.equal(meta.generation, 1);
    assert.match(String(meta.creationTimestamp), /Z$/);
    assert.equal(created.body.status?.phase, "Pending");
    assert.ok(Number(meta.resourceVersion) > 0);

    const got = await call<Obj>(api.url, "GET", `${pods}/web`);
    assert.equal(got.status, 200);
    assert.equal(got.body.metadata.resourceVersion, meta.resourceVersion);

    const list = await call<{ kind: string; metadata: { resourceVersion: string }; items: Obj[] }>(api.url, "GET", pods);
    assert.equal(list.body.kind, "PodList");
    assert.deepEqual(list.body.items.map((p) => p.metadata.name), ["web"]);
    assert.ok(Number(list.body.metadata.resourceVersion) >= Number(meta.resourceVersion));

    const next = structuredClone(got.body);
    next.metadata.labels = { app: "web", tier: "front" };
    const updated = await call<Obj>(api.url, "PUT", `${pods}/web`, next);
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body.metadata.labels, { app: "web", tier: "front" });
    assert.equal(updated.body.metadata.generation, 1, "metadata-only change keeps generation");
    assert.ok(Number(updated.body.metadata.resourceVersion) > Number(meta.resourceVersion));

    const deleted = await call<Obj>(api.url, "DELETE", `${pods}/web`);
    assert.equal(deleted.status, 200);
    assert.equal((await call(api.url, "GET", `${pods}/web`)).status, 404);
  });

  test("a stale resourceVersion on update is a 409 Conflict and changes nothing", async () => {
    const created = await call<Obj>(api.url, "POST", pods, testPod("stale"));
    const first = structuredClone(created.body);
    first.metadata.labels = { v: "1" };
    assert.equal((await call(api.url, "PUT", `${pods}/stale`, first)).status, 200);
    const second = structuredClone(created.body);
    second.metadata.labels = { v: "2" };
    const res = await call<{ reason: string; message: string }>(api.url, "PUT", `${pods}/stale`, second);
    assert.equal(res.status, 409);
    assert.equal(res.body.reason, "Conflict");
    assert.match(res.body.message, /the object has been modified; please apply your changes to the latest version and try again/);
    const now = await call<Obj>(api.url, "GET", `${pods}/stale`);
    assert.deepEqual(now.body.metadata.labels, { v: "1" });
  });

  test("creating an existing name is 409 AlreadyExists", async () => {
    assert.equal((await call(api.url, "POST", pods, testPod("twice"))).status, 201);
    const res = await call<{ reason: string }>(api.url, "POST", pods, testPod("twice"));
    assert.equal(res.status, 409);
    assert.equal(res.body.reason, "AlreadyExists");
  });

  test("generateName picks a fresh name", async () => {
    const body = testPod("");
    body.metadata = { generateName: "gen-" };
    const a = await call<Obj>(api.url, "POST", pods, body);
    const b = await call<Obj>(api.url, "POST", pods, body);
    assert.equal(a.status, 201);
    assert.match(a.body.metadata.name, /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.body.metadata.name, b.body.metadata.name);
  });

  test("merge, strategic and JSON patches", async () => {
    await call(api.url, "POST", pods, testPod("patched", { labels: { a: "1" } }));
    const merge = await call<Obj>(api.url, "PATCH", `${pods}/patched`, { metadata: { labels: { b: "2" } } }, "application/merge-patch+json");
    assert.equal(merge.status, 200);
    assert.deepEqual(merge.body.metadata.labels, { a: "1", b: "2" });
    const strategic = await call<Obj>(api.url, "PATCH", `${pods}/patched`, { metadata: { labels: { a: null } } }, "application/strategic-merge-patch+json");
    assert.deepEqual(strategic.body.metadata.labels, { b: "2" });
    const json = await call<Obj>(api.url, "PATCH", `${pods}/patched`, [{ op: "add", path: "/metadata/annotations", value: { x: "y" } }], "application/json-patch+json");
    assert.equal(json.status, 200);
    assert.deepEqual(json.body.metadata.annotations, { x: "y" });
    const stale = await call(api.url, "PATCH", `${pods}/patched`, { metadata: { resourceVersion: "1", labels: { c: "3" } } }, "application/merge-patch+json");
    assert.equal(stale.status, 409);
  });

  test("status is only written through /status", async () => {
    const created = await call<Obj>(api.url, "POST", pods, testPod("split"));
    const viaMain = await call<Obj>(api.url, "PATCH", `${pods}/split`, { status: { phase: "Running" } }, "application/merge-patch+json");
    assert.equal(viaMain.status, 200);
    assert.equal(viaMain.body.status?.phase, "Pending");
    const viaStatus = await call<Obj>(
      api.url,
      "PATCH",
      `${pods}/split/status`,
      { metadata: { labels: { ignored: "yes" } }, status: { phase: "Running", podIP: "10.0.0.5" } },
      "application/merge-patch+json",
    );
    assert.equal(viaStatus.status, 200);
    assert.equal(viaStatus.body.status?.phase, "Running");
    assert.equal(viaStatus.body.metadata.labels, undefined);
    const put = structuredClone(viaStatus.body);
    (put.spec.containers as { image: string }[])[0].image = "other:1";
    put.status = { phase: "Failed" };
    const res = await call<Obj & { message: string }>(api.url, "PUT", `${pods}/split/status`, put);
    assert.equal(res.status, 200);
    assert.equal(res.body.status?.phase, "Failed");
    assert.equal((res.body.spec.containers as { image: string }[])[0].image, "bosun.local/busybox:1");
    assert.equal(created.body.metadata.generation, res.body.metadata.generation);
  });

  test("finalizers hold an object until an update removes them", async () => {
    const body = testPod("held");
    body.metadata.finalizers = ["example.com/hold"];
    await call(api.url, "POST", pods, body);
    const del = await call<Obj>(api.url, "DELETE", `${pods}/held`);
    assert.equal(del.status, 200);
    assert.ok(del.body.metadata.deletionTimestamp);
    const still = await call<Obj>(api.url, "GET", `${pods}/held`);
    assert.equal(still.status, 200);
    const cleared = await call(api.url, "PATCH", `${pods}/held`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    assert.equal(cleared.status, 200);
    assert.equal((await call(api.url, "GET", `${pods}/held`)).status, 404);
  });

  test("delete preconditions are enforced", async () => {
    const created = await call<Obj>(api.url, "POST", pods, testPod("pre"));
    const wrong = await call(api.url, "DELETE", `${pods}/pre`, { preconditions: { uid: "not-the-uid" } });
    assert.equal(wrong.status, 409);
    const right = await call(api.url, "DELETE", `${pods}/pre`, { preconditions: { uid: created.body.metadata.uid } });
    assert.equal(right.status, 200);
  });

  test("dryRun=All validates but stores nothing", async () => {
    const res = await call<Obj>(api.url, "POST", `${pods}?dryRun=All`, testPod("dry"));
    assert.equal(res.status, 201);
    assert.equal(res.body.metadata.name, "dry");
    assert.equal((await call(api.url, "GET", `${pods}/dry`)).status, 404);
  });

  test("cluster-scoped nodes: create, list, get", async () => {
    const node = { apiVersion: "v1", kind: "Node", metadata: { name: "n1", labels: { zone: "a" } }, status: { capacity: { cpu: "2" } } };
    const created = await call<Obj>(api.url, "POST", "/api/v1/nodes", node);
    assert.equal(created.status, 201);
    assert.equal(created.body.metadata.namespace, undefined);
    assert.deepEqual(created.body.status?.capacity, { cpu: "2" });
    assert.equal((await call(api.url, "GET", "/api/v1/nodes/n1")).status, 200);
    const list = await call<{ items: Obj[] }>(api.url, "GET", "/api/v1/nodes?labelSelector=zone%3Da");
    assert.deepEqual(list.body.items.map((n) => n.metadata.name), ["n1"]);
  });

  test("label and field selectors filter lists", async () => {
    await call(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "sel" } });
    const base = "/api/v1/namespaces/sel/pods";
    await call(api.url, "POST", base, testPod("a", { labels: { app: "x", tier: "1" } }));
    await call(api.url, "POST", base, testPod("b", { labels: { app: "y" }, nodeName: "n1" }));
    await call(api.url, "POST", base, testPod("c", { labels: { app: "x", tier: "2" } }));
    const names = async (q: string) =>
      (await call<{ items: Obj[] }>(api.url, "GET", `${base}?${q}`)).body.items.map((p) => p.metadata.name);
    assert.deepEqual(await names("labelSelector=app%3Dx"), ["a", "c"]);
    assert.deepEqual(await names("labelSelector=app%20in%20(x,y),tier!%3D2"), ["a", "b"]);
    assert.deepEqual(await names("labelSelector=!tier"), ["b"]);
    assert.deepEqual(await names("fieldSelector=spec.nodeName%3Dn1"), ["b"]);
    assert.deepEqual(await names("fieldSelector=metadata.name!%3Da,spec.nodeName%3D"), ["c"]);
    const all = await call<{ items: Obj[] }>(api.url, "GET", "/api/v1/pods?labelSelector=app%3Dx");
    assert.deepEqual(all.body.items.map((p) => `${String(p.metadata.namespace)}/${p.metadata.name}`), ["sel/a", "sel/c"]);
    const bad = await call<{ message: string }>(api.url, "GET", `${base}?fieldSelector=spec.foo%3Dbar`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /field label not supported: spec.foo/);
  });

  test("deleting a namespace deletes what is in it", async () => {
    await call(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "gone" } });
    await call(api.url, "POST", "/api/v1/namespaces/gone/pods", testPod("inside"));
    assert.equal((await call(api.url, "DELETE", "/api/v1/namespaces/gone")).status, 200);
    assert.equal((await call(api.url, "GET", "/api/v1/namespaces/gone")).status, 404);
    assert.equal((await call(api.url, "GET", "/api/v1/namespaces/gone/pods/inside")).status, 404);
    const forbidden = await call(api.url, "DELETE", "/api/v1/namespaces/default");
    assert.equal(forbidden.status, 403);
  });
});
