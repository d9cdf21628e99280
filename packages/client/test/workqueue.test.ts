import { test } from "node:test";
import assert from "node:assert/strict";
import { WorkQueue } from "../src/workqueue.js";

test("a key added twice before processing is handed out once", async () => {
  const q = new WorkQueue<string>();
  q.add("a");
  q.add("a");
  q.add("b");
  assert.equal(q.len, 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
});

test("a key added while processing is handed out again only after done", async () => {
  const q = new WorkQueue<string>();
  q.add("a");
  const first = await q.get();
  q.add("a");
  assert.equal(q.len, 0, "must not queue a key that a worker holds");
  q.done(first!);
  assert.equal(q.len, 1);
  assert.equal(await q.get(), "a");
});

test("get waits for an add and shutDown releases waiters", async () => {
  const q = new WorkQueue<string>();
  const waiting = q.get();
  q.add("x");
  assert.equal(await waiting, "x");
  const released = q.get();
  q.shutDown();
  assert.equal(await released, undefined);
});

test("addRateLimited doubles the delay per failure and forget resets it", async () => {
  const q = new WorkQueue<string>({ baseDelayMs: 20, maxDelayMs: 1000 });
  const start = Date.now();
  q.addRateLimited("k"); // 20 ms
  assert.equal(await q.get(), "k");
  q.done("k");
  q.addRateLimited("k"); // 40 ms
  assert.equal(await q.get(), "k");
  const elapsed = Date.now() - start;
  assert.ok(elapsed >= 55, `two failures should wait about 60 ms in all, waited ${elapsed}`);
  q.done("k");
  q.forget("k");
  const again = Date.now();
  q.addRateLimited("k");
  assert.equal(await q.get(), "k");
  assert.ok(Date.now() - again < 40, "forget must reset the backoff");
  q.shutDown();
});

test("a key added after a delay waits for the clock, even when its timer fires early", (t) => {
  // Timers alone are mocked: a tick fires them while the real clock has not moved, as
  // a timer set late in a long event-loop turn fires early.
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const q = new WorkQueue<string>();
  q.addAfter("late", 60_000);
  t.mock.timers.tick(60_000);
  assert.equal(q.len, 0, "not added before the clock reaches the time");
  q.addAfter("now", 0);
  assert.equal(q.len, 1);
  q.shutDown();
});

test("with an order, keys that come before are handed out first, equal ones in the order they came", async () => {
  const priority: Record<string, number> = { low: 0, "low-2": 0, high: 100, mid: 10, "mid-2": 10 };
  const q = new WorkQueue<string>({ before: (a, b) => priority[a]! > priority[b]! });
  for (const key of ["low", "mid", "low-2", "high", "mid-2"]) q.add(key);
  const order: string[] = [];
  for (let i = 0; i < 5; i++) order.push((await q.get())!);
  assert.deepEqual(order, ["high", "mid", "mid-2", "low", "low-2"]);
});
