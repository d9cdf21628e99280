// The disruption controller's arithmetic on fixed pods, scales and times:
// expected and desired pods for each kind of budget, healthy pods, disruptedPods
// entries kept until their pod deletes or 2 minutes pass, and the status written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rfc3339, type OwnerReference, type Pod, type PodDisruptionBudget } from "@bosun/api";
import { staleDisruptionWaitMs } from "../src/disruption/stale-condition.js";
import { countHealthyPods, expectedCounts, failSafeStatus, keptDisruptedPods, nextBudgetStatus, type ScaleFinder } from "../src/disruption/status.js";

const t0 = Date.parse("2024-05-01T12:00:00Z");
const minute = 60_000;

function budget(spec: PodDisruptionBudget["spec"], status: PodDisruptionBudget["status"] = {}, generation = 1): PodDisruptionBudget {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "web", namespace: "default", generation }, spec, status };
}

function pod(name: string, opts: { ready?: boolean; owner?: string; deleting?: boolean } = {}): Pod {
  const ownerReferences: OwnerReference[] | undefined = opts.owner
    ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: opts.owner, uid: `uid-${opts.owner}`, controller: true }]
    : undefined;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", ...(ownerReferences ? { ownerReferences } : {}), ...(opts.deleting ? { deletionTimestamp: rfc3339(t0) } : {}) },
    spec: { containers: [] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }] },
  } as unknown as Pod;
}

/** ReplicaSets by name with their replicas; the scale is asked once per controller. */
function scales(replicas: Record<string, number>): ScaleFinder & { asked: string[] } {
  const asked: string[] = [];
  const find = (ref: OwnerReference) => {
    asked.push(ref.name);
    return ref.name in replicas ? { uid: ref.uid, replicas: replicas[ref.name]! } : undefined;
  };
  return Object.assign(find, { asked });
}

test("an integer minAvailable counts the selected pods themselves, whoever controls them", () => {
  const pods = [pod("a"), pod("b", { owner: "rs" }), pod("c", { owner: "rs" })];
  const find = scales({});
  assert.deepEqual(expectedCounts(budget({ minAvailable: 2 }), pods, find), { expectedPods: 3, desiredHealthy: 2, unmanagedPods: [] });
  assert.deepEqual(find.asked, [], "no scale is needed");
});

test("maxUnavailable and percentages count the controllers' scale, each controller once, rounding up", () => {
  const pods = [pod("a", { owner: "rs1" }), pod("b", { owner: "rs1" }), pod("c", { owner: "rs2" })];
  const find = scales({ rs1: 4, rs2: 3 });
  assert.deepEqual(expectedCounts(budget({ maxUnavailable: 1 }), pods, find), { expectedPods: 7, desiredHealthy: 6, unmanagedPods: [] });
  assert.deepEqual(find.asked, ["rs1", "rs2"]);
  assert.deepEqual(expectedCounts(budget({ maxUnavailable: "30%" }), pods, scales({ rs1: 4, rs2: 3 })).desiredHealthy, 4, "30% of 7 rounds up to 3 unavailable");
  assert.deepEqual(expectedCounts(budget({ minAvailable: "50%" }), pods, scales({ rs1: 4, rs2: 3 })).desiredHealthy, 4, "50% of 7 rounds up to 4");
  assert.deepEqual(expectedCounts(budget({ maxUnavailable: 10 }), pods, scales({ rs1: 4, rs2: 3 })).desiredHealthy, 0, "never below zero");
  assert.deepEqual(expectedCounts(budget({}), pods, scales({})), { expectedPods: 0, desiredHealthy: 0, unmanagedPods: [] }, "neither set expects nothing");
});

test("pods without a controller are reported; a controller that cannot be found fails the computation", () => {
  const counts = expectedCounts(budget({ maxUnavailable: 1 }), [pod("bare"), pod("a", { owner: "rs" })], scales({ rs: 2 }));
  assert.deepEqual(counts, { expectedPods: 2, desiredHealthy: 1, unmanagedPods: ["bare"] });
  assert.throws(() => expectedCounts(budget({ maxUnavailable: 1 }), [pod("a", { owner: "gone" })], scales({})), /found no controllers for pod "a"/);
});

test("healthy pods are Ready, not deleting and not in disruptedPods within 2 minutes", () => {
  const pods = [pod("a"), pod("b", { ready: false }), pod("c", { deleting: true }), pod("d"), pod("e")];
  const disrupted = { d: rfc3339(t0 - minute), e: rfc3339(t0 - 3 * minute) };
  assert.equal(countHealthyPods(pods, disrupted, t0), 2, "a, and e whose entry ran out");
});

test("disruptedPods keeps entries of pods not yet deleting within the timeout, and says when to look again", () => {
  const stored = { a: rfc3339(t0 - minute), b: rfc3339(t0 - 30_000), c: rfc3339(t0 - 3 * minute), gone: rfc3339(t0), d: rfc3339(t0) };
  const pods = [pod("a"), pod("b"), pod("c"), pod("d", { deleting: true })];
  const kept = keptDisruptedPods(budget({ minAvailable: 1 }, { disruptedPods: stored }), pods, t0);
  assert.deepEqual(kept.disruptedPods, { a: stored.a, b: stored.b });
  assert.equal(kept.recheckAtMs, t0 + minute, "when a's entry runs out");
  assert.deepEqual(kept.notDeleted.map((p) => p.metadata.name), ["c"]);
  assert.deepEqual(keptDisruptedPods(budget({ minAvailable: 1 }), pods, t0), { disruptedPods: {}, notDeleted: [] });
});

test("the status allows currentHealthy - desiredHealthy disruptions, none while no pod is expected, and is written only when it changes", () => {
  const counts = { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: {} };
  const status = nextBudgetStatus(budget({ minAvailable: 2 }, {}, 2), counts, t0);
  assert.deepEqual(status, {
    observedGeneration: 2,
    disruptionsAllowed: 1,
    currentHealthy: 3,
    desiredHealthy: 2,
    expectedPods: 3,
    conditions: [{ type: "DisruptionAllowed", status: "True", reason: "SufficientPods", message: "", observedGeneration: 2, lastTransitionTime: rfc3339(t0) }],
  });
  assert.equal(nextBudgetStatus(budget({ minAvailable: 2 }, status, 2), counts, t0 + minute), undefined, "nothing changed");
  const short = nextBudgetStatus(budget({ minAvailable: 2 }, status, 2), { ...counts, currentHealthy: 2, disruptedPods: { a: rfc3339(t0) } }, t0 + minute);
  assert.equal(short?.disruptionsAllowed, 0);
  assert.deepEqual(short?.disruptedPods, { a: rfc3339(t0) });
  assert.deepEqual(short?.conditions?.map((c) => [c.status, c.reason, c.lastTransitionTime]), [["False", "InsufficientPods", rfc3339(t0 + minute)]]);
  assert.equal(nextBudgetStatus(budget({ maxUnavailable: 1 }), { currentHealthy: 2, desiredHealthy: 0, expectedPods: 0, disruptedPods: {} }, t0)?.disruptionsAllowed, 0);
});

test("a budget that cannot be computed fails safe: no disruptions, DisruptionAllowed False with SyncFailed and the reason", () => {
  const safe = failSafeStatus(budget({ maxUnavailable: 1 }, { observedGeneration: 1, disruptionsAllowed: 2, currentHealthy: 3 }), 'found no controllers for pod "a"', t0);
  assert.equal(safe.disruptionsAllowed, 0);
  assert.equal(safe.currentHealthy, 3);
  assert.deepEqual(safe.conditions, [
    { type: "DisruptionAllowed", status: "False", reason: "SyncFailed", message: 'found no controllers for pod "a"', observedGeneration: 1, lastTransitionTime: rfc3339(t0) },
  ]);
});

test("a DisruptionTarget condition goes stale 2 minutes after it was set, unless the pod is deleting or finished or the kubelet set it", () => {
  const marked = (reason: string, extra: { deleting?: boolean; phase?: string } = {}) => {
    const p = pod("a", { deleting: extra.deleting ?? false });
    p.status = { phase: (extra.phase ?? "Running") as "Running", conditions: [{ type: "DisruptionTarget", status: "True", reason, lastTransitionTime: rfc3339(t0) }] };
    return p;
  };
  assert.equal(staleDisruptionWaitMs(marked("EvictionByEvictionAPI"), t0 + 30_000), 90_000);
  assert.equal(staleDisruptionWaitMs(marked("PreemptionByScheduler"), t0 + 3 * minute), 0);
  assert.equal(staleDisruptionWaitMs(marked("TerminationByKubelet"), t0 + 3 * minute), undefined);
  assert.equal(staleDisruptionWaitMs(marked("EvictionByEvictionAPI", { deleting: true }), t0 + 3 * minute), undefined);
  assert.equal(staleDisruptionWaitMs(marked("EvictionByEvictionAPI", { phase: "Failed" }), t0 + 3 * minute), undefined);
  assert.equal(staleDisruptionWaitMs(pod("b"), t0), undefined);
});
