import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, runKubectl, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

type Scale = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
  spec: { replicas: number };
  status: { replicas: number; selector: string };
};
type Parent = { metadata: { uid: string; resourceVersion: string; creationTimestamp: string; generation: number }; spec: { replicas: number } };
type StatusBody = { kind: string; reason: string; code: number; message: string; details?: { causes?: { field?: string }[] } };

const apps = "/apis/apps/v1/namespaces/default";

function workload(kind: string, name: string, replicas: number): Record<string, unknown> {
  const labels = { app: name, tier: "web" };
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels, matchExpressions: [{ key: "track", operator: "NotIn", values: ["canary"] }] },
      template: { metadata: { labels }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } },
    },
  };
}

describe("/scale", () => {
  let server: TestApiServer;
  let url: string;
  let dir: string;
  before(async () => {
    server = await startTestApiServer();
    url = server.url;
    dir = await mkdtemp(join(tmpdir(), "bosun-scale-"));
    await call(url, "POST", `${apps}/deployments`, workload("Deployment", "web", 2));
    await call(url, "POST", `${apps}/replicasets`, workload("ReplicaSet", "rs", 1));
    await call(url, "POST", `${apps}/statefulsets`, workload("StatefulSet", "db", 3));
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("GET shows the parent as an autoscaling/v1 Scale", async () => {
    await call(url, "PATCH", `${apps}/deployments/web/status`, { status: { replicas: 1 } }, "application/merge-patch+json");
    const parent = (await call<Parent>(url, "GET", `${apps}/deployments/web`)).body;
    const res = await call<Scale>(url, "GET", `${apps}/deployments/web/scale`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: {
        name: "web",
        namespace: "default",
        uid: parent.metadata.uid,
        resourceVersion: parent.metadata.resourceVersion,
        creationTimestamp: parent.metadata.creationTimestamp,
      },
      spec: { replicas: 2 },
      status: { replicas: 1, selector: "app=web,tier=web,track notin (canary)" },
    });
    for (const [res2, replicas] of [["replicasets/rs", 1], ["statefulsets/db", 3]] as const) {
      const s = await call<Scale>(url, "GET", `${apps}/${res2}/scale`);
      assert.equal(s.status, 200, res2);
      assert.equal(s.body.spec.replicas, replicas, res2);
      assert.equal(s.body.status.replicas, 0, `${res2}: no status yet`);
    }
    assert.equal((await call(url, "GET", `${apps}/daemonsets/none/scale`)).status, 404, "daemonsets have no scale");
    const missing = await call<StatusBody>(url, "GET", `${apps}/deployments/none/scale`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'deployments.apps "none" not found');
  });

  test("PUT writes the parent's replicas, with CAS on resourceVersion", async () => {
    const scale = (await call<Scale>(url, "GET", `${apps}/replicasets/rs/scale`)).body;
    const before = (await call<Parent>(url, "GET", `${apps}/replicasets/rs`)).body;
    const put = await call<Scale>(url, "PUT", `${apps}/replicasets/rs/scale`, { ...scale, spec: { replicas: 5 } });
    assert.equal(put.status, 200);
    assert.equal(put.body.spec.replicas, 5);
    const parent = (await call<Parent>(url, "GET", `${apps}/replicasets/rs`)).body;
    assert.equal(parent.spec.replicas, 5);
    assert.equal(parent.metadata.generation, before.metadata.generation + 1);
    assert.equal(put.body.metadata.resourceVersion, parent.metadata.resourceVersion);

    const stale = await call<StatusBody>(url, "PUT", `${apps}/replicasets/rs/scale`, { ...scale, spec: { replicas: 7 } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, "Conflict");
    assert.equal((await call<Parent>(url, "GET", `${apps}/replicasets/rs`)).body.spec.replicas, 5);
  });

  test("PATCH: merge, strategic and JSON patches", async () => {
    const merge = await call<Scale>(url, "PATCH", `${apps}/statefulsets/db/scale`, { spec: { replicas: 4 } }, "application/merge-patch+json");
    assert.equal(merge.status, 200);
    assert.equal(merge.body.spec.replicas, 4);
    const strategic = await call<Scale>(url, "PATCH", `${apps}/statefulsets/db/scale`, { spec: { replicas: 1 } }, "application/strategic-merge-patch+json");
    assert.equal(strategic.body.spec.replicas, 1);
    const json = await call<Scale>(url, "PATCH", `${apps}/statefulsets/db/scale`, [{ op: "replace", path: "/spec/replicas", value: 0 }], "application/json-patch+json");
    assert.equal(json.body.spec.replicas, 0);
    assert.equal((await call<Parent>(url, "GET", `${apps}/statefulsets/db`)).body.spec.replicas, 0);
    const stale = await call<StatusBody>(url, "PATCH", `${apps}/statefulsets/db/scale`, { metadata: { resourceVersion: "2" }, spec: { replicas: 9 } }, "application/merge-patch+json");
    assert.equal(stale.status, 409);
    const dry = await call<Scale>(url, "PATCH", `${apps}/statefulsets/db/scale?dryRun=All`, { spec: { replicas: 8 } }, "application/merge-patch+json");
    assert.equal(dry.body.spec.replicas, 8);
    assert.equal((await call<Parent>(url, "GET", `${apps}/statefulsets/db`)).body.spec.replicas, 0, "dry run writes nothing");
  });

  test("bad input is a 4xx Status and writes nothing", async () => {
    const before = (await call<Parent>(url, "GET", `${apps}/deployments/web`)).body;
    const expectRefused = async (method: string, body: unknown, type: string, code: number, field?: string) => {
      const res = await call<StatusBody>(url, method, `${apps}/deployments/web/scale`, body, type);
      assert.equal(res.status, code, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.kind, "Status");
      if (field) assert.ok(res.body.details?.causes?.some((c) => c.field === field), JSON.stringify(res.body));
      return res.body;
    };
    const negative = await expectRefused("PATCH", { spec: { replicas: -1 } }, "application/merge-patch+json", 422, "spec.replicas");
    assert.equal(negative.message, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    await expectRefused("PATCH", { spec: { replicas: "3" } }, "application/merge-patch+json", 422, "spec.replicas");
    await expectRefused("PATCH", { spec: { replicas: 3, extra: true } }, "application/merge-patch+json", 422, "spec.extra");
    await expectRefused("PATCH", { kind: "Deployment" }, "application/merge-patch+json", 400);
    await expectRefused("PATCH", "{not json", "application/merge-patch+json", 400);
    await expectRefused("PUT", { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "other" }, spec: { replicas: 3 } }, "application/json", 400);
    await expectRefused("PUT", { apiVersion: "apps/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 3 } }, "application/json", 400);
    await expectRefused("PUT", { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 3 } }, "text/plain", 415);
    await expectRefused("POST", { spec: { replicas: 3 } }, "application/json", 405);
    const after = (await call<Parent>(url, "GET", `${apps}/deployments/web`)).body;
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  test("real kubectl scale", async () => {
    const kubectl = (...args: string[]) => runKubectl({ server: url, dir }, ...args);
    const out = await kubectl("scale", "deploy/web", "--replicas=3");
    assert.match(out.stdout, /deployment.apps\/web scaled/);
    assert.equal((await call<Parent>(url, "GET", `${apps}/deployments/web`)).body.spec.replicas, 3);
    await kubectl("scale", "statefulset", "db", "--replicas=2", "--current-replicas=0");
    assert.equal((await call<Parent>(url, "GET", `${apps}/statefulsets/db`)).body.spec.replicas, 2);
    await assert.rejects(kubectl("scale", "rs/rs", "--replicas=1", "--current-replicas=9"), (err: { stderr: string }) => {
      assert.match(err.stderr, /[Ee]xpected replicas to be 9, was 5/);
      return true;
    });
  });
});
