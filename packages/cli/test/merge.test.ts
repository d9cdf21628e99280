import { test } from "node:test";
import assert from "node:assert/strict";
import { isSubset, mergeOver } from "../src/merge.js";

const live = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "7", labels: { app: "web" } },
  spec: {
    nodeName: "node-1",
    restartPolicy: "Always",
    containers: [{ name: "c", image: "busybox:1", imagePullPolicy: "IfNotPresent", env: [{ name: "A", value: "1" }] }],
  },
  status: { phase: "Running" },
};

test("a manifest whose fields all match the live object is unchanged", () => {
  const manifest = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "busybox:1", env: [{ name: "A", value: "1" }] }] },
  };
  assert.equal(isSubset(manifest, live), true);
  assert.equal(isSubset({ ...manifest, metadata: { ...manifest.metadata, labels: { app: "api" } } }, live), false);
  assert.equal(isSubset({ spec: { containers: [] } }, live), false);
  assert.equal(isSubset({ a: 2 }, { a: "2" }), true);
});

test("merging keeps server-set fields and matches named list items by name", () => {
  const merged = mergeOver(live, {
    metadata: { name: "web", labels: { app: "web", tier: "front" } },
    spec: { containers: [{ name: "c", image: "busybox:2" }] },
  }) as typeof live;
  assert.equal(merged.metadata.uid, "u1");
  assert.deepEqual(merged.metadata.labels, { app: "web", tier: "front" });
  assert.equal(merged.spec.nodeName, "node-1");
  assert.deepEqual(merged.spec.containers, [
    { name: "c", image: "busybox:2", imagePullPolicy: "IfNotPresent", env: [{ name: "A", value: "1" }] },
  ]);
  assert.equal(live.spec.containers[0]!.image, "busybox:1", "the live object is not modified");
});
