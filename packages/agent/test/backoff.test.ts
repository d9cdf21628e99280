import { test } from "node:test";
import assert from "node:assert/strict";
import { ContainerBackoff, crashLoopMessage, shouldRestart } from "../src/pod/backoff.js";

test("restart back-off: first restart at once, then 10s doubling to 5 minutes", () => {
  let now = 0;
  const b = new ContainerBackoff(() => now);
  assert.equal(b.remaining("k", 0), 0);
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    delays.push(b.next("k", now));
    now += 1_000; // exits again one second later
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  const exitAt = now;
  now += 100_000;
  assert.equal(b.remaining("k", exitAt), 200_000);
});

test("restart back-off is forgotten after ten minutes of running", () => {
  let now = 0;
  const b = new ContainerBackoff(() => now);
  b.next("k", 0);
  b.next("k", 1_000);
  now = 2_000 + 11 * 60_000;
  assert.equal(b.remaining("k", now), 0);
  assert.equal(b.next("k", now), 10_000);
});

test("restart policies", () => {
  assert.equal(shouldRestart("Always", 0), true);
  assert.equal(shouldRestart(undefined, 0), true);
  assert.equal(shouldRestart("OnFailure", 0), false);
  assert.equal(shouldRestart("OnFailure", 1), true);
  assert.equal(shouldRestart("Never", 1), false);
});

test("the crash-loop message reads as the kubelet writes it", () => {
  const pod = { name: "p", namespace: "ns", uid: "u-1" };
  assert.equal(crashLoopMessage(20_000, "web", pod), "back-off 20s restarting failed container=web pod=p_ns(u-1)");
  assert.equal(crashLoopMessage(300_000, "web", pod), "back-off 5m0s restarting failed container=web pod=p_ns(u-1)");
});
