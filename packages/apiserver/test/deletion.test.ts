import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { call, testPod, apiServerForSuite } from "../src/testing/index.js";

type Obj = { metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string; deletionGracePeriodSeconds?: number; generation?: number } };
type StatusBody = { kind: string; status: string; reason: string; code: number; message: string; details?: { causes?: { field?: string }[] } };

const apps = "/apis/apps/v1/namespaces/default";
const jobs = "/apis/batch/v1/namespaces/default/jobs";
const pods = "/api/v1/namespaces/default/pods";

function deployment(name: string, finalizers?: string[]): Record<string, unknown> {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, ...(finalizers ? { finalizers } : {}) },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } } },
  };
}

function job(name: string): Record<string, unknown> {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: { template: { spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], restartPolicy: "Never" } } },
  };
}

describe("deletion and garbage-collection finalizers", () => {
  const api = apiServerForSuite();

  const get = (path: string) => call<Obj>(api.url, "GET", path);

  test("Background (the default) deletes at once", async () => {
    await call(api.url, "POST", `${apps}/deployments`, deployment("bg"));
    const res = await call(api.url, "DELETE", `${apps}/deployments/bg`);
    assert.equal(res.status, 200);
    assert.equal((await get(`${apps}/deployments/bg`)).status, 404);
    await call(api.url, "POST", `${apps}/deployments`, deployment("bg2"));
    await call(api.url, "DELETE", `${apps}/deployments/bg2?propagationPolicy=Background`);
    assert.equal((await get(`${apps}/deployments/bg2`)).status, 404);
  });

  test("Foreground adds foregroundDeletion and marks the object deleted", async () => {
    await call(api.url, "POST", `${apps}/deployments`, deployment("fg"));
    const res = await call<Obj>(api.url, "DELETE", `${apps}/deployments/fg`, { propagationPolicy: "Foreground" });
    assert.equal(res.status, 200);
    const now = (await get(`${apps}/deployments/fg`)).body;
    assert.deepEqual(now.metadata.finalizers, ["foregroundDeletion"]);
    assert.ok(now.metadata.deletionTimestamp);
    assert.equal(now.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(now.metadata.generation, 2);
    // The garbage collector removes the finalizer once the dependents are gone.
    await call(api.url, "PATCH", `${apps}/deployments/fg`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    assert.equal((await get(`${apps}/deployments/fg`)).status, 404);
  });

  test("Orphan and orphanDependents add the orphan finalizer", async () => {
    await call(api.url, "POST", `${apps}/replicasets`, { ...deployment("orph"), kind: "ReplicaSet" });
    await call(api.url, "DELETE", `${apps}/replicasets/orph?propagationPolicy=Orphan`);
    assert.deepEqual((await get(`${apps}/replicasets/orph`)).body.metadata.finalizers, ["orphan"]);

    await call(api.url, "POST", `${apps}/deployments`, deployment("legacy", ["example.com/keep"]));
    await call(api.url, "DELETE", `${apps}/deployments/legacy`, { orphanDependents: true });
    assert.deepEqual((await get(`${apps}/deployments/legacy`)).body.metadata.finalizers, ["example.com/keep", "orphan"]);
  });

  test("a second delete may switch the policy of an object being deleted", async () => {
    await call(api.url, "POST", `${apps}/deployments`, deployment("switch"));
    await call(api.url, "DELETE", `${apps}/deployments/switch`, { propagationPolicy: "Foreground" });
    const first = (await get(`${apps}/deployments/switch`)).body;
    await call(api.url, "DELETE", `${apps}/deployments/switch`, { propagationPolicy: "Orphan" });
    const second = (await get(`${apps}/deployments/switch`)).body;
    assert.deepEqual(second.metadata.finalizers, ["orphan"]);
    assert.equal(second.metadata.deletionTimestamp, first.metadata.deletionTimestamp);
    assert.equal(second.metadata.generation, first.metadata.generation, "only the first mark bumps generation");
    // Without a policy, the finalizer already there decides: nothing changes.
    const again = await call<Obj>(api.url, "DELETE", `${apps}/deployments/switch`);
    assert.deepEqual(again.body.metadata.finalizers, ["orphan"]);
    // Background drops the garbage collector's finalizers, and with none left the object goes.
    await call(api.url, "DELETE", `${apps}/deployments/switch?propagationPolicy=Background`);
    assert.equal((await get(`${apps}/deployments/switch`)).status, 404);
  });

  test("batch/v1 Jobs orphan their pods unless told otherwise, as in Kubernetes", async () => {
    await call(api.url, "POST", jobs, job("old-default"));
    await call(api.url, "DELETE", `${jobs}/old-default`);
    assert.deepEqual((await get(`${jobs}/old-default`)).body.metadata.finalizers, ["orphan"]);
    await call(api.url, "POST", jobs, job("kubectl-default"));
    await call(api.url, "DELETE", `${jobs}/kubectl-default?propagationPolicy=Background`);
    assert.equal((await get(`${jobs}/kubectl-default`)).status, 404);
  });

  test("any kind takes the policy: a pod deleted in the foreground waits", async () => {
    await call(api.url, "POST", pods, testPod("fg-pod"));
    await call(api.url, "DELETE", `${pods}/fg-pod`, { propagationPolicy: "Foreground" });
    const pod = (await get(`${pods}/fg-pod`)).body;
    assert.deepEqual(pod.metadata.finalizers, ["foregroundDeletion"]);
    assert.ok(pod.metadata.deletionTimestamp);
  });

  test("contradictory options are refused and change nothing", async () => {
    await call(api.url, "POST", `${apps}/deployments`, deployment("both"));
    const res = await call<StatusBody>(api.url, "DELETE", `${apps}/deployments/both`, { propagationPolicy: "Foreground", orphanDependents: false });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /orphanDependents and deletionPropagation cannot be both set/);
    const bad = await call<StatusBody>(api.url, "DELETE", `${apps}/deployments/both?propagationPolicy=Sideways`);
    assert.equal(bad.status, 400);
    const now = (await get(`${apps}/deployments/both`)).body;
    assert.equal(now.metadata.deletionTimestamp, undefined);
    assert.equal(now.metadata.finalizers, undefined);
  });

  test("dryRun in the DeleteOptions body deletes nothing", async () => {
    await call(api.url, "POST", `${apps}/deployments`, deployment("dry"));
    const res = await call(api.url, "DELETE", `${apps}/deployments/dry`, { dryRun: ["All"] });
    assert.equal(res.status, 200);
    assert.equal((await get(`${apps}/deployments/dry`)).status, 200);
  });

  test("namespaces are not held by garbage-collection finalizers", async () => {
    await call(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "fg-ns" } });
    await call(api.url, "DELETE", "/api/v1/namespaces/fg-ns", { propagationPolicy: "Foreground" });
    assert.equal((await get("/api/v1/namespaces/fg-ns")).status, 404);
  });

  test("a namespace held by a finalizer takes its contents when released", async () => {
    await call(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "held-ns", finalizers: ["example.com/hold"] } });
    await call(api.url, "POST", "/api/v1/namespaces/held-ns/pods", testPod("inside"));
    await call(api.url, "DELETE", "/api/v1/namespaces/held-ns");
    assert.equal((await get("/api/v1/namespaces/held-ns/pods/inside")).status, 200);
    await call(api.url, "PATCH", "/api/v1/namespaces/held-ns", { metadata: { finalizers: null } }, "application/merge-patch+json");
    assert.equal((await get("/api/v1/namespaces/held-ns")).status, 404);
    assert.equal((await get("/api/v1/namespaces/held-ns/pods/inside")).status, 404);
  });
});

describe("pods/eviction", () => {
  const api = apiServerForSuite();

  const eviction = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace: "default" },
    ...extra,
  });

  test("an eviction deletes the pod and answers 201 Success", async () => {
    await call(api.url, "POST", pods, testPod("evict-me"));
    const res = await call<StatusBody>(api.url, "POST", `${pods}/evict-me/eviction`, eviction("evict-me"));
    assert.equal(res.status, 201);
    assert.deepEqual(res.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    assert.equal((await call(api.url, "GET", `${pods}/evict-me`)).status, 404);
  });

  test("deleteOptions apply: a bound pod gets the requested grace period", async () => {
    await call(api.url, "POST", pods, testPod("graceful", { nodeName: "n1" }));
    const res = await call(api.url, "POST", `${pods}/graceful/eviction`, eviction("graceful", { deleteOptions: { gracePeriodSeconds: 7 } }));
    assert.equal(res.status, 201);
    const pod = (await call<Obj>(api.url, "GET", `${pods}/graceful`)).body;
    assert.equal(pod.metadata.deletionGracePeriodSeconds, 7);
    assert.ok(pod.metadata.deletionTimestamp);
    const pre = await call<StatusBody>(api.url, "POST", `${pods}/graceful/eviction`, eviction("graceful", { deleteOptions: { preconditions: { uid: "other" } } }));
    assert.equal(pre.status, 409);
  });

  test("a missing pod is 404; bad bodies are 4xx and delete nothing", async () => {
    const missing = await call<StatusBody>(api.url, "POST", `${pods}/ghost/eviction`, eviction("ghost"));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'pods "ghost" not found');

    await call(api.url, "POST", pods, testPod("stays"));
    const cases: [unknown, number, string?][] = [
      [eviction("other"), 400],
      [{ ...eviction("stays"), metadata: { name: "stays", namespace: "kube-system" } }, 400],
      [eviction("stays", { deleteOptions: { gracePeriodSeconds: "soon" } }), 422, "deleteOptions.gracePeriodSeconds"],
      [eviction("stays", { deleteOptions: { propagationPolicy: "Orphan", orphanDependents: true } }), 422, "deleteOptions.propagationPolicy"],
      [eviction("stays", { deleteOptions: { dryRun: ["Some"] } }), 422, "deleteOptions.dryRun"],
      [eviction("stays", { spec: {} }), 422, "spec"],
      [{ ...eviction("stays"), apiVersion: "policy/v2" }, 422, "apiVersion"],
      ["not an object", 400],
    ];
    for (const [body, code, field] of cases) {
      const res = await call<StatusBody>(api.url, "POST", `${pods}/stays/eviction`, body);
      assert.equal(res.status, code, JSON.stringify(body));
      if (field) assert.ok(res.body.details?.causes?.some((c) => c.field === field), `${field}: ${JSON.stringify(res.body)}`);
    }
    const dry = await call(api.url, "POST", `${pods}/stays/eviction`, eviction("stays", { deleteOptions: { dryRun: ["All"] } }));
    assert.equal(dry.status, 201);
    assert.equal((await call(api.url, "GET", `${pods}/stays/eviction`)).status, 405);
    const pod = (await call<Obj>(api.url, "GET", `${pods}/stays`)).body;
    assert.equal(pod.metadata.deletionTimestamp, undefined, "nothing was deleted");
  });
});
