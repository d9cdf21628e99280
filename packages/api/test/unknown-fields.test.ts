import assert from "node:assert/strict";
import { test } from "node:test";
import { Type } from "@sinclair/typebox";
import { Deployment, duplicateJsonFields, Pod, Status, unknownFields } from "../src/index.js";

function deployment(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" }, bogus: true },
    spec: {
      replica: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            { name: "a", image: "x" },
            { name: "b", image: "y", imagePolicy: "Always", resources: { limits: { cpu: "1" } }, ports: [{ containerPort: 80, portName: "http" }] },
          ],
        },
      },
    },
  };
}

test("unknown fields are found by path, through objects, lists and maps", () => {
  assert.deepEqual(unknownFields(Deployment, deployment(), false), [
    "metadata.bogus",
    "spec.replica",
    "spec.template.spec.containers[1].imagePolicy",
    "spec.template.spec.containers[1].ports[0].portName",
  ]);
});

test("without prune nothing changes; with prune the unknown fields are gone and the rest stays", () => {
  const kept = deployment();
  unknownFields(Deployment, kept, false);
  assert.deepEqual(kept, deployment());
  const pruned = deployment();
  unknownFields(Deployment, pruned, true);
  assert.deepEqual(unknownFields(Deployment, pruned, false), []);
  const spec = pruned.spec as { replica?: number; template: { spec: { containers: Record<string, unknown>[] } } };
  assert.equal(spec.replica, undefined);
  assert.deepEqual(spec.template.spec.containers[1], {
    name: "b",
    image: "y",
    resources: { limits: { cpu: "1" } },
    ports: [{ containerPort: 80 }],
  });
  assert.deepEqual((pruned.metadata as Record<string, unknown>).labels, { app: "web" });
});

test("a nullable field is walked when it holds an object; values of the wrong type are left to validation", () => {
  const schema = Type.Object({ spec: Type.Union([Type.Object({ a: Type.String() }, { additionalProperties: false }), Type.Null()]) }, { additionalProperties: false });
  assert.deepEqual(unknownFields(schema, { spec: { a: "x", b: 1 } }, false), ["spec.b"]);
  assert.deepEqual(unknownFields(schema, { spec: null }, false), []);
  assert.deepEqual(unknownFields(Pod, { spec: { containers: "not a list" } }, false), []);
});

test("objects that do not refuse unknown fields report none", () => {
  assert.deepEqual(unknownFields(Status, { kind: "Status", extra: 1, details: { whatever: true } }, false), []);
});

test("duplicate JSON keys are found by path, each once", () => {
  const text = '{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"x"},{"name":"y","image":"i","image":"j","image":"k"}],"replicas":1,"replicas":2}}';
  assert.deepEqual(duplicateJsonFields(text), ["metadata.name", "spec.containers[1].image", "spec.replicas"]);
});

test("keys in different objects, and braces, commas and quotes inside strings, are not duplicates", () => {
  const text = JSON.stringify({
    a: { x: 1 },
    b: { x: 2 },
    c: ['{"x":1,"x":2}', "a\\\"b", { x: "}", y: "," }],
    "k\"ey": 1,
  });
  assert.deepEqual(duplicateJsonFields(text), []);
  assert.deepEqual(duplicateJsonFields('{"k\\"ey":1,"k\\u0022ey":2}'), ['k"ey']);
  assert.deepEqual(duplicateJsonFields("[1,2,3]"), []);
  assert.deepEqual(duplicateJsonFields(' { "a" : [ { "b" : 1 , "b" : 2 } ] } '), ["a[0].b"]);
});
