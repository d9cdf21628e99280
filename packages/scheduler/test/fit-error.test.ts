import { test } from "node:test";
import assert from "node:assert/strict";
import { fitErrorMessage } from "../src/framework/fit-error.js";
import { unschedulable, unschedulableAndUnresolvable } from "../src/framework/interface.js";

const memory = unschedulable("Insufficient memory");
// NodeAffinity's verdict: no preemption could help, but it counts in the message alike.
const selector = unschedulableAndUnresolvable("node(s) didn't match Pod's node affinity/selector");

test("the issue's two-node message", () => {
  assert.equal(
    fitErrorMessage(2, [memory, selector]),
    "0/2 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector.",
  );
});

test("reasons are counted per node and sorted as kube-scheduler sorts them (sort.Strings on 'count reason')", () => {
  assert.equal(
    fitErrorMessage(3, [memory, memory, selector]),
    "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient memory.",
  );
  // The string sort puts "10 ..." before "2 ...", as Go's sort.Strings does.
  const many = [...Array(10).fill(memory), selector, selector];
  assert.equal(
    fitErrorMessage(12, many),
    "0/12 nodes are available: 10 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector.",
  );
});

test("a node with several reasons counts towards each", () => {
  assert.equal(
    fitErrorMessage(2, [unschedulable("Insufficient cpu", "Insufficient memory"), unschedulable("Insufficient memory")]),
    "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.",
  );
});

test("no nodes at all", () => {
  assert.equal(fitErrorMessage(0, []), "no nodes available to schedule pods");
});
