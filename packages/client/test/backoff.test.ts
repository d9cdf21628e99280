import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "../src/backoff.js";

test("backoff grows by the factor up to the cap, within the jitter band, and resets", () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 });
  const delays = Array.from({ length: 6 }, () => b.next());
  const bases = [100, 200, 400, 800, 1000, 1000];
  delays.forEach((d, i) => {
    assert.ok(d >= bases[i]! * 0.8 && d <= bases[i]! * 1.2, `delay ${i} = ${d}, expected about ${bases[i]}`);
  });
  b.reset();
  const first = b.next();
  assert.ok(first >= 80 && first <= 120);
});
