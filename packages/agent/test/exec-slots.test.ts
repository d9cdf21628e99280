// The node's exec slots: a bounded number in flight, the rest served in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ExecSlotWaitAborted, ExecSlots } from "../src/exec/exec-slots.js";

/** Lets the promise callbacks that are ready run. */
const settle = () => new Promise((r) => setImmediate(r));

test("at most `size` slots are out; the rest are granted in the order asked, one per release", async () => {
  const slots = new ExecSlots(2);
  const a = await slots.acquire();
  const b = await slots.acquire();
  const granted: string[] = [];
  const c = slots.acquire().then((r) => (granted.push("c"), r));
  const d = slots.acquire().then((r) => (granted.push("d"), r));
  await settle();
  assert.deepEqual(granted, []);
  assert.deepEqual(slots.stats(), { inFlight: 2, waiting: 2 });

  a();
  await settle();
  assert.deepEqual(granted, ["c"]);
  // A release given twice frees one slot only.
  a();
  await settle();
  assert.deepEqual(granted, ["c"]);
  b();
  await settle();
  assert.deepEqual(granted, ["c", "d"]);
  assert.deepEqual(slots.stats(), { inFlight: 2, waiting: 0 });

  (await c)();
  (await d)();
  assert.deepEqual(slots.stats(), { inFlight: 0, waiting: 0 });
});

test("a newcomer does not take a slot that a waiter is owed", async () => {
  const slots = new ExecSlots(1);
  const first = await slots.acquire();
  const order: string[] = [];
  const waiter = slots.acquire().then((r) => (order.push("waiter"), r));
  first();
  const newcomer = slots.acquire().then((r) => (order.push("newcomer"), r));
  (await waiter)();
  (await newcomer)();
  assert.deepEqual(order, ["waiter", "newcomer"]);
});

test("a waiter whose signal aborts leaves the queue; an aborted signal gets no slot", async () => {
  const slots = new ExecSlots(1);
  const held = await slots.acquire();
  const abort = new AbortController();
  const gone = slots.acquire(abort.signal);
  const next = slots.acquire();
  abort.abort();
  await assert.rejects(gone, ExecSlotWaitAborted);
  assert.deepEqual(slots.stats(), { inFlight: 1, waiting: 1 });
  held();
  (await next)();
  await assert.rejects(slots.acquire(abort.signal), ExecSlotWaitAborted);
  assert.deepEqual(slots.stats(), { inFlight: 0, waiting: 0 });
});

test("urgent waiters go ahead of the others, in the order they asked among themselves", async () => {
  const slots = new ExecSlots(1);
  const held = await slots.acquire();
  const order: string[] = [];
  // Each waiter gives its slot back as soon as it has it, so the next one is served.
  const ask = (name: string, urgent: boolean) =>
    slots.acquire(undefined, urgent).then((release) => {
      order.push(name);
      release();
    });
  const waits = [ask("probe1", false), ask("hook1", true), ask("probe2", false), ask("hook2", true)];
  await settle();
  assert.deepEqual(slots.stats(), { inFlight: 1, waiting: 4 });
  held();
  await Promise.all(waits);
  assert.deepEqual(order, ["hook1", "hook2", "probe1", "probe2"]);
  assert.deepEqual(slots.stats(), { inFlight: 0, waiting: 0 });
});

test("a slot count below 1 is refused with the reason", () => {
  assert.throws(() => new ExecSlots(0), /at least 1, not 0/);
});
