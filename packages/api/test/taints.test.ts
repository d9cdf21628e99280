import assert from "node:assert/strict";
import { test } from "node:test";
import {
  findUntoleratedTaint,
  formatTaint,
  tolerationToleratesTaint,
  tolerationsTolerateTaint,
  type Taint,
  type Toleration,
} from "../src/index.js";

const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };
const dedicated: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };

test("Equal (the default operator) matches key and value; an absent value equals the empty one", () => {
  assert.equal(tolerationToleratesTaint({ key: "dedicated", value: "gpu" }, dedicated), true);
  assert.equal(tolerationToleratesTaint({ key: "dedicated", operator: "Equal", value: "gpu" }, dedicated), true);
  assert.equal(tolerationToleratesTaint({ key: "dedicated", value: "cpu" }, dedicated), false);
  assert.equal(tolerationToleratesTaint({ key: "dedicated" }, dedicated), false);
  assert.equal(tolerationToleratesTaint({ key: "node.kubernetes.io/unreachable" }, unreachable), true);
  assert.equal(tolerationToleratesTaint({ key: "node.kubernetes.io/unreachable", value: "" }, unreachable), true);
});

test("Exists ignores the value; an empty key with Exists matches every key", () => {
  assert.equal(tolerationToleratesTaint({ key: "dedicated", operator: "Exists" }, dedicated), true);
  assert.equal(tolerationToleratesTaint({ key: "other", operator: "Exists" }, dedicated), false);
  assert.equal(tolerationToleratesTaint({ operator: "Exists" }, dedicated), true);
  assert.equal(tolerationToleratesTaint({ operator: "Exists" }, unreachable), true);
  // An empty key with Equal is not a wildcard: it only matches a taint with an empty key.
  assert.equal(tolerationToleratesTaint({ operator: "Equal" }, dedicated), false);
});

test("an empty effect matches every effect; a set effect must be the taint's", () => {
  assert.equal(tolerationToleratesTaint({ key: "dedicated", operator: "Exists", effect: "" }, dedicated), true);
  assert.equal(tolerationToleratesTaint({ key: "dedicated", operator: "Exists", effect: "NoSchedule" }, dedicated), true);
  assert.equal(tolerationToleratesTaint({ key: "dedicated", operator: "Exists", effect: "NoExecute" }, dedicated), false);
  assert.equal(tolerationToleratesTaint({ operator: "Exists", effect: "NoExecute" }, unreachable), true);
  assert.equal(tolerationToleratesTaint({ operator: "Exists", effect: "PreferNoSchedule" }, unreachable), false);
});

test("a list tolerates a taint when any of its tolerations does; none tolerates nothing", () => {
  const tolerations: Toleration[] = [{ key: "a", operator: "Exists" }, { key: "dedicated", value: "gpu" }];
  assert.equal(tolerationsTolerateTaint(tolerations, dedicated), true);
  assert.equal(tolerationsTolerateTaint(tolerations, unreachable), false);
  assert.equal(tolerationsTolerateTaint(undefined, dedicated), false);
  assert.equal(tolerationsTolerateTaint([], dedicated), false);
});

test("findUntoleratedTaint returns the first taint the filter admits and nothing tolerates", () => {
  const prefer: Taint = { key: "soft", effect: "PreferNoSchedule" };
  const taints = [prefer, dedicated, unreachable];
  const hard = (t: Taint) => t.effect === "NoSchedule" || t.effect === "NoExecute";
  assert.deepEqual(findUntoleratedTaint(taints, [], hard), dedicated);
  assert.deepEqual(findUntoleratedTaint(taints, []), prefer, "without a filter every taint counts");
  assert.deepEqual(findUntoleratedTaint(taints, [{ key: "dedicated", operator: "Exists" }], hard), unreachable);
  assert.equal(findUntoleratedTaint(taints, [{ operator: "Exists" }], hard), undefined);
  assert.equal(findUntoleratedTaint(undefined, [], hard), undefined);
});

test("formatTaint prints key=value:Effect as kubectl does", () => {
  assert.equal(formatTaint(dedicated), "dedicated=gpu:NoSchedule");
  assert.equal(formatTaint(unreachable), "node.kubernetes.io/unreachable:NoExecute");
});
