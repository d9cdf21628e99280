// pods/{name}/eviction against PodDisruptionBudgets, on a real etcd: the budget's
// status (written here as the disruption controller would) decides, a refusal is
// Kubernetes' 429, an allowed eviction takes one disruption and records the pod,
// marks the pod DisruptionTarget and deletes it; dry runs write nothing.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from "@bosun/api";
import { apiServerForSuite, call, testPod } from "../src/testing/index.js";

type StatusBody = { kind: string; status: string; reason?: string; code: number; message: string; details?: { causes?: { reason?: string; message?: string }[]; retryAfterSeconds?: number } };

const pods = "/api/v1/namespaces/default/pods";
const pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";

describe("pods/eviction with PodDisruptionBudgets", () => {
  const api = apiServerForSuite();

  const eviction = (name: string, deleteOptions?: Record<string, unknown>) => ({
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace: "default" },
    ...(deleteOptions ? { deleteOptions } : {}),
  });

  async function runningPod(name: string, app: string, ready = true): Promise<Pod> {
    const created = await call<Pod>(api.url, "POST", pods, testPod(name, { labels: { app }, nodeName: "n1" }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const pod = created.body;
    pod.status = { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] };
    const res = await call<Pod>(api.url, "PUT", `${pods}/${name}/status`, pod);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  /** A budget for `app` whose status says what the disruption controller would have computed. */
  async function budget(name: string, app: string, status: PodDisruptionBudgetStatus, spec: Record<string, unknown> = { minAvailable: 1 }): Promise<PodDisruptionBudget> {
    const created = await call<PodDisruptionBudget>(api.url, "POST", pdbs, {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name },
      spec: { selector: { matchLabels: { app } }, ...spec },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const res = await call<PodDisruptionBudget>(api.url, "PUT", `${pdbs}/${name}/status`, { ...created.body, status: { observedGeneration: 1, ...status } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  const getPod = async (name: string) => (await call<Pod>(api.url, "GET", `${pods}/${name}`)).body;
  const getBudget = async (name: string) => (await call<PodDisruptionBudget>(api.url, "GET", `${pdbs}/${name}`)).body;

  test("a new budget starts with a zero status, and an invalid one is refused with its field", async () => {
    const created = await call<PodDisruptionBudget>(api.url, "POST", pdbs, {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "fresh" },
      spec: { maxUnavailable: "10%", selector: { matchLabels: { app: "fresh" } } },
      status: { disruptionsAllowed: 5 },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    assert.equal(created.body.metadata.generation, 1);
    const both = await call<StatusBody>(api.url, "POST", pdbs, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "both" }, spec: { minAvailable: 1, maxUnavailable: 1 } });
    assert.equal(both.status, 422);
    assert.match(both.body.message, /spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set/);
  });

  test("with no disruption allowed the eviction is 429 with Kubernetes' message and cause, and nothing changes", async () => {
    await runningPod("blocked-1", "blocked");
    await budget("blocked", "blocked", { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
    const res = await call<StatusBody>(api.url, "POST", `${pods}/blocked-1/eviction`, eviction("blocked-1"));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), null, "no retry time is promised for a budget with no disruption left");
    assert.equal(res.body.reason, "TooManyRequests");
    assert.equal(res.body.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(res.body.details?.causes, [{ reason: "DisruptionBudget", message: "The disruption budget blocked needs 1 healthy pods and has 1 currently" }]);
    const pod = await getPod("blocked-1");
    assert.equal(pod.metadata.deletionTimestamp, undefined);
    assert.equal(pod.status?.conditions?.some((c) => c.type === "DisruptionTarget"), false);
  });

  test("an allowed eviction takes one disruption, records the pod, marks it DisruptionTarget and deletes it", async () => {
    await runningPod("allowed-1", "allowed");
    await runningPod("allowed-2", "allowed");
    await budget("allowed", "allowed", { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
    const dry = await call(api.url, "POST", `${pods}/allowed-1/eviction?dryRun=All`, eviction("allowed-1"));
    assert.equal(dry.status, 201);
    assert.equal((await getBudget("allowed")).status?.disruptionsAllowed, 1, "a dry run takes nothing");
    assert.equal((await getPod("allowed-1")).metadata.deletionTimestamp, undefined, "a dry run deletes nothing");

    const res = await call(api.url, "POST", `${pods}/allowed-1/eviction`, eviction("allowed-1", { gracePeriodSeconds: 30 }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const pdb = await getBudget("allowed");
    assert.equal(pdb.status?.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(pdb.status?.disruptedPods ?? {}), ["allowed-1"]);
    assert.deepEqual(pdb.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [["DisruptionAllowed", "False", "InsufficientPods"]]);
    const pod = await getPod("allowed-1");
    assert.ok(pod.metadata.deletionTimestamp, "the bound pod is being deleted");
    const target = pod.status?.conditions?.find((c) => c.type === "DisruptionTarget");
    assert.deepEqual([target?.status, target?.reason, target?.message], ["True", "EvictionByEvictionAPI", "Eviction API: evicting"]);

    const next = await call<StatusBody>(api.url, "POST", `${pods}/allowed-2/eviction`, eviction("allowed-2"));
    assert.equal(next.status, 429, "the budget has no disruption left");
  });

  test("a budget whose spec changed since its status was computed answers 429 until the controller catches up", async () => {
    await runningPod("stale-1", "stale");
    const pdb = await budget("stale", "stale", { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 });
    const changed = await call<PodDisruptionBudget>(api.url, "PUT", `${pdbs}/stale`, { ...pdb, spec: { ...pdb.spec, minAvailable: 0 } });
    assert.equal(changed.body.metadata.generation, 2);
    const res = await call<StatusBody>(api.url, "POST", `${pods}/stale-1/eviction`, eviction("stale-1"));
    assert.equal(res.status, 429);
    assert.deepEqual(res.body.details?.causes?.map((c) => c.message), ["The disruption budget stale is still being processed by the server."]);
    assert.equal(res.body.details?.retryAfterSeconds, 10);
    assert.equal(res.headers.get("retry-after"), "10", "the header says it too, as Kubernetes' apiserver writes it");
  });

  test("a pod guarded by two budgets is refused with 500, as Kubernetes does", async () => {
    await runningPod("twice-1", "twice");
    await budget("twice-a", "twice", { disruptionsAllowed: 1 });
    await budget("twice-b", "twice", { disruptionsAllowed: 1 });
    const res = await call<StatusBody>(api.url, "POST", `${pods}/twice-1/eviction`, eviction("twice-1"));
    assert.equal(res.status, 500);
    assert.equal(res.body.message, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    assert.equal((await getPod("twice-1")).metadata.deletionTimestamp, undefined);
  });

  test("an unready pod goes without using the budget while the healthy ones suffice, or always with AlwaysAllow", async () => {
    await runningPod("unready-1", "unready", false);
    await budget("unready", "unready", { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 });
    assert.equal((await call(api.url, "POST", `${pods}/unready-1/eviction`, eviction("unready-1"))).status, 201);
    assert.ok((await getPod("unready-1")).metadata.deletionTimestamp);
    assert.equal((await getBudget("unready")).status?.disruptionsAllowed, 0, "nothing was taken from the budget");

    await runningPod("short-1", "short", false);
    await budget("short", "short", { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 });
    assert.equal((await call(api.url, "POST", `${pods}/short-1/eviction`, eviction("short-1"))).status, 429, "IfHealthyBudget: the healthy pods do not suffice");

    await runningPod("always-1", "always", false);
    await budget("always", "always", { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 }, { minAvailable: 2, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    assert.equal((await call(api.url, "POST", `${pods}/always-1/eviction`, eviction("always-1"))).status, 201);
  });

  test("a pending pod goes whatever its budget says", async () => {
    await call(api.url, "POST", pods, testPod("pending-1", { labels: { app: "pending" } }));
    await budget("pending", "pending", { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1, expectedPods: 1 });
    assert.equal((await call(api.url, "POST", `${pods}/pending-1/eviction`, eviction("pending-1"))).status, 201);
    assert.equal((await call(api.url, "GET", `${pods}/pending-1`)).status, 404, "an unbound pod goes at once");
  });
});
