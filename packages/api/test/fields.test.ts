import assert from "node:assert/strict";
import { test } from "node:test";
import {
  matchesFields,
  parseFieldSelector,
  SelectorError,
  supportedFieldSelectors,
  validateFieldSelector,
  type KubeObject,
  type Node,
  type Pod,
} from "../src/index.js";

const scheduled: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default" },
  spec: { containers: [{ name: "a", image: "x" }], nodeName: "node-1" },
  status: { phase: "Running" },
};
const pending: Pod = { ...scheduled, metadata: { name: "db", namespace: "prod" }, spec: { containers: [] }, status: { phase: "Pending" } };

test("equality and inequality, comma is AND", () => {
  assert.equal(matchesFields(parseFieldSelector("spec.nodeName=node-1"), scheduled), true);
  assert.equal(matchesFields(parseFieldSelector("spec.nodeName==node-2"), scheduled), false);
  assert.equal(matchesFields(parseFieldSelector("spec.nodeName="), pending), true, "an absent field is the empty string");
  assert.equal(matchesFields(parseFieldSelector("spec.nodeName!="), scheduled), true);
  assert.equal(matchesFields(parseFieldSelector("status.phase!=Failed,metadata.namespace=default"), scheduled), true);
  assert.equal(matchesFields(parseFieldSelector("status.phase!=Failed,metadata.namespace=default"), pending), false);
  assert.equal(matchesFields(parseFieldSelector("metadata.name=db"), pending), true);
  assert.equal(matchesFields(parseFieldSelector(""), pending), true);
  const node: Node = { apiVersion: "v1", kind: "Node", metadata: { name: "n" }, spec: { unschedulable: true } };
  assert.equal(matchesFields(parseFieldSelector("spec.unschedulable=true"), node), true);
  assert.equal(matchesFields(parseFieldSelector("metadata.namespace="), node as KubeObject), true);
});

test("escapes and malformed selectors", () => {
  assert.deepEqual(parseFieldSelector("metadata.name=a\\,b\\=c").requirements, [
    { field: "metadata.name", operator: "=", value: "a,b=c" },
  ]);
  assert.throws(() => parseFieldSelector("metadata.name"), (e: unknown) => e instanceof SelectorError && /can't understand "metadata.name"/.test(e.message));
  assert.throws(() => parseFieldSelector("=x"), /names no field/);
  assert.throws(() => parseFieldSelector("a=\\q"), /invalid escape sequence/);
});

test("supported fields per kind, with Kubernetes' message for others", () => {
  assert.deepEqual(supportedFieldSelectors("Namespace"), ["metadata.name", "metadata.namespace"]);
  assert.ok(supportedFieldSelectors("Pod").includes("spec.nodeName"));
  assert.ok(supportedFieldSelectors("Event").includes("involvedObject.uid"));
  assert.ok(supportedFieldSelectors("Node").includes("spec.unschedulable"));
  assert.equal(validateFieldSelector("Pod", parseFieldSelector("status.phase=Running")), undefined);
  assert.equal(validateFieldSelector("Pod", parseFieldSelector("metadata.name=a,foo=b")), "field label not supported: foo");
  assert.equal(validateFieldSelector("Node", parseFieldSelector("status.phase=x")), "field label not supported: status.phase");
});
