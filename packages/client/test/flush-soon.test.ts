import { test } from "node:test";
import assert from "node:assert/strict";
import { FlushSoon } from "../src/flush-soon.js";
import { sleep } from "../src/backoff.js";

test("a burst of pokes gives one flush soon after the first", async () => {
  let flushes = 0;
  const f = new FlushSoon(async () => void flushes++, 20);
  f.poke();
  f.poke();
  f.poke();
  assert.equal(flushes, 0, "the flush waits for the coalescing delay");
  await sleep(60);
  assert.equal(flushes, 1);
  f.poke();
  await sleep(60);
  assert.equal(flushes, 2, "a poke after a flush schedules another");
});

test("stop cancels a scheduled flush and ignores later pokes", async () => {
  let flushes = 0;
  const f = new FlushSoon(async () => void flushes++, 10);
  f.poke();
  f.stop();
  f.poke();
  await sleep(40);
  assert.equal(flushes, 0);
});
