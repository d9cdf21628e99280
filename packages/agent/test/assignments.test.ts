import { test } from "node:test";
import assert from "node:assert/strict";
import { AssignmentChange_Action as A, AssignmentsMessage_Type as T } from "@bosun/proto";
import { AssignmentTracker } from "../src/assignments.js";

const pod = (uid: string) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { uid, name: uid }, spec: { containers: [] } });

test("a complete set, then numbered increments, are accepted in order", () => {
  const t = new AssignmentTracker();
  const c = t.accept({ type: T.COMPLETE, sequence: 1, changes: [{ action: A.UPDATE, podJson: pod("a") }] });
  assert.equal(c.kind, "complete");
  assert.deepEqual(c.kind === "complete" && c.pods.map((p) => p.metadata.uid), ["a"]);
  const i = t.accept({
    type: T.INCREMENTAL,
    sequence: 2,
    changes: [
      { action: A.UPDATE, podJson: pod("b") },
      { action: A.REMOVE, podJson: pod("a") },
    ],
  });
  assert.deepEqual(
    i.kind === "incremental" && i.changes.map((ch) => (ch.action === "update" ? `+${ch.pod.metadata.uid}` : `-${ch.uid}`)),
    ["+b", "-a"],
  );
  assert.equal(t.accept({ type: T.INCREMENTAL, sequence: 3, changes: [] }).kind, "incremental");
});

test("a skipped number, or an increment before the complete set, is a gap", () => {
  const t = new AssignmentTracker();
  assert.equal(t.accept({ type: T.INCREMENTAL, sequence: 1, changes: [] }).kind, "gap");
  t.accept({ type: T.COMPLETE, sequence: 1, changes: [] });
  const gap = t.accept({ type: T.INCREMENTAL, sequence: 3, changes: [] });
  assert.equal(gap.kind, "gap");
  assert.match(gap.kind === "gap" ? gap.reason : "", /expected assignments message 2, got 3/);
  // Only a new complete set repairs it.
  assert.equal(t.accept({ type: T.INCREMENTAL, sequence: 4, changes: [] }).kind, "gap");
  assert.equal(t.accept({ type: T.COMPLETE, sequence: 1, changes: [] }).kind, "complete");
  assert.equal(t.accept({ type: T.INCREMENTAL, sequence: 2, changes: [] }).kind, "incremental");
});
