import { test } from "node:test";
import assert from "node:assert/strict";
import { labelSelectorFromMatch, type KubeObject, type OwnerReference } from "@bosun/api";
import { planClaim } from "../src/common/claim.js";

const owner: KubeObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web", namespace: "default", uid: "rs-uid" } };
const selector = labelSelectorFromMatch({ app: "web" });

function obj(name: string, labels: Record<string, string>, extra: { refs?: OwnerReference[]; deleting?: boolean; namespace?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: extra.namespace ?? "default",
      uid: `uid-${name}`,
      labels,
      ...(extra.refs ? { ownerReferences: extra.refs } : {}),
      ...(extra.deleting ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}),
    },
  };
}

const ours: OwnerReference = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs-uid", controller: true, blockOwnerDeletion: true };
const theirs: OwnerReference = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "other", uid: "other-uid", controller: true };
const names = (list: KubeObject[]) => list.map((o) => o.metadata.name);

test("keeps matching owned objects, adopts matching orphans, releases owned objects that no longer match", () => {
  const plan = planClaim(owner, selector, [
    obj("owned", { app: "web" }, { refs: [ours] }),
    obj("orphan", { app: "web", extra: "x" }),
    obj("relabelled", { app: "db" }, { refs: [ours] }),
    obj("stranger", { app: "db" }),
  ]);
  assert.deepEqual(names(plan.owned), ["owned"]);
  assert.deepEqual(names(plan.adopt), ["orphan"]);
  assert.deepEqual(names(plan.release), ["relabelled"]);
});

test("never touches what another controller owns, even when it matches", () => {
  const plan = planClaim(owner, selector, [obj("taken", { app: "web" }, { refs: [theirs] })]);
  assert.deepEqual(plan, { owned: [], adopt: [], release: [] });
});

test("an orphan with only non-controller owners can still be adopted", () => {
  const plain: OwnerReference = { apiVersion: "v1", kind: "ConfigMap", name: "cfg", uid: "cm-uid" };
  const plan = planClaim(owner, selector, [obj("shared", { app: "web" }, { refs: [plain] })]);
  assert.deepEqual(names(plan.adopt), ["shared"]);
});

test("orphans being deleted or in another namespace are not adopted", () => {
  const plan = planClaim(owner, selector, [
    obj("dying", { app: "web" }, { deleting: true }),
    obj("elsewhere", { app: "web" }, { namespace: "other" }),
  ]);
  assert.deepEqual(plan.adopt, []);
});

test("an owner being deleted neither adopts nor releases, but keeps what it owns", () => {
  const deleting: KubeObject = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: "2025-01-01T00:00:00Z" } };
  const plan = planClaim(deleting, selector, [
    obj("owned", { app: "web" }, { refs: [ours] }),
    obj("orphan", { app: "web" }),
    obj("relabelled", { app: "db" }, { refs: [ours] }),
  ]);
  assert.deepEqual(names(plan.owned), ["owned"]);
  assert.deepEqual(plan.adopt, []);
  assert.deepEqual(plan.release, []);
});
