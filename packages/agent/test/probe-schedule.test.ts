// When a probe worker probes: its first probe a random part of the period after the
// initial delay, then on the ticks of one phase, skipping the ticks a slow probe
// missed; a probe that starts more than a period late is told, throttled. Driven by
// mocked timers and an injected clock, no sleeps.
import { afterEach, beforeEach, mock, test } from "node:test";
import assert from "node:assert/strict";
import type { Probe } from "@bosun/api";
import { LATE_EVENT_INTERVAL_MS, LATE_PROBE_REASON, ProbeWorker } from "../src/probe/worker.js";
import { ProbeResults } from "../src/probe/results.js";
import { probeTiming } from "../src/probe/prober.js";
import type { ExecTurn } from "../src/probe/exec.js";
import type { ProbeOutcome } from "../src/probe/outcome.js";

const settle = () => new Promise((r) => setImmediate(r));

interface Run {
  at: number;
  turn: ExecTurn;
  /** Says the probe's turn came (at the clock's time then) and ends it with success. */
  finish: (startLater?: boolean) => void;
  start: () => void;
}

function harness(probe: Partial<Probe>, random: number) {
  const clock = { now: 0 };
  const runs: Run[] = [];
  const events: string[] = [];
  /** When true, probes end at once; else the test finishes them. */
  const auto = { value: true };
  const worker = new ProbeWorker("readiness", "cid", probeTiming({ exec: { command: ["check"] }, ...probe }), 0, {
    results: new ProbeResults(),
    run: (turn) =>
      new Promise<ProbeOutcome>((resolve) => {
        const run: Run = {
          at: clock.now,
          turn,
          start: () => turn.onStart?.(),
          finish: () => resolve({ result: "success", output: "" }),
        };
        runs.push(run);
        if (auto.value) {
          run.start();
          run.finish();
        }
      }),
    isStarted: () => true,
    onChange: () => undefined,
    event: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
    name: "ns/pod/c",
    now: () => clock.now,
    random: () => random,
  });
  const advance = async (ms: number) => {
    clock.now += ms;
    mock.timers.tick(ms);
    await settle();
  };
  return { worker, clock, runs, events, auto, advance, at: () => runs.map((r) => r.at) };
}

beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
afterEach(() => mock.timers.reset());

test("the first probe comes a random part of the period after the initial delay, then one every period", async () => {
  const h = harness({ initialDelaySeconds: 2, periodSeconds: 8 }, 0.25);
  h.worker.start();
  await h.advance(3_999);
  assert.deepEqual(h.at(), []);
  await h.advance(1);
  assert.deepEqual(h.at(), [4_000]);
  await h.advance(8_000);
  await h.advance(8_000);
  assert.deepEqual(h.at(), [4_000, 12_000, 20_000]);
  h.worker.stop();
});

test("workers of containers started together fall due at different times", async () => {
  const a = harness({ periodSeconds: 10 }, 0.1);
  const b = harness({ periodSeconds: 10 }, 0.7);
  a.worker.start();
  b.worker.start();
  await a.advance(1_000);
  b.clock.now = a.clock.now;
  assert.deepEqual([a.at(), b.at()], [[1_000], []]);
  await b.advance(6_000);
  assert.deepEqual(b.at(), [7_000]);
  a.worker.stop();
  b.worker.stop();
});

test("a probe slower than its period skips the ticks it missed and keeps its phase", async () => {
  const h = harness({ periodSeconds: 10 }, 0.5);
  h.auto.value = false;
  h.worker.start();
  await h.advance(5_000);
  assert.deepEqual(h.at(), [5_000]);
  // Its turn comes at once, but it runs (waits on the runtime) for 25.5 s.
  h.runs[0]?.start();
  await h.advance(25_500);
  h.runs[0]?.finish();
  await settle();
  // Ticks at 15 s and 25 s were missed; the next is 35 s, not 30.5 s (a period after it ended).
  await h.advance(4_499);
  assert.deepEqual(h.at(), [5_000]);
  await h.advance(1);
  assert.deepEqual(h.at(), [5_000, 35_000]);
  assert.deepEqual(h.events, [], "it started on time, so nothing is told");
  h.worker.stop();
});

test("a probe that starts more than a period after it was due is told in a Warning event, at most once per interval", async () => {
  const h = harness({ periodSeconds: 10 }, 0);
  h.auto.value = false;
  h.worker.start();
  await h.advance(0);
  assert.deepEqual(h.at(), [0]);
  // Waited for its turn exactly a period: not late enough to tell.
  await h.advance(10_000);
  h.runs[0]?.start();
  h.runs[0]?.finish();
  await settle();
  assert.deepEqual(h.events, []);

  // Due at 20 s, its turn comes at 42 s.
  await h.advance(10_000);
  assert.deepEqual(h.at(), [0, 20_000]);
  await h.advance(22_000);
  h.runs[1]?.start();
  h.runs[1]?.finish();
  await settle();
  assert.deepEqual(h.events, [
    `Warning ${LATE_PROBE_REASON} Readiness probe started 22s after it was due (period 10s): this node cannot run all its probes on time; exec probes and hooks wait for their turn when the container runtime is busy`,
  ]);

  // Late again at once: not told again within the interval.
  await h.advance(8_000);
  assert.equal(h.runs.length, 3);
  await h.advance(15_000);
  h.runs[2]?.start();
  h.runs[2]?.finish();
  await settle();
  assert.equal(h.events.length, 1);

  // Past the interval, the next late start is told again.
  await h.advance(LATE_EVENT_INTERVAL_MS);
  const last = h.runs.at(-1);
  await h.advance(11_000);
  last?.start();
  last?.finish();
  await settle();
  assert.equal(h.events.length, 2);
  assert.match(h.events[1] ?? "", /Readiness probe started \d+s after it was due/);
  h.worker.stop();
});

test("stopping the worker cancels a probe still waiting for its turn", async () => {
  const h = harness({ periodSeconds: 10 }, 0);
  h.auto.value = false;
  h.worker.start();
  await h.advance(0);
  const signal = h.runs[0]?.turn.signal;
  assert.equal(signal?.aborted, false);
  h.worker.stop();
  assert.equal(signal?.aborted, true);
});
