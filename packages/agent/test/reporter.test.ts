import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusReporter, type ReportBatch } from "../src/reporter.js";

const pod = { uid: "u1", name: "p", namespace: "default" };

test("only changed statuses are sent, and a new session gets them all again", async () => {
  const r = new StatusReporter({ intervalMs: 60_000 });
  const sent: ReportBatch[] = [];
  r.attach(async (b) => void sent.push(b));
  r.reportStatus(pod, { phase: "Pending" }, false);
  r.reportEvent(pod, { type: "Normal", reason: "Started", message: "Started container c", fieldPath: "spec.containers{c}" });
  await r.flush();
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.updates[0]?.statusJson, '{"phase":"Pending"}');
  assert.equal(sent[0]?.events[0]?.reason, "Started");

  r.reportStatus(pod, { phase: "Pending" }, false);
  await r.flush();
  assert.equal(sent.length, 1, "an unchanged status is not sent again");

  r.detach();
  r.attach(async (b) => void sent.push(b));
  await r.flush();
  assert.equal(sent.length, 2);
  assert.equal(sent[1]?.updates[0]?.uid, "u1");
  r.stop();
});

test("a failed send is retried, keeping the newest status", async () => {
  const r = new StatusReporter({ intervalMs: 60_000 });
  let fail = true;
  const sent: ReportBatch[] = [];
  r.attach(async (b) => {
    if (fail) throw new Error("master unavailable");
    sent.push(b);
  });
  r.reportStatus(pod, { phase: "Pending" }, false);
  await r.flush();
  fail = false;
  r.reportStatus(pod, { phase: "Running" }, false);
  await new Promise((res) => setTimeout(res, 400));
  await r.flush();
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.updates.length, 1);
  assert.equal(sent[0]?.updates[0]?.statusJson, '{"phase":"Running"}');
  r.stop();
});
