import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, podCidrUpdateMessage, resourceByName, validateObject, type Node, type StatusCause } from "../src/index.js";

const nodes = resourceByName("nodes")!;

function node(spec: Node["spec"]): Node {
  const n: Node = { apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, spec };
  applyDefaults(nodes, n);
  return n;
}

function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

test("podCIDR and podCIDRs default from each other", () => {
  assert.deepEqual(node({ podCIDR: "10.244.1.0/24" }).spec, { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] });
  assert.deepEqual(node({ podCIDRs: ["10.244.1.0/24", "fd00::/64"] }).spec, {
    podCIDR: "10.244.1.0/24",
    podCIDRs: ["10.244.1.0/24", "fd00::/64"],
  });
  assert.deepEqual(node({}).spec, {});
});

test("pod CIDRs must be valid ranges, one per family, podCIDR the first", () => {
  assert.deepEqual(validateObject(nodes, node({ podCIDR: "10.244.1.0/24" })), []);
  assert.deepEqual(validateObject(nodes, node({ podCIDRs: ["10.244.1.0/24", "fd00:1::/64"] })), []);
  assert.deepEqual(fields(validateObject(nodes, node({ podCIDR: "10.244.1.0" }))), [
    'spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]);
  assert.deepEqual(fields(validateObject(nodes, node({ podCIDR: "10.244.1.9/24" }))), [
    'spec.podCIDRs[0]: Invalid value: "10.244.1.9/24": must be the first address of its range, "10.244.1.0/24"',
  ]);
  assert.deepEqual(fields(validateObject(nodes, node({ podCIDRs: ["10.244.1.0/24", "10.244.2.0/24"] }))), [
    'spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.2.0/24"]: may specify no more than one CIDR for each IP family',
  ]);
  assert.deepEqual(fields(validateObject(nodes, node({ podCIDR: "10.244.2.0/24", podCIDRs: ["10.244.1.0/24"] }))), [
    'spec.podCIDR: Invalid value: "10.244.2.0/24": must match the first entry of spec.podCIDRs, "10.244.1.0/24"',
  ]);
});

test("a node's pod CIDR may be set once, never changed or removed", () => {
  const none = node({});
  const set = node({ podCIDR: "10.244.1.0/24" });
  assert.deepEqual(validateObject(nodes, set, none), [], 'from "" to valid is allowed');
  assert.deepEqual(validateObject(nodes, node({ podCIDR: "10.244.1.0/24", unschedulable: true }), set), []);
  const forbidden = [`spec.podCIDRs: Forbidden: ${podCidrUpdateMessage}`];
  assert.deepEqual(fields(validateObject(nodes, node({ podCIDR: "10.244.2.0/24" }), set)), forbidden);
  assert.deepEqual(fields(validateObject(nodes, node({}), set)), forbidden);
  assert.deepEqual(fields(validateObject(nodes, node({ podCIDRs: ["10.244.1.0/24", "fd00::/64"] }), set)), forbidden);
});
