import { test } from "node:test";
import assert from "node:assert/strict";
import { labelSelectorFromMatch, mustResource, type Pod, type ReplicaSet } from "@bosun/api";
import { Expectations, watchDependents, type DependentChanges } from "../src/common/index.js";

const replicaSets = mustResource("replicasets");

function rs(name: string, uid: string, matchLabels: Record<string, string>): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "ns", uid },
    spec: { selector: { matchLabels }, template: { metadata: { labels: matchLabels }, spec: { containers: [{ name: "c", image: "i" }] } } },
  };
}

function pod(name: string, rv: string, opts: { owner?: ReplicaSet; labels?: Record<string, string>; deleting?: boolean; kind?: string } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      resourceVersion: rv,
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.deleting ? { deletionTimestamp: "2024-05-01T11:00:00Z" } : {}),
      ...(opts.owner
        ? { ownerReferences: [{ apiVersion: "apps/v1", kind: opts.kind ?? "ReplicaSet", name: opts.owner.metadata.name!, uid: opts.owner.metadata.uid!, controller: true }] }
        : {}),
    },
    spec: { containers: [{ name: "c", image: "i" }] },
  };
}

/** The handlers watchDependents registers, called as an informer would. */
class FakeChanges implements DependentChanges<Pod> {
  add: (obj: Pod) => void = () => assert.fail("no add handler");
  update: (old: Pod, obj: Pod) => void = () => assert.fail("no update handler");
  delete: (obj: Pod) => void = () => assert.fail("no delete handler");
  onAdd(h: (obj: Pod) => void): void {
    this.add = h;
  }
  onUpdate(h: (old: Pod, obj: Pod) => void): void {
    this.update = h;
  }
  onDelete(h: (obj: Pod) => void): void {
    this.delete = h;
  }
}

function setup(owners: ReplicaSet[]) {
  const changes = new FakeChanges();
  const queued: string[] = [];
  const expectations = new Expectations(() => 0);
  watchDependents(changes, {
    ownerRes: replicaSets,
    owners: { get: (key) => owners.find((o) => `ns/${o.metadata.name}` === key), list: () => owners },
    selectorOf: (o) => labelSelectorFromMatch(o.spec.selector.matchLabels, o.spec.selector.matchExpressions),
    enqueue: (key) => queued.push(key),
    expectations,
  });
  return { changes, queued, expectations };
}

test("a created pod counts as its owner's create and queues only that owner", () => {
  const a = rs("a", "uid-a", { app: "x" });
  const { changes, queued, expectations } = setup([a, rs("b", "uid-b", { app: "x" })]);
  expectations.expect("ns/a", 1, 0);
  changes.add(pod("p", "1", { owner: a, labels: { app: "x" } }));
  assert.deepEqual(queued, ["ns/a"]);
  assert.equal(expectations.satisfied("ns/a"), true);
});

test("a controllerRef to another kind, or to a replaced owner of the same name, is nobody's", () => {
  const a = rs("a", "uid-a", { app: "x" });
  const { changes, queued } = setup([a]);
  changes.add(pod("p", "1", { owner: a, kind: "StatefulSet" }));
  changes.add(pod("q", "1", { owner: rs("a", "uid-old", { app: "x" }) }));
  assert.deepEqual(queued, []);
});

test("an orphan is offered to every owner in its namespace whose selector matches; one without labels to none", () => {
  const { changes, queued } = setup([rs("a", "uid-a", { app: "x" }), rs("b", "uid-b", { app: "x" }), rs("c", "uid-c", { app: "y" })]);
  changes.add(pod("p", "1", { labels: { app: "x" } }));
  assert.deepEqual(queued, ["ns/a", "ns/b"]);
  changes.add(pod("q", "1"));
  assert.deepEqual(queued, ["ns/a", "ns/b"]);
});

test("a deletion counts once: when the deletionTimestamp shows, not again when the pod goes", () => {
  const a = rs("a", "uid-a", { app: "x" });
  const { changes, queued, expectations } = setup([a]);
  expectations.expect("ns/a", 0, 2);
  const live = pod("p", "1", { owner: a });
  const terminating = pod("p", "2", { owner: a, deleting: true });
  changes.update(live, terminating);
  changes.delete(terminating);
  assert.equal(expectations.satisfied("ns/a"), false, "one of the two expected deletions is still to be seen");
  assert.deepEqual(queued, ["ns/a", "ns/a"], "the owner looks again when the pod is gone");
  changes.delete(pod("q", "1", { owner: a }));
  assert.equal(expectations.satisfied("ns/a"), true);
});

test("a pod released by its owner queues the old owner and the owners that may adopt it", () => {
  const a = rs("a", "uid-a", { app: "x" });
  const b = rs("b", "uid-b", { app: "y" });
  const { changes, queued } = setup([a, b]);
  changes.update(pod("p", "1", { owner: a, labels: { app: "x" } }), pod("p", "2", { labels: { app: "y" } }));
  assert.deepEqual(queued, ["ns/a", "ns/b"]);
  changes.update(pod("p", "2", { labels: { app: "y" } }), pod("p", "2", { labels: { app: "y" } }));
  assert.deepEqual(queued, ["ns/a", "ns/b"], "a resync of the same version changes nothing");
});
