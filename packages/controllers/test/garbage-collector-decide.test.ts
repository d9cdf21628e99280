import { test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type KubeObject, type OwnerReference } from "@bosun/api";
import { collectedResources } from "../src/garbage-collector/collected-resources.js";
import { classifyOwners, decideDependentAction, type OwnerState } from "../src/garbage-collector/decide.js";
import { OwnerGraph } from "../src/garbage-collector/graph.js";

function ref(uid: string, block = true): OwnerReference {
  return { apiVersion: "apps/v1", kind: "ReplicaSet", name: `rs-${uid}`, uid, controller: false, blockOwnerDeletion: block };
}

function obj(uid: string, refs: OwnerReference[] = [], extra: { finalizers?: string[]; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: uid,
      namespace: "default",
      uid,
      ...(refs.length > 0 ? { ownerReferences: refs } : {}),
      ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
      ...(extra.deleting ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}),
    },
  };
}

const present = (o: KubeObject): OwnerState => ({ kind: "present", object: o });
const absent: OwnerState = { kind: "absent" };
const foregroundOwner = present(obj("owner", [], { finalizers: ["foregroundDeletion"], deleting: true }));

function decide(dependent: KubeObject, states: OwnerState[], dependents: KubeObject[] = []) {
  const refs = dependent.metadata.ownerReferences ?? [];
  return decideDependentAction(dependent, classifyOwners(refs, states), dependents);
}

test("an object whose owners all exist is kept", () => {
  assert.deepEqual(decide(obj("p", [ref("a")]), [present(obj("a"))]), { kind: "keep" });
});

test("an object without owners is never collected", () => {
  assert.deepEqual(decide(obj("p"), []), { kind: "keep" });
});

test("an object whose only owner is gone is deleted in the background", () => {
  assert.deepEqual(decide(obj("p", [ref("a")]), [absent]), { kind: "delete", policy: "Background", unblockOwners: false });
});

test("an object with several owners loses only the references to the gone ones", () => {
  const p = obj("p", [ref("a"), ref("b"), ref("c")]);
  assert.deepEqual(decide(p, [absent, present(obj("b")), foregroundOwner]), { kind: "removeOwnerReferences", uids: ["a", "c"] });
  assert.deepEqual(decide(p, [absent, absent, absent]), { kind: "delete", policy: "Background", unblockOwners: false });
});

test("an owner of an unknown kind cannot be proved gone, so it keeps the object", () => {
  assert.deepEqual(decide(obj("p", [ref("a")]), [{ kind: "unverifiable" }]), { kind: "keep" });
});

test("a dependent of a foreground deletion that has dependents itself is deleted in the foreground", () => {
  const rs = obj("rs", [ref("deploy")]);
  assert.deepEqual(decide(rs, [foregroundOwner], [obj("pod", [ref("rs")])]), { kind: "delete", policy: "Foreground", unblockOwners: false });
  // A leaf dependent has nothing to wait for.
  assert.deepEqual(decide(rs, [foregroundOwner]), { kind: "delete", policy: "Background", unblockOwners: false });
  // When one of its own dependents is deleting in the foreground too, it stops blocking its owners so a cycle cannot stall.
  const cycling = obj("pod", [ref("rs")], { finalizers: ["foregroundDeletion"], deleting: true });
  assert.deepEqual(decide(rs, [foregroundOwner], [cycling]), { kind: "delete", policy: "Foreground", unblockOwners: true });
});

test("an orphaned dependent follows the policy its own finalizers ask for", () => {
  assert.equal((decide(obj("p", [ref("a")], { finalizers: ["orphan"] }), [absent]) as { policy: string }).policy, "Orphan");
  assert.equal((decide(obj("p", [ref("a")], { finalizers: ["foregroundDeletion"] }), [absent]) as { policy: string }).policy, "Foreground");
});

test("the graph indexes dependents by owner uid and follows changed references", () => {
  const graph = new OwnerGraph();
  const pods = mustResource("pods");
  graph.upsert(pods, obj("p1", [ref("a")]));
  graph.upsert(pods, obj("p2", [ref("a"), ref("b")]));
  assert.deepEqual(graph.dependents("a").map((n) => n.object.metadata.uid).sort(), ["p1", "p2"]);
  graph.upsert(pods, obj("p2", [ref("b")]));
  assert.deepEqual(graph.dependents("a").map((n) => n.object.metadata.uid), ["p1"]);
  graph.remove(obj("p1"));
  assert.deepEqual(graph.dependents("a"), []);
  assert.deepEqual(graph.dependents("b").map((n) => n.object.metadata.uid), ["p2"]);
  assert.equal(graph.get("p1"), undefined);
});

test("the collector watches every namespaced workload kind from the resource table, not events", () => {
  const names = collectedResources().map((r) => r.resource);
  for (const r of ["pods", "replicasets", "deployments", "daemonsets", "statefulsets", "jobs", "cronjobs"]) assert.ok(names.includes(r), r);
  assert.ok(!names.includes("events"));
  assert.ok(!names.includes("nodes"));
});
