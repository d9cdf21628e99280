// The disruption controller against a real apiserver and etcd: a budget's status
// follows its pods and their controllers' scale (a ReplicaSet, a Deployment through
// its ReplicaSet), evictions through the API take from it and the pods they delete
// leave disruptedPods, and a pod whose controller cannot be found fails the budget
// safe; a DisruptionTarget condition no deletion followed is set to False after 2
// minutes. No ReplicaSet or Deployment controller runs: the tests write the objects.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type KubeObject, type Pod, type PodDisruptionBudget } from "@bosun/api";
import { ApiError, type ApiClient } from "@bosun/client";
import { DisruptionController } from "../src/index.js";
import { createNamespace, modify, setPodRunning, startHarness, waitFor, type Harness } from "./controller-harness.js";

const pods = mustResource("pods");
const pdbs = mustResource("poddisruptionbudgets");
const replicaSets = mustResource("replicasets");
const deployments = mustResource("deployments");

let h: Harness;
/** Moves the controller's clock ahead of the real one, for what happens after minutes. */
let clockAheadMs = 0;

before(async () => {
  h = await startHarness((ctx) => new DisruptionController({ ...ctx, now: () => Date.now() + clockAheadMs }));
});

after(async () => {
  await h?.stop();
});

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } });

async function replicaSet(ns: string, name: string, app: string, replicas: number, owner?: KubeObject): Promise<KubeObject> {
  const ownerReferences = owner ? [{ apiVersion: "apps/v1", kind: owner.kind, name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true }] : undefined;
  return h.client.create(replicaSets, {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: ns, ...(ownerReferences ? { ownerReferences } : {}) },
    spec: { replicas, selector: { matchLabels: { app } }, template: template(app) },
  } as KubeObject);
}

/** A Ready, Running pod bound to a node, controlled by `owner`. */
async function runningPod(ns: string, name: string, app: string, owner: { kind: string; name: string; uid: string }): Promise<Pod> {
  const pod = await h.client.create<Pod>(pods, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: { app }, ownerReferences: [{ apiVersion: "apps/v1", ...owner, controller: true }] },
    spec: { nodeName: "n1", containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
  } as Pod);
  return setPodRunning(h.client, pod);
}

async function budget(ns: string, name: string, app: string, spec: Record<string, unknown>): Promise<void> {
  await h.client.create(pdbs, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: ns }, spec: { selector: { matchLabels: { app } }, ...spec } } as KubeObject);
}

/** Waits until the budget's status satisfies `ok`. */
function statusOf(ns: string, name: string, ok: (s: NonNullable<PodDisruptionBudget["status"]>) => boolean): Promise<PodDisruptionBudget> {
  return waitFor(`${ns}/${name}'s status`, async () => {
    const pdb = await h.client.get<PodDisruptionBudget>(pdbs, name, ns);
    return pdb.status && ok(pdb.status) ? pdb : undefined;
  });
}

async function evict(client: ApiClient, ns: string, name: string): Promise<number> {
  try {
    await client.request("POST", client.path(pods, ns, name, "eviction"), { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: ns } });
    return 201;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
}

test("maxUnavailable counts the ReplicaSet's scale; an eviction takes the one disruption and the deleting pod leaves disruptedPods", async () => {
  const ns = await createNamespace(h.client, "pdb-rs");
  const rs = await replicaSet(ns, "web", "web", 3);
  const owner = { kind: "ReplicaSet", name: "web", uid: rs.metadata.uid ?? "" };
  for (const name of ["web-a", "web-b", "web-c"]) await runningPod(ns, name, "web", owner);
  await budget(ns, "web", "web", { maxUnavailable: 1 });
  const ready = await statusOf(ns, "web", (s) => s.currentHealthy === 3);
  assert.deepEqual(
    [ready.status?.expectedPods, ready.status?.desiredHealthy, ready.status?.disruptionsAllowed, ready.status?.observedGeneration],
    [3, 2, 1, 1],
  );
  assert.deepEqual(ready.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [["DisruptionAllowed", "True", "SufficientPods"]]);

  assert.equal(await evict(h.client, ns, "web-a"), 201);
  const after = await statusOf(ns, "web", (s) => s.currentHealthy === 2 && s.disruptedPods === undefined);
  assert.equal(after.status?.disruptionsAllowed, 0, "web-a is deleting: no disruption left");
  assert.deepEqual(after.status?.conditions?.map((c) => [c.status, c.reason]), [["False", "InsufficientPods"]]);
  assert.equal(await evict(h.client, ns, "web-b"), 429);
});

test("a Deployment's pods count the Deployment's scale, not their ReplicaSet's; percentages round up", async () => {
  const ns = await createNamespace(h.client, "pdb-deploy");
  const deployment = await h.client.create(deployments, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: ns },
    spec: { replicas: 4, selector: { matchLabels: { app: "api" } }, template: template("api") },
  } as KubeObject);
  const rs = await replicaSet(ns, "api-1", "api", 2, deployment);
  for (const name of ["api-a", "api-b"]) await runningPod(ns, name, "api", { kind: "ReplicaSet", name: "api-1", uid: rs.metadata.uid ?? "" });
  await budget(ns, "api", "api", { minAvailable: "50%" });
  const pdb = await statusOf(ns, "api", (s) => s.expectedPods === 4);
  assert.deepEqual([pdb.status?.desiredHealthy, pdb.status?.currentHealthy, pdb.status?.disruptionsAllowed], [2, 2, 0]);
});

test("a pod whose controller cannot be found fails the budget safe, with the reason in its condition and an event", async () => {
  const ns = await createNamespace(h.client, "pdb-orphan");
  await runningPod(ns, "lost-a", "lost", { kind: "ReplicaSet", name: "gone", uid: "no-such-uid" });
  await budget(ns, "lost", "lost", { maxUnavailable: 1 });
  const pdb = await statusOf(ns, "lost", (s) => (s.conditions ?? []).some((c) => c.reason === "SyncFailed"));
  assert.equal(pdb.status?.disruptionsAllowed, 0);
  assert.equal(pdb.status?.conditions?.[0]?.message, 'found no controllers for pod "lost-a"');
  await waitFor("the CalculateExpectedPodCountFailed event", async () => h.recorder.about(ns, "lost", "CalculateExpectedPodCountFailed").length > 0);
});

test("a DisruptionTarget condition that no deletion followed for 2 minutes is set to False", async () => {
  const ns = await createNamespace(h.client, "pdb-stale");
  const rs = await replicaSet(ns, "kept", "kept", 1);
  const pod = await runningPod(ns, "kept-a", "kept", { kind: "ReplicaSet", name: "kept", uid: rs.metadata.uid ?? "" });
  const marked = await modify<Pod>(h.client, pods, ns, "kept-a", (p) => {
    p.status?.conditions?.push({ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastTransitionTime: new Date().toISOString() });
  }, "status");
  assert.equal(marked.metadata.uid, pod.metadata.uid);
  clockAheadMs = 3 * 60_000;
  try {
    // Any change of the pod shows it to the controller again, now past the timeout.
    await modify<Pod>(h.client, pods, ns, "kept-a", (p) => {
      p.metadata.annotations = { touched: "yes" };
    });
    const cleared = await waitFor("the stale condition to be False", async () => {
      const current = await h.client.get<Pod>(pods, "kept-a", ns);
      const cond = current.status?.conditions?.find((c) => c.type === "DisruptionTarget");
      return cond?.status === "False" ? cond : undefined;
    });
    assert.equal(cleared.reason, undefined);
  } finally {
    clockAheadMs = 0;
  }
});
