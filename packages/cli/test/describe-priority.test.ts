// `bosun describe pod` prints the pod's priority and its class after the namespace,
// as kubectl's describePod does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describePod } from "../src/printers/describe.js";
import { pod } from "../src/testing/workloads.js";

test("Priority and Priority Class Name follow Namespace", () => {
  const p = pod("web");
  p.spec.priority = 1000;
  p.spec.priorityClassName = "high";
  const text = describePod(p, [], Date.parse("2024-05-01T12:00:00Z"));
  assert.match(text, /^Name: +web\nNamespace: +default\nPriority: +1000\nPriority Class Name: +high\nNode: /);
  const plain = pod("plain");
  plain.spec.priority = 0;
  assert.match(describePod(plain, [], 0), /\nPriority: +0\nNode: /, "without a class only the value");
});
