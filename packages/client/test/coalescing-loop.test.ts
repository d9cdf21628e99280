import { test } from "node:test";
import assert from "node:assert/strict";
import { CoalescingLoop } from "../src/coalescing-loop.js";

/** A job whose runs the test finishes one by one. */
function gatedJob() {
  const gates: (() => void)[] = [];
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const job = async () => {
    runs++;
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await new Promise<void>((resolve) => gates.push(resolve));
    concurrent--;
  };
  /** Lets the oldest waiting run finish, once it has started. */
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
  };
  return { job, release, runs: () => runs, maxConcurrent: () => maxConcurrent };
}

test("asks during a run coalesce into one more run after it, never two at once", async () => {
  const j = gatedJob();
  const loop = new CoalescingLoop(j.job);
  loop.trigger();
  assert.equal(j.runs(), 1);
  loop.trigger();
  loop.trigger();
  loop.trigger();
  assert.equal(j.runs(), 1, "the asks wait for the running run");
  const idle = loop.idle();
  await j.release();
  await j.release();
  await idle;
  assert.equal(j.runs(), 2, "three asks during a run give one more run");
  assert.equal(j.maxConcurrent(), 1);

  loop.trigger();
  assert.equal(j.runs(), 3, "an ask when idle runs at once");
  await j.release();
  await loop.idle();
});

test("stop: no run starts after the current one, and later asks are ignored", async () => {
  const j = gatedJob();
  const loop = new CoalescingLoop(j.job);
  loop.trigger();
  loop.trigger();
  loop.stop();
  await j.release();
  await loop.idle();
  loop.trigger();
  await loop.idle();
  assert.equal(j.runs(), 1);
});

test("idle resolves at once when nothing runs", async () => {
  let runs = 0;
  const loop = new CoalescingLoop(async () => void runs++);
  await loop.idle();
  assert.equal(runs, 0);
});
