import { test } from "node:test";
import assert from "node:assert/strict";
import { slowStartBatch } from "../src/common/slow-start.js";

/** Records how many calls were in flight together, batch by batch. */
function recorder(failOnCall?: number) {
  const batches: number[] = [];
  let inFlight = 0;
  let calls = 0;
  let batchOpen = false;
  const fn = async (): Promise<void> => {
    const call = ++calls;
    if (!batchOpen) {
      batches.push(0);
      batchOpen = true;
    }
    batches[batches.length - 1]!++;
    inFlight++;
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    if (inFlight === 0) batchOpen = false;
    if (call === failOnCall) throw new Error(`call ${call} failed`);
  };
  return { fn, batches, calls: () => calls };
}

test("creates in batches of 1, 2, 4, ... capped by what remains", async () => {
  const r = recorder();
  const result = await slowStartBatch(10, 1, r.fn);
  assert.equal(result.successes, 10);
  assert.equal(result.error, undefined);
  assert.deepEqual(r.batches, [1, 2, 4, 3]);
});

test("stops after the first batch with a failure and reports it", async () => {
  const r = recorder(2); // the second call is in the batch of two
  const result = await slowStartBatch(10, 1, r.fn);
  assert.equal(r.calls(), 3, "the failing batch finishes, no later batch starts");
  assert.equal(result.successes, 2);
  assert.match(String(result.error), /call 2 failed/);
});

test("nothing to do calls nothing", async () => {
  const r = recorder();
  assert.deepEqual(await slowStartBatch(0, 1, r.fn), { successes: 0 });
  assert.equal(r.calls(), 0);
});
