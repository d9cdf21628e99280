import { test } from "node:test";
import assert from "node:assert/strict";
import {
  canonicalJson,
  controllerRefOf,
  equalIgnoreHash,
  isControlledBy,
  podTemplateHashLabel,
  revisionAnnotation,
  revisionOf,
  templateWithoutHash,
  type PodTemplateSpec,
  type ReplicaSet,
} from "../src/index.js";

function template(name: string, nodeName: string, annotations: Record<string, string>, labels: Record<string, string>): PodTemplateSpec {
  return { metadata: { name, annotations, labels }, spec: { nodeName, containers: [] } };
}

// k8s TestEqualIgnoreHash, each case in both orders
test("EqualIgnoreHash ignores only the pod-template-hash label", () => {
  const h = podTemplateHashLabel;
  const cases: [string, PodTemplateSpec, PodTemplateSpec, boolean][] = [
    ["Same spec, same labels", template("foo", "foo-node", {}, { [h]: "value-1", something: "else" }), template("foo", "foo-node", {}, { [h]: "value-1", something: "else" }), true],
    ["Same spec, only pod-template-hash label value is different", template("foo", "foo-node", {}, { [h]: "value-1", something: "else" }), template("foo", "foo-node", {}, { [h]: "value-2", something: "else" }), true],
    ["Same spec, the former doesn't have pod-template-hash label", template("foo", "foo-node", {}, { something: "else" }), template("foo", "foo-node", {}, { [h]: "value-2", something: "else" }), true],
    ["Same spec, the label is different, the former doesn't have pod-template-hash label, same number of labels", template("foo", "foo-node", {}, { something: "else" }), template("foo", "foo-node", {}, { [h]: "value-2" }), false],
    ["Same spec, the label is different, the latter doesn't have pod-template-hash label, same number of labels", template("foo", "foo-node", {}, { [h]: "value-1" }), template("foo", "foo-node", {}, { something: "else" }), false],
    ["Same spec, the label is different, and the pod-template-hash label value is the same", template("foo", "foo-node", {}, { [h]: "value-1" }), template("foo", "foo-node", {}, { [h]: "value-1", something: "else" }), false],
    ["Different spec, same labels", template("foo", "foo-node", { former: "value" }, { [h]: "value-1", something: "else" }), template("foo", "foo-node", { latter: "value" }, { [h]: "value-1", something: "else" }), false],
    ["Different spec, different pod-template-hash label value", template("foo-1", "foo-node", {}, { [h]: "value-1", something: "else" }), template("foo-2", "foo-node", {}, { [h]: "value-2", something: "else" }), false],
    ["Different spec, the former doesn't have pod-template-hash label", template("foo-1", "foo-node-1", {}, { something: "else" }), template("foo-2", "foo-node-2", {}, { [h]: "value-2", something: "else" }), false],
    ["Different spec, different labels", template("foo", "foo-node-1", {}, { something: "else" }), template("foo", "foo-node-2", {}, { nothing: "else" }), false],
  ];
  for (const [name, a, b, want] of cases) {
    const before = structuredClone([a, b]);
    assert.equal(equalIgnoreHash(a, b), want, name);
    assert.equal(equalIgnoreHash(b, a), want, `${name} (reverse order)`);
    assert.deepEqual([a, b], before, `${name}: inputs untouched`);
  }
});

test("revisionOf reads the revision annotation: 0 without one, undefined when it is not a number", () => {
  const rs = (annotations?: Record<string, string>): ReplicaSet => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "r", ...(annotations ? { annotations } : {}) },
    spec: { selector: {} },
  });
  assert.equal(revisionOf(rs({ [revisionAnnotation]: "7" })), 7);
  assert.equal(revisionOf(rs()), 0);
  assert.equal(revisionOf(rs({ [revisionAnnotation]: "seven" })), undefined);
});

test("templateWithoutHash drops the label, and the labels when it was the only one, without touching its input", () => {
  const t: PodTemplateSpec = { metadata: { labels: { [podTemplateHashLabel]: "abc" } }, spec: { containers: [] } };
  assert.deepEqual(templateWithoutHash(t), { metadata: {}, spec: { containers: [] } });
  assert.deepEqual(t.metadata?.labels, { [podTemplateHashLabel]: "abc" });
  const other: PodTemplateSpec = { metadata: { labels: { app: "x", [podTemplateHashLabel]: "abc" } }, spec: { containers: [] } };
  assert.deepEqual(templateWithoutHash(other).metadata?.labels, { app: "x" });
});

test("controllerRefOf and isControlledBy look only at the reference marked controller", () => {
  const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "r", uid: "u1" } };
  const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "r", uid: "u1" };
  const pod = (controller: boolean) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", ownerReferences: [{ ...ref, controller }] } });
  assert.equal(controllerRefOf(pod(false)), undefined);
  assert.equal(isControlledBy(pod(false), owner), false);
  assert.deepEqual(controllerRefOf(pod(true)), { ...ref, controller: true });
  assert.equal(isControlledBy(pod(true), owner), true);
  assert.equal(isControlledBy(pod(true), { ...owner, metadata: { name: "r", uid: "u2" } }), false);
});

test("canonicalJson sorts keys at every depth and leaves out undefined members", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined, x: null }], c: "s" } }), '{"a":{"c":"s","d":[{"x":null,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
});
