// A probe worker's thresholds, gating and events, driven one probe at a time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProbeWorker, type ProbeWorkerDeps } from "../src/probe/worker.js";
import { ProbeResults, type ProbeType } from "../src/probe/results.js";
import { probeTiming } from "../src/probe/prober.js";
import type { ProbeOutcome } from "../src/probe/outcome.js";
import type { Probe } from "@bosun/api";

interface Harness {
  worker: ProbeWorker;
  results: ProbeResults;
  events: string[];
  changes: number;
  runs: number;
  /** What the next probe runs return, in order; the last one repeats. */
  script: (ProbeOutcome | Error)[];
  clock: { now: number };
  started: { value: boolean };
}

function harness(type: ProbeType, probe: Partial<Probe>, startedAtMs = 0): Harness {
  const results = new ProbeResults();
  const h = {
    results,
    events: [] as string[],
    changes: 0,
    runs: 0,
    script: [] as (ProbeOutcome | Error)[],
    clock: { now: 0 },
    started: { value: true },
  } as Omit<Harness, "worker">;
  const deps: ProbeWorkerDeps = {
    results,
    run: async () => {
      h.runs++;
      const next = h.script.length > 1 ? h.script.shift() : h.script[0];
      if (!next) throw new Error("no script");
      if (next instanceof Error) throw next;
      return next;
    },
    isStarted: () => h.started.value,
    onChange: () => h.changes++,
    event: (type, reason, message) => h.events.push(`${type} ${reason} ${message}`),
    name: "ns/pod/c",
    now: () => h.clock.now,
  };
  const worker = new ProbeWorker(type, "cid", probeTiming({ exec: { command: ["true"] }, ...probe }), startedAtMs, deps);
  return Object.assign(h, { worker });
}

const ok: ProbeOutcome = { result: "success", output: "" };
const bad: ProbeOutcome = { result: "failure", output: "HTTP probe failed with statuscode: 500" };

test("defaults are Kubernetes': delay 0, period 10, timeout 1, success 1, failure 3", () => {
  assert.deepEqual(probeTiming({}), { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  assert.equal(probeTiming({ periodSeconds: 0 }).periodSeconds, 10);
});

test("readiness starts failed and flips only after successThreshold successes and failureThreshold failures", async () => {
  const h = harness("readiness", { successThreshold: 2, failureThreshold: 2 });
  assert.equal(h.results.get("cid", "readiness"), "failure");
  h.script = [ok];
  await h.worker.probeOnce();
  assert.equal(h.results.get("cid", "readiness"), "failure");
  await h.worker.probeOnce();
  assert.equal(h.results.get("cid", "readiness"), "success");
  assert.equal(h.changes, 1);
  h.script = [bad];
  await h.worker.probeOnce();
  assert.equal(h.results.get("cid", "readiness"), "success");
  assert.equal(await h.worker.probeOnce(), true, "readiness keeps probing after a failure");
  assert.equal(h.results.get("cid", "readiness"), "failure");
  assert.equal(h.changes, 2);
  assert.deepEqual(h.events, [
    "Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500",
    "Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500",
  ]);
});

test("liveness starts alive, fails after failureThreshold failures, then holds until a new container", async () => {
  const h = harness("liveness", {});
  assert.equal(h.results.get("cid", "liveness"), "success");
  h.script = [bad];
  await h.worker.probeOnce();
  await h.worker.probeOnce();
  assert.equal(h.results.get("cid", "liveness"), "success");
  assert.equal(await h.worker.probeOnce(), false);
  assert.equal(h.results.get("cid", "liveness"), "failure");
  assert.equal(h.events.length, 3);
  assert.ok(h.events.every((e) => e === "Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500"));
  const runs = h.runs;
  assert.equal(await h.worker.probeOnce(), false);
  assert.equal(h.runs, runs, "no probe runs against a container that is to be killed");
});

test("liveness and readiness wait for the container to have started; startup stops once it succeeded", async () => {
  const live = harness("liveness", {});
  live.started.value = false;
  live.script = [bad];
  assert.equal(await live.worker.probeOnce(), true);
  assert.equal(live.runs, 0);

  const startup = harness("startup", { failureThreshold: 2 });
  assert.equal(startup.results.get("cid", "startup"), "unknown");
  startup.script = [ok];
  assert.equal(await startup.worker.probeOnce(), false);
  assert.equal(startup.results.get("cid", "startup"), "success");
  assert.equal(await startup.worker.probeOnce(), false);
  assert.equal(startup.runs, 1);
});

test("a failing startup probe fails after its threshold and names itself in the event", async () => {
  const h = harness("startup", { failureThreshold: 2 });
  h.script = [{ result: "failure", output: "command \"cat /ready\" timed out" }];
  await h.worker.probeOnce();
  assert.equal(h.results.get("cid", "startup"), "unknown");
  assert.equal(await h.worker.probeOnce(), false);
  assert.equal(h.results.get("cid", "startup"), "failure");
  assert.equal(h.events[0], 'Warning Unhealthy Startup probe failed: command "cat /ready" timed out');
});

test("no probe runs before initialDelaySeconds after the container started", async () => {
  const h = harness("readiness", { initialDelaySeconds: 5 }, 1_000);
  h.script = [ok];
  h.clock.now = 5_999;
  await h.worker.probeOnce();
  assert.equal(h.runs, 0);
  h.clock.now = 6_000;
  await h.worker.probeOnce();
  assert.equal(h.runs, 1);
  assert.equal(h.results.get("cid", "readiness"), "success");
});

test("a probe that cannot run is retried three times and leaves the result unchanged", async () => {
  const h = harness("readiness", { failureThreshold: 1 });
  h.script = [new Error("the pod has no IP address yet")];
  assert.equal(await h.worker.probeOnce(), true);
  assert.equal(h.runs, 3);
  assert.equal(h.results.get("cid", "readiness"), "failure");
  assert.equal(h.changes, 0);
  assert.deepEqual(h.events, ["Warning Unhealthy Readiness probe errored and resulted in unknown state: the pod has no IP address yet"]);
});

test("a redirect to another host counts as success with a ProbeWarning event", async () => {
  const h = harness("readiness", {});
  h.script = [{ result: "warning", output: "Probe terminated redirects, Response body: " }];
  await h.worker.probeOnce();
  assert.equal(h.results.get("cid", "readiness"), "success");
  assert.deepEqual(h.events, ["Warning ProbeWarning Readiness probe warning: Probe terminated redirects, Response body: "]);
});

test("a stopped worker forgets its result and never sets one again", async () => {
  const h = harness("readiness", {});
  h.script = [ok];
  h.worker.stop();
  assert.equal(h.results.get("cid", "readiness"), undefined);
  assert.equal(await h.worker.probeOnce(), false);
  assert.equal(h.results.get("cid", "readiness"), undefined);
});
