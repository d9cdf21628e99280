import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredReplicasAnnotation, maxReplicasAnnotation, revisionAnnotation, revisionHistoryAnnotation, type ReplicaSet } from "@bosun/api";
import { unlimited } from "../src/deployment/defaults.js";
import {
  appendRevisionHistory,
  int32Annotation,
  maxRevision,
  replicaSetsToPrune,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from "../src/deployment/revisions.js";
import { newDeployment, rs } from "./deployment-fixtures.js";

function withRevision(r: ReplicaSet, revision: string): ReplicaSet {
  r.metadata.annotations = { ...(r.metadata.annotations ?? {}), [revisionAnnotation]: revision };
  return r;
}

test("the next revision is one above the highest old one; unparseable revisions are skipped", () => {
  assert.equal(maxRevision([]), 0);
  assert.equal(maxRevision([withRevision(rs("a", 0), "3"), withRevision(rs("b", 0), "7"), rs("c", 0)]), 7);
  assert.equal(maxRevision([withRevision(rs("a", 0), "x"), withRevision(rs("b", 0), "2")]), 2);
});

test("a new ReplicaSet gets the revision, the replicas annotations and the Deployment's other annotations", () => {
  const d = newDeployment("nginx", 3, { maxSurge: 1 });
  d.metadata.annotations = {
    "kubernetes.io/change-cause": "kubectl set image",
    [revisionAnnotation]: "4",
    "kubectl.kubernetes.io/last-applied-configuration": "{}",
  };
  const r = rs("nginx-abc", 0);
  assert.equal(setNewReplicaSetAnnotations(d, r, 5, false, 1), true);
  assert.deepEqual(r.metadata.annotations, {
    "kubernetes.io/change-cause": "kubectl set image",
    [revisionAnnotation]: "5",
    [desiredReplicasAnnotation]: "3",
    [maxReplicasAnnotation]: "4",
  });
  assert.equal(setNewReplicaSetAnnotations(d, r, 5, true, 1), false, "nothing changes the second time");
});

test("an old ReplicaSet reused by a rollback takes the new revision and remembers its old one", () => {
  const d = newDeployment("nginx", 3);
  const r = withRevision(rs("nginx-old", 0), "1");
  assert.equal(setNewReplicaSetAnnotations(d, r, 3, true, 0), true);
  assert.equal(r.metadata.annotations?.[revisionAnnotation], "3");
  assert.equal(r.metadata.annotations?.[revisionHistoryAnnotation], "1");
  setNewReplicaSetAnnotations(d, r, 5, true, 0);
  assert.equal(r.metadata.annotations?.[revisionHistoryAnnotation], "1,3");
  assert.equal(setNewReplicaSetAnnotations(d, r, 4, true, 0), false, "a revision is never lowered");
  assert.equal(r.metadata.annotations?.[revisionAnnotation], "5");
});

// k8s TestAnnotationUtils: revisions 11..20 with a 5-character history limit
test("revision-history drops its oldest entries to stay within the length limit", () => {
  let history = "";
  let current = "";
  for (let i = 10; i < 20; i++) {
    const next = String(i + 1);
    if (current !== "") history = appendRevisionHistory(history, current, 5);
    current = next;
    if (i >= 12) assert.equal(history, `${i - 1},${i}`, `after revision ${next}`);
  }
  assert.equal(appendRevisionHistory("1", "2000", 3), "1", "an entry that can never fit is not added");
});

test("SetReplicasAnnotations and ReplicasAnnotationsNeedUpdate", () => {
  const r = rs("hello", 1);
  assert.equal(replicasAnnotationsNeedUpdate(r, 10, 20), true, "annotations missing");
  assert.equal(setReplicasAnnotations(r, 10, 11), true);
  assert.equal(r.metadata.annotations?.[desiredReplicasAnnotation], "10");
  assert.equal(r.metadata.annotations?.[maxReplicasAnnotation], "11");
  assert.equal(replicasAnnotationsNeedUpdate(r, 10, 11), false);
  assert.equal(replicasAnnotationsNeedUpdate(r, 8, 11), true, "desired changed");
  assert.equal(replicasAnnotationsNeedUpdate(r, 10, 16), true, "max changed");
  assert.equal(setReplicasAnnotations(r, 10, 11), false);
});

// k8s TestGetNonNegativeInt32FromAnnotation
test("replica annotations are non-negative int32s", () => {
  const cases: [string | undefined, number | undefined][] = [
    [undefined, undefined],
    ["invalid", undefined],
    ["-1", undefined],
    ["0", 0],
    ["13", 13],
    ["2147483647", 2147483647],
    ["2147483648", undefined],
    ["4294967296", undefined],
  ];
  for (const [value, want] of cases) {
    const r = rs("x", 1, value === undefined ? {} : { annotations: { test: value } });
    assert.equal(int32Annotation(r, "test"), want, String(value));
  }
});

function withStatus(name: string, spec: number, status: number): ReplicaSet {
  return rs(name, spec, { statusReplicas: status });
}

// k8s TestDeploymentController_cleanupDeployment
test("history cleanup deletes only idle old ReplicaSets beyond revisionHistoryLimit", () => {
  const deleting = withStatus("foo-1", 0, 0);
  deleting.metadata.deletionTimestamp = "2016-05-21T00:00:00Z";
  const cases: [ReplicaSet[], number, number][] = [
    [[withStatus("foo-1", 0, 0), withStatus("foo-2", 0, 0), withStatus("foo-3", 0, 0)], 1, 2],
    [[withStatus("foo-1", 0, 0), withStatus("foo-2", 0, 1), withStatus("foo-3", 1, 0), withStatus("foo-4", 1, 1)], 0, 1],
    [[withStatus("foo-1", 0, 0), withStatus("foo-2", 0, 0)], 0, 2],
    [[withStatus("foo-1", 1, 1), withStatus("foo-2", 1, 1)], 0, 0],
    [[deleting], 0, 0],
    [[withStatus("foo-1", 0, 0), withStatus("foo-2", 0, 0), withStatus("foo-3", 0, 0)], unlimited, 0],
  ];
  cases.forEach(([oldRSs, limit, want], i) => assert.equal(replicaSetsToPrune(oldRSs, limit).length, want, `scenario ${i}`));
});

test("history cleanup removes the lowest revisions first and waits for the ReplicaSet controller to observe them", () => {
  const r3 = withRevision(withStatus("r3", 0, 0), "3");
  const r1 = withRevision(withStatus("r1", 0, 0), "1");
  const r2 = withRevision(withStatus("r2", 0, 0), "2");
  assert.deepEqual(replicaSetsToPrune([r3, r1, r2], 1).map((r) => r.metadata.name), ["r1", "r2"]);
  const unobserved = withRevision(withStatus("r0", 0, 0), "0");
  unobserved.metadata.generation = 2;
  unobserved.status = { replicas: 0, observedGeneration: 1 };
  assert.deepEqual(replicaSetsToPrune([unobserved, r3], 0).map((r) => r.metadata.name), ["r3"]);
});
