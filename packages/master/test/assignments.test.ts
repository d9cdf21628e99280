import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { AssignmentChange_Action as Action, AssignmentsMessage_Type as Type, type AssignmentsMessage } from "@bosun/proto";
import { AssignmentFeed, AssignmentStream } from "../src/dispatcher/assignments.js";
import { FakePodCache, nextTurn, pod } from "./fakes.js";

function open(cache: FakePodCache, node: string): { messages: AssignmentsMessage[]; stream: AssignmentStream } {
  const feed = new AssignmentFeed(cache, async () => {});
  const messages: AssignmentsMessage[] = [];
  const stream = new AssignmentStream(feed, node, (m) => messages.push(m));
  stream.start();
  return { messages, stream };
}

const names = (m: AssignmentsMessage) => m.changes.map((c) => (JSON.parse(c.podJson) as Pod).metadata.name).sort();

test("the stream starts with a COMPLETE set of exactly the node's pods, sequence 1", () => {
  const cache = new FakePodCache();
  cache.set(pod("a", "n1"));
  cache.set(pod("b", "n2"));
  cache.set(pod("c", undefined));
  cache.set(pod("d", "n1"));
  const { messages } = open(cache, "n1");
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.type, Type.COMPLETE);
  assert.equal(messages[0]!.sequence, 1);
  assert.deepEqual(names(messages[0]!), ["a", "d"]);
  assert.ok(messages[0]!.changes.every((c) => c.action === Action.UPDATE));
});

test("an empty node still gets its COMPLETE set", () => {
  const { messages } = open(new FakePodCache(), "n1");
  assert.deepEqual(messages, [{ type: Type.COMPLETE, sequence: 1, changes: [] }]);
});

test("adds, updates and deletes of the node's pods follow as numbered INCREMENTAL messages", async () => {
  const cache = new FakePodCache();
  const { messages } = open(cache, "n1");

  cache.set(pod("a", "n1"));
  await nextTurn();
  cache.set(pod("a", "n1", { resourceVersion: "2", deletionTimestamp: "2025-01-01T00:00:00Z" }));
  await nextTurn();
  cache.remove(pod("a", "n1"));
  await nextTurn();

  assert.deepEqual(
    messages.map((m) => [m.type, m.sequence, m.changes.map((c) => c.action)]),
    [
      [Type.COMPLETE, 1, []],
      [Type.INCREMENTAL, 2, [Action.UPDATE]],
      [Type.INCREMENTAL, 3, [Action.UPDATE]],
      [Type.INCREMENTAL, 4, [Action.REMOVE]],
    ],
  );
  const deleting = JSON.parse(messages[2]!.changes[0]!.podJson) as Pod;
  assert.equal(deleting.metadata.deletionTimestamp, "2025-01-01T00:00:00Z");
});

test("pods of other nodes and unbound pods never reach the stream; binding one does", async () => {
  const cache = new FakePodCache();
  const { messages } = open(cache, "n1");
  cache.set(pod("x", "n2"));
  cache.set(pod("y", undefined));
  await nextTurn();
  assert.equal(messages.length, 1);
  cache.set(pod("y", "n1", { resourceVersion: "2" }));
  await nextTurn();
  assert.equal(messages.length, 2);
  assert.deepEqual(names(messages[1]!), ["y"]);
});

test("status-only changes are not echoed back to the agent", async () => {
  const cache = new FakePodCache();
  cache.set(pod("a", "n1"));
  const { messages } = open(cache, "n1");
  cache.set({ ...pod("a", "n1", { resourceVersion: "5" }), status: { phase: "Running" } });
  await nextTurn();
  assert.equal(messages.length, 1);
});

test("changes in one turn go out together, the last change of a pod winning", async () => {
  const cache = new FakePodCache();
  const { messages } = open(cache, "n1");
  cache.set(pod("a", "n1"));
  cache.set(pod("b", "n1"));
  cache.set(pod("a", "n1", { resourceVersion: "3", labels: { v: "2" } }));
  await nextTurn();
  assert.equal(messages.length, 2);
  assert.equal(messages[1]!.sequence, 2);
  assert.deepEqual(names(messages[1]!), ["a", "b"]);
  const a = messages[1]!.changes.map((c) => JSON.parse(c.podJson) as Pod).find((p) => p.metadata.name === "a")!;
  assert.deepEqual(a.metadata.labels, { v: "2" });
});

test("a closed stream sends nothing more, and other streams of the node carry on with their own numbering", async () => {
  const cache = new FakePodCache();
  const first = open(cache, "n1");
  cache.set(pod("a", "n1"));
  await nextTurn();
  first.stream.close();
  const second = open(cache, "n1");
  cache.set(pod("b", "n1"));
  await nextTurn();
  assert.equal(first.messages.length, 2);
  assert.deepEqual(
    second.messages.map((m) => [m.type, m.sequence, names(m)]),
    [
      [Type.COMPLETE, 1, ["a"]],
      [Type.INCREMENTAL, 2, ["b"]],
    ],
  );
});
