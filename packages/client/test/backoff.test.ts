import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff, KeyedBackoff } from "../src/backoff.js";

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

test("keyed backoff: initial, doubling to the cap without jitter, counted from the event or from the last step", () => {
  let now = 0;
  const b = new KeyedBackoff({ initialMs: 1000, maxMs: 5000, now: () => now });
  assert.equal(b.remaining("a", 0), 0);
  assert.equal(b.remainingSinceUpdate("a"), 0);
  assert.deepEqual([b.next("a"), b.next("a"), b.next("a"), b.next("a")], [1000, 2000, 4000, 5000]);
  assert.equal(b.delay("a"), 5000);
  now = 1500;
  assert.equal(b.remainingSinceUpdate("a"), 3500);
  // From an event later than the last step (a container exiting after it ran).
  assert.equal(b.remaining("a", 1000), 4500);
  // Other keys are separate.
  assert.equal(b.next("b"), 1000);
});

test("keyed backoff starts over after twice the cap of quiet, and forgets keys", () => {
  let now = 0;
  const b = new KeyedBackoff({ initialMs: 1000, maxMs: 5000, now: () => now });
  b.next("pod-1/web");
  b.next("pod-1/web");
  b.next("pod-1/web/pull");
  b.next("pod-2/web");
  now = 10_001;
  assert.equal(b.remaining("pod-2/web", now), 0);
  assert.equal(b.next("pod-2/web"), 1000);
  b.forgetPrefix("pod-1/");
  assert.equal(b.delay("pod-1/web"), 0);
  assert.equal(b.delay("pod-1/web/pull"), 0);
  b.next("pod-3/web");
  now = 20_002;
  b.next("pod-3/web");
  b.gc();
  assert.equal(b.delay("pod-2/web"), 0, "quiet for more than twice the cap: collected");
  assert.equal(b.delay("pod-3/web"), 1000, "its last step restarted it");
  b.forget("pod-3/web");
  assert.equal(b.delay("pod-3/web"), 0);
});
