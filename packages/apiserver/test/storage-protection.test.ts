// Storage object in use protection over HTTP against a real etcd: every new claim
// carries kubernetes.io/pvc-protection and every new volume kubernetes.io/pv-protection
// (once, after the finalizers it was sent with); a delete only marks them
// Terminating, which the Tables and real kubectl print, until the finalizer is
// removed (the controllers' part, tested with them in packages/controllers).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiServerForSuite, call, runKubectl } from "../src/testing/index.js";

const volumes = "/api/v1/persistentvolumes";
const claims = "/api/v1/namespaces/default/persistentvolumeclaims";
const pods = "/api/v1/namespaces/default/pods";
const mergePatch = "application/merge-patch+json";
const tableAccept = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" };

type Meta = { name: string; finalizers?: string[]; deletionTimestamp?: string };
type Obj = { metadata: Meta; status?: { phase?: string } };
type Table = { rows: { cells: unknown[] }[] };

function claim(name: string, finalizers?: string[]): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, ...(finalizers ? { finalizers } : {}) },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "" },
  };
}

function volume(name: string): Record<string, unknown> {
  return { apiVersion: "v1", kind: "PersistentVolume", metadata: { name }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/srv/${name}` } } };
}

describe("storage object in use protection", () => {
  const api = apiServerForSuite();

  test("a new claim gets pvc-protection and a new volume pv-protection, once, after the finalizers they were sent with", async () => {
    const plain = await call<Obj>(api.url, "POST", claims, claim("plain"));
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    assert.deepEqual(plain.body.metadata.finalizers, ["kubernetes.io/pvc-protection"]);
    const others = await call<Obj>(api.url, "POST", claims, claim("others", ["example.com/backup"]));
    assert.deepEqual(others.body.metadata.finalizers, ["example.com/backup", "kubernetes.io/pvc-protection"]);
    const already = await call<Obj>(api.url, "POST", claims, claim("already", ["kubernetes.io/pvc-protection", "example.com/backup"]));
    assert.deepEqual(already.body.metadata.finalizers, ["kubernetes.io/pvc-protection", "example.com/backup"], "not twice");
    const dryRun = await call<Obj>(api.url, "POST", `${claims}?dryRun=All`, claim("dry"));
    assert.deepEqual(dryRun.body.metadata.finalizers, ["kubernetes.io/pvc-protection"], "a dry run shows what a create would store");

    const pv = await call<Obj>(api.url, "POST", volumes, volume("pv-plain"));
    assert.equal(pv.status, 201, JSON.stringify(pv.body));
    assert.deepEqual(pv.body.metadata.finalizers, ["kubernetes.io/pv-protection"]);

    // Only a create is protected, as the admission plugin handles create only; the controllers add it back.
    const cleared = await call<Obj>(api.url, "PATCH", `${claims}/plain`, { metadata: { finalizers: null } }, mergePatch);
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.metadata.finalizers, undefined);
  });

  test("a deleted claim a running pod uses is Terminating, in the Table and in kubectl, until its finalizer is removed", async () => {
    assert.equal((await call(api.url, "POST", claims, claim("in-use"))).status, 201);
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "user" },
      spec: { containers: [{ name: "app", image: "busybox:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "in-use" } }] },
    };
    assert.equal((await call(api.url, "POST", pods, pod)).status, 201);
    assert.equal((await call(api.url, "PATCH", `${pods}/user/status`, { status: { phase: "Running" } }, mergePatch)).status, 200);

    const deleted = await call<Obj>(api.url, "DELETE", `${claims}/in-use`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.ok(deleted.body.metadata.deletionTimestamp, "the answer is the object marked for deletion");
    const held = await call<Obj>(api.url, "GET", `${claims}/in-use`);
    assert.equal(held.status, 200);
    assert.deepEqual(held.body.metadata.finalizers, ["kubernetes.io/pvc-protection"]);
    const row = await call<Table>(api.url, "GET", `${claims}/in-use`, undefined, undefined, tableAccept);
    assert.equal(row.body.rows[0]!.cells[1], "Terminating");
    const dir = await mkdtemp(join(tmpdir(), "bosun-storage-protection-"));
    try {
      const pvc = (await runKubectl({ server: api.url, dir }, "get", "pvc", "in-use")).stdout;
      assert.match(pvc, /\nin-use\s+Terminating\s+<unset>\s+\d+s\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const released = await call<Obj>(api.url, "PATCH", `${claims}/in-use`, { metadata: { finalizers: null } }, mergePatch);
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.equal((await call(api.url, "GET", `${claims}/in-use`)).status, 404, "gone with its last finalizer");
  });

  test("a deleted volume is Terminating until its finalizer is removed", async () => {
    assert.equal((await call(api.url, "POST", volumes, volume("pv-held"))).status, 201);
    assert.equal((await call(api.url, "DELETE", `${volumes}/pv-held`)).status, 200);
    const held = await call<Obj>(api.url, "GET", `${volumes}/pv-held`);
    assert.ok(held.body.metadata.deletionTimestamp);
    const row = await call<Table>(api.url, "GET", `${volumes}/pv-held`, undefined, undefined, tableAccept);
    assert.equal(row.body.rows[0]!.cells[4], "Terminating");
    await call(api.url, "PATCH", `${volumes}/pv-held`, { metadata: { finalizers: null } }, mergePatch);
    assert.equal((await call(api.url, "GET", `${volumes}/pv-held`)).status, 404);
  });
});
