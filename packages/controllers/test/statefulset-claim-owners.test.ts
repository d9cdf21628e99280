// The claims of a StatefulSet's pods and the owners its retention policy gives
// them, decided without an apiserver (claims.ts): the four policies in and beyond
// the replicas, references of an earlier set or pod left alone, another
// controller's claim freed of this set's references, and the stale claim that
// keeps a pod from being created.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OwnerReference, PersistentVolumeClaim, PersistentVolumeClaimRetentionPolicyType, Pod, StatefulSet } from "@bosun/api";
import { claimIsStale, claimOwnerRefs, claimOwnersUpToDate, claimsForOrdinal, retentionPolicyOf } from "../src/statefulset/claims.js";

function set(whenDeleted?: PersistentVolumeClaimRetentionPolicyType, whenScaled?: PersistentVolumeClaimRetentionPolicyType, replicas = 2): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "ns", uid: "set-uid" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } },
      volumeClaimTemplates: [
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: { name: "data", labels: { app: "other", tier: "db" }, annotations: { note: "kept" } },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          status: { phase: "Pending" },
        },
      ],
      ...(whenDeleted || whenScaled ? { persistentVolumeClaimRetentionPolicy: { ...(whenDeleted ? { whenDeleted } : {}), ...(whenScaled ? { whenScaled } : {}) } } : {}),
    },
  };
}

function pod(ordinal: number, uid = `pod-${ordinal}-uid`): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: `web-${ordinal}`, namespace: "ns", uid }, spec: { containers: [] } };
}

function claim(ordinal: number, refs: OwnerReference[] = []): PersistentVolumeClaim {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: `data-web-${ordinal}`, namespace: "ns", ownerReferences: refs }, spec: {} };
}

const setRef: OwnerReference = { apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "set-uid", controller: true, blockOwnerDeletion: true };
const podRef = (ordinal: number, uid = `pod-${ordinal}-uid`): OwnerReference => ({
  apiVersion: "v1",
  kind: "Pod",
  name: `web-${ordinal}`,
  uid,
  controller: true,
  blockOwnerDeletion: true,
});

test("the claims of an ordinal: named <template>-<set>-<ordinal>, the selector's labels over the template's, no status", () => {
  assert.deepEqual(claimsForOrdinal(set(), 3), [
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data-web-3", namespace: "ns", labels: { app: "web", tier: "db" }, annotations: { note: "kept" } },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
  ]);
  assert.deepEqual(retentionPolicyOf(set()), { whenDeleted: "Retain", whenScaled: "Retain" });
});

test("the owners each policy gives a claim, in the replicas (web-1) and scaled away (web-2)", () => {
  const cases: [PersistentVolumeClaimRetentionPolicyType, PersistentVolumeClaimRetentionPolicyType, OwnerReference[], OwnerReference[]][] = [
    ["Retain", "Retain", [], []],
    ["Delete", "Retain", [setRef], [setRef]],
    ["Retain", "Delete", [], [podRef(2)]],
    ["Delete", "Delete", [setRef], [podRef(2)]],
  ];
  for (const [whenDeleted, whenScaled, inRange, scaledAway] of cases) {
    const s = set(whenDeleted, whenScaled);
    const what = `${whenDeleted}/${whenScaled}`;
    for (const [ordinal, wanted] of [
      [1, inRange],
      [2, scaledAway],
    ] as const) {
      const owners = { set: s, pod: pod(ordinal) };
      const fresh = claim(ordinal);
      assert.equal(claimOwnersUpToDate(fresh, owners), wanted.length === 0, `${what} web-${ordinal}: a claim without owners`);
      const refs = claimOwnerRefs(fresh, owners);
      assert.deepEqual(refs, wanted, `${what} web-${ordinal}`);
      assert.ok(claimOwnersUpToDate(claim(ordinal, refs), owners), `${what} web-${ordinal}: written once, up to date`);
    }
  }
});

test("a policy change moves the owners: back to Retain/Retain drops them, other owners stay", () => {
  const other: OwnerReference = { apiVersion: "example.com/v1", kind: "Backup", name: "b", uid: "b-uid" };
  const owned = claim(2, [other, podRef(2), setRef]);
  const owners = { set: set("Retain", "Retain"), pod: pod(2) };
  assert.equal(claimOwnersUpToDate(owned, owners), false);
  assert.deepEqual(claimOwnerRefs(owned, owners), [other]);
  // A reference to the set that is not a controller's is put right.
  const plain = claim(1, [{ ...setRef, controller: false }]);
  const deleting = { set: set("Delete", "Retain"), pod: pod(1) };
  assert.equal(claimOwnersUpToDate(plain, deleting), false);
  assert.deepEqual(claimOwnerRefs(plain, deleting), [setRef]);
});

test("an earlier set or pod of these names, or another controller, keeps the claim from being taken", () => {
  const owners = { set: set("Delete", "Delete"), pod: pod(2) };
  // An earlier web-2 owns it: the garbage collector is to delete it, not this set to take it.
  assert.equal(claimOwnersUpToDate(claim(2, [podRef(2, "earlier-uid")]), owners), true);
  assert.equal(claimOwnersUpToDate(claim(1, [{ ...setRef, uid: "earlier-set" }]), { set: set("Delete", "Delete"), pod: pod(1) }), true);
  // Another controller holds it: this set's references come off, none go on.
  const foreign: OwnerReference = { apiVersion: "example.com/v1", kind: "Operator", name: "op", uid: "op-uid", controller: true };
  assert.equal(claimOwnersUpToDate(claim(2, [foreign]), owners), true);
  const shared = claim(2, [foreign, podRef(2)]);
  assert.equal(claimOwnersUpToDate(shared, owners), false);
  assert.deepEqual(claimOwnerRefs(shared, owners), [foreign]);
});

test("a claim still owned by an earlier pod of the name is stale under whenScaled Delete only", () => {
  const unborn: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "ns" }, spec: { containers: [] } };
  const earlier = claim(1, [podRef(1, "earlier-uid")]);
  assert.equal(claimIsStale(set("Retain", "Delete"), unborn, earlier), true);
  assert.equal(claimIsStale(set("Retain", "Retain"), unborn, earlier), false);
  assert.equal(claimIsStale(set("Retain", "Delete"), unborn, claim(1)), false);
  assert.equal(claimIsStale(set("Retain", "Delete"), unborn, undefined), false);
});
