// policy/v1 PodDisruptionBudget: the resource table entry, validation with
// Kubernetes' messages, the kubectl table, which budgets guard a pod, and the
// DisruptionAllowed condition.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  budgetSelectsPod,
  budgetsGuardingPod,
  disruptionAllowedConditionUpToDate,
  printerFor,
  resourceByName,
  updateDisruptionAllowedCondition,
  validateObject,
  type Pod,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
  type StatusCause,
} from "../src/index.js";

const budgets = resourceByName("pdb")!;

function pdb(spec: Record<string, unknown>, extra: Partial<PodDisruptionBudget> = {}): PodDisruptionBudget {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "web", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z", generation: 1 }, spec, ...extra };
}

function messages(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

function pod(labels: Record<string, string>, namespace = "default"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace, labels }, spec: { containers: [] } } as unknown as Pod;
}

test("the kind is policy/v1 poddisruptionbudgets, namespaced, short name pdb, with a status subresource", () => {
  assert.equal(budgets.group, "policy");
  assert.equal(budgets.version, "v1");
  assert.equal(budgets.resource, "poddisruptionbudgets");
  assert.ok(budgets.namespaced);
  assert.deepEqual(budgets.subresources, ["status"]);
});

test("a budget sets minAvailable or maxUnavailable, not both, each a count or a percentage up to 100%", () => {
  const selector = { matchLabels: { app: "web" } };
  assert.deepEqual(messages(validateObject(budgets, pdb({ minAvailable: 2, selector }))), []);
  assert.deepEqual(messages(validateObject(budgets, pdb({ maxUnavailable: "25%", selector, unhealthyPodEvictionPolicy: "AlwaysAllow" }))), []);
  assert.deepEqual(messages(validateObject(budgets, pdb({}))), [], "an empty spec is valid, as in policy/v1");
  assert.deepEqual(messages(validateObject(budgets, pdb({ minAvailable: 1, maxUnavailable: 1, selector }))), [
    'spec: Invalid value: {"minAvailable":1,"maxUnavailable":1,"selector":{"matchLabels":{"app":"web"}}}: minAvailable and maxUnavailable cannot be both set',
  ]);
  assert.deepEqual(messages(validateObject(budgets, pdb({ minAvailable: "150%" }))), ['spec.minAvailable: Invalid value: "150%": must not be greater than 100%']);
  assert.deepEqual(messages(validateObject(budgets, pdb({ maxUnavailable: -1 }))), ["spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"]);
  assert.match(messages(validateObject(budgets, pdb({ minAvailable: "half" })))[0]!, /^spec\.minAvailable: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%'/);
  assert.match(messages(validateObject(budgets, pdb({ selector: { matchLabels: { "bad key!": "x" } } })))[0]!, /^spec\.selector\.matchLabels: Invalid value: "bad key!"/);
  assert.deepEqual(messages(validateObject(budgets, pdb({ unhealthyPodEvictionPolicy: "Sometimes" }))), [
    'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"',
  ]);
});

test("the status holds non-negative counts and well-formed metav1 conditions", () => {
  const status = (s: PodDisruptionBudgetStatus) => messages(validateObject(budgets, pdb({ minAvailable: 1 }, { status: s })));
  assert.deepEqual(status({ disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }), ["status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0"]);
  const cond = { type: "DisruptionAllowed", status: "True" as const, lastTransitionTime: "2024-05-01T11:00:00Z", message: "" };
  assert.deepEqual(status({ conditions: [{ ...cond, reason: "SufficientPods" }] }), []);
  assert.deepEqual(status({ conditions: [{ ...cond, reason: "" }] }), ["status.conditions[0].reason: Required value: must be set"]);
  assert.match(status({ conditions: [{ ...cond, reason: "not ok!" }] })[0]!, /^status\.conditions\[0\]\.reason: Invalid value: "not ok!": a condition reason must start with alphabetic character/);
  assert.deepEqual(status({ conditions: [{ ...cond, reason: "A" }, { ...cond, reason: "B" }] }), ['status.conditions[1].type: Duplicate value: "DisruptionAllowed"']);
});

test("kubectl's table: NAME, MIN AVAILABLE, MAX UNAVAILABLE (N/A when unset), ALLOWED DISRUPTIONS, AGE", () => {
  const printer = printerFor("PodDisruptionBudget");
  assert.deepEqual(
    printer.columns.map((c) => c.name),
    ["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"],
  );
  const now = Date.parse("2024-05-01T12:00:00Z");
  assert.deepEqual(printer.cells(pdb({ minAvailable: 2 }, { status: { disruptionsAllowed: 1 } }), now), ["web", "2", "N/A", 1, "60m"]);
  assert.deepEqual(printer.cells(pdb({ maxUnavailable: "25%" }), now), ["web", "N/A", "25%", 0, "60m"]);
});

test("a budget guards the pods its non-empty selector matches in its namespace; empty and missing selectors guard none", () => {
  const budget = pdb({ selector: { matchLabels: { app: "web" } } });
  const empty = pdb({ selector: {} });
  const none = pdb({});
  const expr = pdb({ selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] } });
  assert.deepEqual(budgetsGuardingPod([budget, empty, none, expr], pod({ app: "web", tier: "front" })), [budget, expr]);
  assert.deepEqual(budgetsGuardingPod([budget], pod({ app: "web" }, "other")), []);
  assert.deepEqual(budgetsGuardingPod([budget], pod({ app: "db" })), []);
});

test("the disruption controller counts the pods an empty selector matches too, but none for a missing one", () => {
  const all = pdb({ selector: {} });
  assert.equal(budgetSelectsPod(all, pod({ app: "db" })), true, "policy/v1: an empty selector selects every pod of the namespace");
  assert.equal(budgetSelectsPod(all, pod({ app: "db" }, "other")), false);
  assert.equal(budgetSelectsPod(pdb({}), pod({ app: "db" })), false);
  assert.equal(budgetSelectsPod(pdb({ selector: { matchLabels: { app: "web" } } }), pod({ app: "web" })), true);
  assert.equal(budgetSelectsPod(pdb({ selector: { matchExpressions: [{ key: "app", operator: "Sometimes" }] } }), pod({ app: "web" })), false, "an invalid selector selects nothing");
});

test("DisruptionAllowed follows disruptionsAllowed; its transition time moves only when its status does", () => {
  const status: PodDisruptionBudgetStatus = { observedGeneration: 1, disruptionsAllowed: 1 };
  updateDisruptionAllowedCondition(status, Date.parse("2024-05-01T12:00:00Z"));
  assert.deepEqual(status.conditions, [
    { type: "DisruptionAllowed", status: "True", reason: "SufficientPods", message: "", observedGeneration: 1, lastTransitionTime: "2024-05-01T12:00:00Z" },
  ]);
  assert.ok(disruptionAllowedConditionUpToDate(pdb({}, { status })));
  updateDisruptionAllowedCondition(status, Date.parse("2024-05-01T12:05:00Z"));
  assert.equal(status.conditions?.[0]?.lastTransitionTime, "2024-05-01T12:00:00Z");
  status.disruptionsAllowed = 0;
  assert.ok(!disruptionAllowedConditionUpToDate(pdb({}, { status })));
  updateDisruptionAllowedCondition(status, Date.parse("2024-05-01T12:10:00Z"));
  assert.deepEqual(status.conditions?.map((c) => [c.status, c.reason, c.lastTransitionTime]), [["False", "InsufficientPods", "2024-05-01T12:10:00Z"]]);
  assert.ok(!disruptionAllowedConditionUpToDate(pdb({}, { metadata: { name: "web", generation: 2 }, status })), "a newer generation is not yet observed");
});
