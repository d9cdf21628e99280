import { test } from "node:test";
import assert from "node:assert/strict";
import { equalIgnoreHash, podTemplateHashLabel, type Pod, type PodTemplateSpec, type ReplicaSet } from "@bosun/api";
import { oldPodsRunning } from "../src/deployment/recreate.js";
import {
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  selectorWithHash,
  templateWithHash,
} from "../src/deployment/replica-sets.js";
import { newDeployment, rs } from "./deployment-fixtures.js";

function withTemplate(r: ReplicaSet, t: PodTemplateSpec, created: string): ReplicaSet {
  return { ...r, metadata: { ...r.metadata, creationTimestamp: created }, spec: { ...r.spec, template: t } };
}

// k8s TestFindNewReplicaSet and TestFindOldReplicaSets
test("the new ReplicaSet is the oldest one with the Deployment's template; all others are old", () => {
  const d = newDeployment("nginx", 1);
  const newRS = withTemplate(rs("new", 0), templateWithHash(d.spec.template, "hash"), "2024-01-01T00:01:00Z");
  const newRSDup = withTemplate(rs("dup", 0), templateWithHash(d.spec.template, "different-hash"), "2024-01-01T00:00:00Z");
  const oldTemplate = structuredClone(d.spec.template);
  oldTemplate.spec.containers[0]!.name = "nginx-old-1";
  const oldRS = withTemplate(rs("old", 1), oldTemplate, "2023-12-31T23:59:00Z");

  assert.equal(findNewReplicaSet(d, [newRS, oldRS])?.metadata.name, "new");
  assert.equal(findNewReplicaSet(d, [newRS, oldRS, newRSDup])?.metadata.name, "dup");
  assert.equal(findNewReplicaSet(d, [oldRS]), undefined);

  assert.deepEqual(findOldReplicaSets(d, [newRS, oldRS]).map((r) => r.metadata.name), ["old"]);
  assert.deepEqual(findOldReplicaSets(d, [oldRS]).map((r) => r.metadata.name), ["old"]);
  assert.deepEqual(findOldReplicaSets(d, [oldRS, newRS, newRSDup]).map((r) => r.metadata.name), ["old", "new"]);
  assert.deepEqual(findOldReplicaSets(d, [newRS]), []);
});

test("the new ReplicaSet's template and selector carry pod-template-hash; the Deployment's stay untouched", () => {
  const d = newDeployment("nginx", 1);
  const before = structuredClone(d.spec);
  const t = templateWithHash(d.spec.template, "abc");
  assert.deepEqual(t.metadata?.labels, { foo: "bar", [podTemplateHashLabel]: "abc" });
  assert.deepEqual(selectorWithHash(d.spec.selector, "abc"), { matchLabels: { foo: "bar", [podTemplateHashLabel]: "abc" } });
  assert.deepEqual(d.spec, before);
  assert.ok(equalIgnoreHash(t, d.spec.template));
});

test("FindActiveOrLatest: the only active ReplicaSet, else the new one, else the newest old one", () => {
  const newer = rs("newer", 0, { created: "2024-01-02T00:00:00Z" });
  const older = rs("older", 0, { created: "2024-01-01T00:00:00Z" });
  assert.equal(findActiveOrLatest(undefined, []), undefined);
  assert.equal(findActiveOrLatest(undefined, [older, newer])?.metadata.name, "newer");
  assert.equal(findActiveOrLatest(rs("new", 0), [older, newer])?.metadata.name, "new");
  assert.equal(findActiveOrLatest(rs("new", 0), [rs("active", 2), newer])?.metadata.name, "active");
  assert.equal(findActiveOrLatest(rs("new", 1), [rs("active", 2)]), undefined, "two active: scale proportionally");
});

function pod(name: string, phase: NonNullable<Pod["status"]>["phase"]): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [] }, status: { phase } };
}

test("Recreate waits while an old ReplicaSet reports pods or an old pod has not finished", () => {
  const newRS = rs("new", 3);
  const oldRS = rs("old", 0);
  assert.equal(oldPodsRunning(newRS, [oldRS], new Map()), false);
  assert.equal(oldPodsRunning(newRS, [rs("old", 0, { statusReplicas: 1 })], new Map()), true);
  assert.equal(oldPodsRunning(newRS, [oldRS], new Map([["uid-old", [pod("a", "Running")]]])), true);
  assert.equal(oldPodsRunning(newRS, [oldRS], new Map([["uid-old", [pod("a", "Pending")]]])), true);
  assert.equal(oldPodsRunning(newRS, [oldRS], new Map([["uid-old", [pod("a", "Succeeded"), pod("b", "Failed")]]])), false);
  assert.equal(oldPodsRunning(newRS, [oldRS], new Map([["uid-new", [pod("n", "Running")]]])), false, "the new ReplicaSet's pods do not count");
  assert.equal(oldPodsRunning(undefined, [oldRS], new Map([["uid-new", [pod("n", "Running")]]])), true, "without a new ReplicaSet every pod is old");
});
