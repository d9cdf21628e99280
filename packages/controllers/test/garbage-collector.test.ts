// The garbage collector against a real apiserver and etcd, on ownership built by
// hand (no ReplicaSet controller runs). Owners are created with the finalizer their
// deletion policy needs, so deleting them leaves them marked with a
// deletionTimestamp just as the apiserver does for a Foreground or Orphan delete.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type Deployment, type KubeObject, type OwnerReference, type Pod, type ReplicaSet } from "@bosun/api";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { ApiClient, isNotFound, SharedInformers, type EventRecorder } from "@bosun/client";
import { GarbageCollectorController } from "../src/index.js";
import { createNamespace, waitFor } from "./controller-harness.js";

const pods = mustResource("pods");
const replicaSets = mustResource("replicasets");
const deployments = mustResource("deployments");

const silentRecorder: EventRecorder = { event: () => undefined };

interface Collector {
  client: ApiClient;
  stop(): Promise<void>;
}

async function startCollector(url: string): Promise<Collector> {
  const client = new ApiClient({ server: url });
  const informers = new SharedInformers(client);
  const gc = new GarbageCollectorController({ client, informers, recorder: silentRecorder }, { resyncMs: 2_000 });
  await informers.start();
  await gc.run();
  return {
    client,
    async stop() {
      await gc.stop();
      await informers.stop();
    },
  };
}

let server: TestApiServer;
let collector: Collector;
let client: ApiClient;

before(async () => {
  server = await startTestApiServer();
  collector = await startCollector(server.url);
  client = collector.client;
});

after(async () => {
  await collector.stop();
  await server.stop();
});

const template = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
};

function replicaSet(ns: string, name: string, finalizers?: string[], owner?: OwnerReference): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: ns, ...(finalizers ? { finalizers } : {}), ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template },
  };
}

function pod(ns: string, name: string, owners: OwnerReference[], nodeName?: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: { app: "web" }, ownerReferences: owners },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], ...(nodeName ? { nodeName } : {}) },
  };
}

function ref(owner: KubeObject, opts: { controller?: boolean; block?: boolean } = {}): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: opts.controller ?? true,
    blockOwnerDeletion: opts.block ?? true,
  };
}

async function find<T extends KubeObject>(c: ApiClient, res: typeof pods, ns: string, name: string): Promise<T | undefined> {
  try {
    return await c.get<T>(res, name, ns);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const gone = (c: ApiClient, res: typeof pods, ns: string, name: string) => async () => (await find(c, res, ns, name)) === undefined;

test("background: the dependents of a deleted owner are deleted after it", async () => {
  const ns = await createNamespace(client, "gc-background");
  const rs = await client.create(replicaSets, replicaSet(ns, "web"));
  await client.create(pods, pod(ns, "web-a", [ref(rs)]));
  await client.create(pods, pod(ns, "web-b", [ref(rs)]));
  await client.delete(replicaSets, "web", { namespace: ns, propagationPolicy: "Background" });
  await waitFor("web-a and web-b deleted", async () => (await client.list(pods, { namespace: ns })).items.length === 0);
});

test("background: a dependent with another live owner only loses the dead owner's reference", async () => {
  const ns = await createNamespace(client, "gc-shared");
  const x = await client.create(replicaSets, replicaSet(ns, "x"));
  const y = await client.create(replicaSets, replicaSet(ns, "y"));
  await client.create(pods, pod(ns, "shared", [ref(x, { controller: false }), ref(y, { controller: false })]));
  await client.delete(replicaSets, "x", { namespace: ns, propagationPolicy: "Background" });
  await waitFor("the reference to x removed", async () => {
    const p = await find<Pod>(client, pods, ns, "shared");
    return p !== undefined && (p.metadata.ownerReferences ?? []).length === 1;
  });
  const kept = await client.get<Pod>(pods, "shared", ns);
  assert.deepEqual(kept.metadata.ownerReferences?.map((r) => r.uid), [y.metadata.uid]);
  await client.delete(replicaSets, "y", { namespace: ns, propagationPolicy: "Background" });
  await waitFor("shared deleted once its last owner is gone", gone(client, pods, ns, "shared"));
});

test("foreground: dependents go first; a blocking dependent still terminating keeps the owner; then the owner goes", async () => {
  const ns = await createNamespace(client, "gc-foreground");
  const rs = await client.create(replicaSets, replicaSet(ns, "web", ["foregroundDeletion"]));
  // Bound to a node, so its deletion waits for an agent to stop it: it blocks the owner meanwhile.
  await client.create(pods, pod(ns, "bound", [ref(rs)], "node-a"));
  await client.create(pods, pod(ns, "free", [ref(rs)]));
  await client.create(pods, pod(ns, "loose", [ref(rs, { block: false })]));
  await client.delete(replicaSets, "web", { namespace: ns, propagationPolicy: "Foreground" });

  await waitFor("free and loose deleted", async () => (await gone(client, pods, ns, "free")()) && (await gone(client, pods, ns, "loose")()));
  await waitFor("bound terminating", async () => !!(await find<Pod>(client, pods, ns, "bound"))?.metadata.deletionTimestamp);
  await new Promise((r) => setTimeout(r, 500));
  const waiting = await find<ReplicaSet>(client, replicaSets, ns, "web");
  assert.ok(waiting?.metadata.deletionTimestamp, "the owner waits while a blocking dependent exists");
  assert.deepEqual(waiting.metadata.finalizers, ["foregroundDeletion"]);

  // What the agent does once the containers stopped.
  await client.delete(pods, "bound", { namespace: ns, gracePeriodSeconds: 0 });
  await waitFor("the owner deleted", gone(client, replicaSets, ns, "web"));
});

test("foreground through two levels: Deployment, its ReplicaSet and the pods all go", async () => {
  const ns = await createNamespace(client, "gc-chain");
  const deploy = await client.create<Deployment>(deployments, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: ns, finalizers: ["foregroundDeletion"] },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template },
  });
  const rs = await client.create(replicaSets, replicaSet(ns, "web-1", undefined, ref(deploy)));
  await client.create(pods, pod(ns, "web-1-a", [ref(rs)]));
  await client.create(pods, pod(ns, "web-1-b", [ref(rs)]));
  await client.delete(deployments, "web", { namespace: ns, propagationPolicy: "Foreground" });
  await waitFor("everything deleted", async () => {
    const left = [
      ...(await client.list(pods, { namespace: ns })).items,
      ...(await client.list(replicaSets, { namespace: ns })).items,
      ...(await client.list(deployments, { namespace: ns })).items,
    ];
    return left.length === 0;
  });
});

test("orphan: dependents lose the reference to the owner and stay; the owner goes", async () => {
  const ns = await createNamespace(client, "gc-orphan");
  const rs = await client.create(replicaSets, replicaSet(ns, "web", ["orphan"]));
  const keeper = await client.create(replicaSets, replicaSet(ns, "keeper"));
  await client.create(pods, pod(ns, "web-a", [ref(rs)]));
  await client.create(pods, pod(ns, "web-b", [ref(rs)]));
  await client.create(pods, pod(ns, "web-c", [ref(rs, { controller: false }), ref(keeper, { controller: false })]));
  await client.delete(replicaSets, "web", { namespace: ns, propagationPolicy: "Orphan" });
  await waitFor("the owner deleted", gone(client, replicaSets, ns, "web"));
  const left = (await client.list<Pod>(pods, { namespace: ns })).items;
  assert.deepEqual(left.map((p) => p.metadata.name).sort(), ["web-a", "web-b", "web-c"]);
  for (const p of left) {
    const refs = (p.metadata.ownerReferences ?? []).map((r) => r.uid);
    assert.deepEqual(refs, p.metadata.name === "web-c" ? [keeper.metadata.uid] : []);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await client.list(pods, { namespace: ns })).items.length, 3, "orphans are not collected afterwards");
});

test("a collector started after the fact converges: dangling dependents, pending orphaning and foreground deletions", async () => {
  const own = await startTestApiServer();
  const c = new ApiClient({ server: own.url });
  let late: Collector | undefined;
  try {
    const ns = await createNamespace(c, "gc-late");
    const ghost: OwnerReference = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "never-was",
      uid: "00000000-0000-4000-8000-000000000000",
      controller: true,
      blockOwnerDeletion: true,
    };
    await c.create(pods, pod(ns, "dangling", [ghost]));
    const orphaning = await c.create(replicaSets, replicaSet(ns, "orphaning", ["orphan"]));
    await c.create(pods, pod(ns, "orphaning-a", [ref(orphaning)]));
    await c.delete(replicaSets, "orphaning", { namespace: ns, propagationPolicy: "Orphan" });
    const fg = await c.create(replicaSets, replicaSet(ns, "fg", ["foregroundDeletion"]));
    await c.create(pods, pod(ns, "fg-a", [ref(fg)]));
    await c.delete(replicaSets, "fg", { namespace: ns, propagationPolicy: "Foreground" });
    assert.ok((await c.get(replicaSets, "fg", ns)).metadata.deletionTimestamp, "nothing acts before the collector starts");

    late = await startCollector(own.url);
    await waitFor("the dangling dependent deleted", gone(c, pods, ns, "dangling"));
    await waitFor("the orphaning owner deleted", gone(c, replicaSets, ns, "orphaning"));
    assert.deepEqual((await c.get<Pod>(pods, "orphaning-a", ns)).metadata.ownerReferences ?? [], []);
    await waitFor("the foreground owner and its dependent deleted", async () => (await gone(c, pods, ns, "fg-a")()) && (await gone(c, replicaSets, ns, "fg")()));
  } finally {
    await late?.stop();
    await own.stop();
  }
});
