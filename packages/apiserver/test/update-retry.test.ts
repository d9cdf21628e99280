// Writes without a resourceVersion precondition are retried inside the server when
// they lose a compare-and-swap, as Kubernetes' GuaranteedUpdate retries them: many
// concurrent patches of one object all succeed and all their changes are kept. A
// write that carries a resourceVersion still answers 409 when it is stale.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { mustResource, resources, type KubeObject } from "@bosun/api";
import { StatusError } from "../src/errors.js";
import { maxCasAttempts, Registry } from "../src/registry/registry.js";
import { Store } from "../src/storage/store.js";
import { WatchCache } from "../src/storage/cacher/watch-cache.js";
import { apiServerForSuite, call, testPod } from "../src/testing/index.js";

const pods = "/api/v1/namespaces/default/pods";
const deployments = "/apis/apps/v1/namespaces/default/deployments";

interface Obj {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { replicas?: number };
}
interface StatusBody {
  code: number;
  reason: string;
  message: string;
}

function deployment(name: string): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } },
    },
  };
}

const concurrency = 100;

describe("writes retried on conflict inside the server", () => {
  const api = apiServerForSuite();

  test(`${concurrency} concurrent merge patches of one object: none is a 409, every change is kept`, async () => {
    assert.equal((await call(api.url, "POST", pods, testPod("hot"))).status, 201);
    const replies = await Promise.all(
      Array.from({ length: concurrency }, (_, i) =>
        call<Obj & StatusBody>(api.url, "PATCH", `${pods}/hot`, { metadata: { labels: { [`l${i}`]: String(i) } } }, "application/merge-patch+json"),
      ),
    );
    const codes = replies.map((r) => r.status);
    assert.deepEqual(
      codes.filter((c) => c !== 200),
      [],
      `every patch answers 200; others: ${replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body.message}`).slice(0, 3).join("; ")}`,
    );
    const final = await call<Obj>(api.url, "GET", `${pods}/hot`);
    const labels = final.body.metadata.labels ?? {};
    for (let i = 0; i < concurrency; i++) assert.equal(labels[`l${i}`], String(i), `label l${i} of patch ${i} is kept`);
    // Each patch was one write: the revisions the replies carry are all different.
    assert.equal(new Set(replies.map((r) => r.body.metadata.resourceVersion)).size, concurrency);
  });

  test("concurrent patches of every kind (JSON, merge, strategic merge, apply) on one object all succeed", async () => {
    const made = deployment("mixed");
    // The JSON patches add to the annotations map, so it exists from the start.
    (made.metadata as Obj["metadata"]).annotations = { seed: "x" };
    assert.equal((await call(api.url, "POST", deployments, made)).status, 201);
    const each = 10;
    const requests: Promise<{ status: number; body: Obj & StatusBody }>[] = [];
    for (let i = 0; i < each; i++) {
      requests.push(
        call(api.url, "PATCH", `${deployments}/mixed`, [{ op: "add", path: `/metadata/annotations/json${i}`, value: "x" }], "application/json-patch+json"),
        call(api.url, "PATCH", `${deployments}/mixed`, { metadata: { annotations: { [`merge${i}`]: "x" } } }, "application/merge-patch+json"),
        call(api.url, "PATCH", `${deployments}/mixed`, { metadata: { annotations: { [`smp${i}`]: "x" } } }, "application/strategic-merge-patch+json"),
        call(
          api.url,
          "PATCH",
          `${deployments}/mixed?fieldManager=applier${i}`,
          { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "mixed", annotations: { [`apply${i}`]: "x" } } },
          "application/apply-patch+yaml",
        ),
      );
    }
    const replies = await Promise.all(requests);
    assert.deepEqual(
      replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body.message}`),
      [],
    );
    const annotations = (await call<Obj>(api.url, "GET", `${deployments}/mixed`)).body.metadata.annotations ?? {};
    for (let i = 0; i < each; i++) {
      for (const kind of ["json", "merge", "smp", "apply"]) assert.equal(annotations[`${kind}${i}`], "x", `${kind}${i} is kept`);
    }
  });

  test("concurrent updates (PUT) without a resourceVersion are retried too; the last one written wins", async () => {
    assert.equal((await call(api.url, "POST", deployments, deployment("put"))).status, 201);
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const body = deployment("put");
        (body.spec as { replicas: number }).replicas = i + 1;
        return call<Obj & StatusBody>(api.url, "PUT", `${deployments}/put`, body);
      }),
    );
    assert.deepEqual(replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body.message}`), []);
    const byRevision = [...replies].sort((a, b) => Number(a.body.metadata.resourceVersion) - Number(b.body.metadata.resourceVersion));
    const final = await call<Obj>(api.url, "GET", `${deployments}/put`);
    assert.equal(final.body.spec.replicas, byRevision.at(-1)!.body.spec.replicas);
    assert.equal(final.body.metadata.resourceVersion, byRevision.at(-1)!.body.metadata.resourceVersion);
  });

  test("a patch carrying a stale resourceVersion is still a 409 and changes nothing", async () => {
    const created = await call<Obj>(api.url, "POST", pods, testPod("guarded"));
    const stale = created.body.metadata.resourceVersion;
    assert.equal((await call(api.url, "PATCH", `${pods}/guarded`, { metadata: { labels: { a: "1" } } }, "application/merge-patch+json")).status, 200);
    for (const [type, patch] of [
      ["application/merge-patch+json", { metadata: { resourceVersion: stale, labels: { b: "1" } } }],
      ["application/strategic-merge-patch+json", { metadata: { resourceVersion: stale, labels: { b: "1" } } }],
      [
        "application/json-patch+json",
        [
          { op: "replace", path: "/metadata/resourceVersion", value: stale },
          { op: "add", path: "/metadata/labels/b", value: "1" },
        ],
      ],
    ] as const) {
      const res = await call<StatusBody>(api.url, "PATCH", `${pods}/guarded`, patch, type);
      assert.equal(res.status, 409, type);
      assert.equal(res.body.reason, "Conflict", type);
    }
    const applied = await call<StatusBody>(
      api.url,
      "PATCH",
      `${pods}/guarded?fieldManager=ci`,
      { apiVersion: "v1", kind: "Pod", metadata: { name: "guarded", resourceVersion: stale, labels: { b: "1" } } },
      "application/apply-patch+yaml",
    );
    assert.equal(applied.status, 409);
    const put = testPod("guarded");
    put.metadata.resourceVersion = stale;
    assert.equal((await call(api.url, "PUT", `${pods}/guarded`, put)).status, 409);
    const after = await call<Obj>(api.url, "GET", `${pods}/guarded`);
    assert.deepEqual(after.body.metadata.labels, { a: "1" });
  });
});

/** A store where another writer commits to the key just before each of this one's compare-and-swaps. */
class OvertakenStore extends Store {
  swaps = 0;

  override async update(...args: Parameters<Store["update"]>): ReturnType<Store["update"]> {
    const [info, object] = args;
    this.swaps++;
    const key = this.keys.objectKey(info, object.metadata.namespace, object.metadata.name ?? "");
    const raw = await this.etcd.get(key).string();
    await this.etcd.put(key).value(raw ?? "");
    return super.update(...args);
  }
}

describe("the retries are bounded", () => {
  const api = apiServerForSuite();

  test(`a write overtaken ${maxCasAttempts} times in a row is a 409 Conflict`, { timeout: 120_000 }, async () => {
    assert.equal((await call(api.url, "POST", pods, testPod("contended"))).status, 201);
    const etcd = new Etcd3({ hosts: api.server.etcd.endpoint });
    try {
      const store = new OvertakenStore(etcd, "/registry");
      const registry = new Registry(store, new WatchCache(store, resources, 10));
      const podInfo = mustResource("pods");
      const label = (current: KubeObject) => ({ ...current, metadata: { ...current.metadata, labels: { never: "written" } } });
      await assert.rejects(registry.update(podInfo, "default", "contended", label, undefined, { dryRun: false }), (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.equal(err.status.code, 409);
        assert.match(err.status.message ?? "", new RegExp(`${maxCasAttempts} writes of it overtook this one`));
        return true;
      });
      assert.equal(store.swaps, maxCasAttempts);
      const stored = await call<Obj>(api.url, "GET", `${pods}/contended`);
      assert.equal(stored.body.metadata.labels, undefined);
    } finally {
      etcd.close();
    }
  });
});
