// The ReplicaSet controller against a real apiserver and etcd. No agent runs: the
// test writes pod status itself where it needs pods Running and Ready.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, statusError, type KubeObject, type Pod, type ReplicaSet, type ResourceInfo } from "@bosun/api";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { ApiClient, ApiError, SharedInformers } from "@bosun/client";
import { controllerRefOf, ReplicaSetController } from "../src/index.js";
import { createNamespace, listPods, modify, RecordingRecorder, setPodRunning, waitFor } from "./controller-harness.js";

const pods = mustResource("pods");
const replicaSets = mustResource("replicasets");

/** A client whose pod creates fail in chosen namespaces, as a quota or admission refusal would. */
class FlakyClient extends ApiClient {
  readonly failingNamespaces = new Set<string>();
  readonly podCreates = new Map<string, number>();
  override async create<T extends KubeObject>(res: ResourceInfo, obj: T, namespace?: string): Promise<T> {
    const ns = namespace ?? obj.metadata.namespace ?? "";
    if (res.resource === "pods") {
      this.podCreates.set(ns, (this.podCreates.get(ns) ?? 0) + 1);
      if (this.failingNamespaces.has(ns)) throw new ApiError(statusError(403, "Forbidden", `pods "x" is forbidden: exceeded quota in ${ns}`));
    }
    return super.create(res, obj, namespace);
  }
}

let server: TestApiServer;
let client: FlakyClient;
let informers: SharedInformers;
let controller: ReplicaSetController;
const recorder = new RecordingRecorder();

before(async () => {
  server = await startTestApiServer();
  client = new FlakyClient({ server: server.url });
  informers = new SharedInformers(client);
  controller = new ReplicaSetController({ client, informers, recorder });
  await informers.start();
  await controller.run();
});

after(async () => {
  await controller.stop();
  await informers.stop();
  await server.stop();
});

function replicaSet(ns: string, name: string, replicas: number, extra: { minReadySeconds?: number; finalizers?: string[] } = {}): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: ns, ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) },
    spec: {
      replicas,
      minReadySeconds: extra.minReadySeconds ?? 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: "bosun.local/busybox:1", command: ["sleep", "3600"] }] },
      },
    },
  };
}

async function ownedPods(ns: string, rs: ReplicaSet): Promise<Pod[]> {
  return (await listPods(client, ns)).filter((p) => controllerRefOf(p)?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp);
}

async function getRs(ns: string, name: string): Promise<ReplicaSet> {
  return client.get<ReplicaSet>(replicaSets, name, ns);
}

test("creates pods up to spec.replicas, owned by the ReplicaSet, without creating extra ones", async () => {
  const ns = await createNamespace(client, "rs-create");
  const rs = await client.create(replicaSets, replicaSet(ns, "web", 3));
  const created = await waitFor("3 pods", async () => {
    const list = await ownedPods(ns, rs);
    return list.length === 3 && list;
  });
  for (const pod of created) {
    assert.match(pod.metadata.name ?? "", /^web-[a-z0-9]{5}$/);
    assert.equal(pod.metadata.labels?.app, "web");
    assert.deepEqual(pod.metadata.ownerReferences, [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
  }
  const status = await waitFor("status.replicas 3", async () => {
    const s = (await getRs(ns, "web")).status;
    return s?.replicas === 3 && s;
  });
  assert.equal(status.readyReplicas, 0);
  assert.equal(status.availableReplicas, 0);
  assert.equal(status.fullyLabeledReplicas, 3);
  assert.equal(status.observedGeneration, 1);
  assert.deepEqual(
    recorder.about(ns, "web", "SuccessfulCreate").map((e) => e.message).sort(),
    created.map((p) => `Created pod: ${p.metadata.name}`).sort(),
  );
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await listPods(client, ns)).length, 3, "no pod beyond spec.replicas");
});

test("ready pods count as ready at once and as available after minReadySeconds, with no further event", async () => {
  const ns = await createNamespace(client, "rs-ready");
  const rs = await client.create(replicaSets, replicaSet(ns, "api", 2, { minReadySeconds: 2 }));
  const list = await waitFor("2 pods", async () => {
    const l = await ownedPods(ns, rs);
    return l.length === 2 && l;
  });
  for (const pod of list) await setPodRunning(client, pod);
  const ready = await waitFor("readyReplicas 2", async () => {
    const s = (await getRs(ns, "api")).status;
    return s?.readyReplicas === 2 && s;
  });
  assert.equal(ready.availableReplicas, 0, "not available before minReadySeconds passed");
  await waitFor("availableReplicas 2", async () => (await getRs(ns, "api")).status?.availableReplicas === 2, 5_000);
});

test("scaling down deletes the pods that are not ready first", async () => {
  const ns = await createNamespace(client, "rs-scale");
  const rs = await client.create(replicaSets, replicaSet(ns, "db", 3));
  const list = await waitFor("3 pods", async () => {
    const l = await ownedPods(ns, rs);
    return l.length === 3 && l;
  });
  const [unready, ...readyOnes] = list;
  for (const pod of readyOnes) await setPodRunning(client, pod);
  await waitFor("readyReplicas 2", async () => (await getRs(ns, "db")).status?.readyReplicas === 2);
  await modify<ReplicaSet>(client, replicaSets, ns, "db", (r) => {
    r.spec.replicas = 1;
  });
  const left = await waitFor("1 pod", async () => {
    const l = await listPods(client, ns);
    return l.length === 1 && l;
  });
  assert.ok(readyOnes.some((p) => p.metadata.name === left[0]?.metadata.name), "a ready pod is kept");
  const deleted = recorder.about(ns, "db", "SuccessfulDelete").map((e) => e.message);
  assert.equal(deleted.length, 2);
  assert.ok(deleted.includes(`Deleted pod: ${unready?.metadata.name}`), "the unready pod went first");
  await waitFor("status after scale-down", async () => {
    const s = (await getRs(ns, "db")).status;
    return s?.replicas === 1 && s.observedGeneration === 2;
  });
});

test("adopts a matching orphan, releases a pod whose labels stop matching, and replaces what it lost", async () => {
  const ns = await createNamespace(client, "rs-claim");
  const orphan = await client.create<Pod>(pods, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stray", namespace: ns, labels: { app: "cache" } },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
  });
  const rs = await client.create(replicaSets, replicaSet(ns, "cache", 2));
  const owned = await waitFor("2 owned pods", async () => {
    const l = await ownedPods(ns, rs);
    return l.length === 2 && l;
  });
  assert.ok(owned.some((p) => p.metadata.uid === orphan.metadata.uid), "the orphan was adopted");
  assert.equal((await listPods(client, ns)).length, 2, "only one pod was created next to the orphan");

  await modify<Pod>(client, pods, ns, "stray", (p) => {
    p.metadata.labels = { app: "elsewhere" };
  });
  await waitFor("the relabelled pod released", async () => {
    const p = await client.get<Pod>(pods, "stray", ns);
    return (p.metadata.ownerReferences ?? []).length === 0;
  });
  await waitFor("a replacement", async () => (await ownedPods(ns, rs)).length === 2 && (await listPods(client, ns)).length === 3);
});

test("a deleted pod is replaced", async () => {
  const ns = await createNamespace(client, "rs-heal");
  const rs = await client.create(replicaSets, replicaSet(ns, "heal", 2));
  const list = await waitFor("2 pods", async () => {
    const l = await ownedPods(ns, rs);
    return l.length === 2 && l;
  });
  await client.delete(pods, list[0]?.metadata.name ?? "", { namespace: ns });
  await waitFor("a new pod", async () => {
    const l = await ownedPods(ns, rs);
    return l.length === 2 && !l.some((p) => p.metadata.uid === list[0]?.metadata.uid);
  });
});

test("failing creates stop at the first failed batch, surface as FailedCreate and ReplicaFailure, and recover", async () => {
  const ns = await createNamespace(client, "rs-fail");
  client.failingNamespaces.add(ns);
  const rs = await client.create(replicaSets, replicaSet(ns, "quota", 5));
  const status = await waitFor("ReplicaFailure", async () => {
    const s = (await getRs(ns, "quota")).status;
    return s?.conditions?.find((c) => c.type === "ReplicaFailure");
  });
  assert.equal(status.reason, "FailedCreate");
  assert.match(status.message ?? "", /exceeded quota/);
  assert.ok(recorder.about(ns, "quota", "FailedCreate").some((e) => e.type === "Warning" && /exceeded quota/.test(e.message)));
  // Each sync tries one pod (the first slow-start batch) and gives up; retries back off.
  const attempts = client.podCreates.get(ns) ?? 0;
  const syncs = recorder.about(ns, "quota", "FailedCreate").length;
  assert.equal(attempts, syncs, "one create attempt per failed sync, not five");

  client.failingNamespaces.delete(ns);
  await waitFor("5 pods after recovery", async () => (await ownedPods(ns, rs)).length === 5, 15_000);
  await waitFor("ReplicaFailure cleared", async () => {
    const s = (await getRs(ns, "quota")).status;
    return s?.replicas === 5 && !s.conditions?.some((c) => c.type === "ReplicaFailure");
  });
});

test("a ReplicaSet being deleted creates no pods", async () => {
  const ns = await createNamespace(client, "rs-deleting");
  const rs = await client.create(replicaSets, replicaSet(ns, "going", 2, { finalizers: ["bosun.io/test-hold"] }));
  const list = await waitFor("2 pods", async () => {
    const l = await ownedPods(ns, rs);
    return l.length === 2 && l;
  });
  await client.delete(replicaSets, "going", { namespace: ns });
  await waitFor("deletionTimestamp", async () => !!(await getRs(ns, "going")).metadata.deletionTimestamp);
  await client.delete(pods, list[0]?.metadata.name ?? "", { namespace: ns });
  await waitFor("status sees 1 replica", async () => (await getRs(ns, "going")).status?.replicas === 1);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await listPods(client, ns)).length, 1, "no replacement for a ReplicaSet being deleted");
  await client.patch(replicaSets, "going", { metadata: { finalizers: null } }, { namespace: ns });
});
