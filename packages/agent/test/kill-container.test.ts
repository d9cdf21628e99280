// Stopping a container: its preStop exec hook waits for an exec slot ahead of the
// probes, and gives up waiting when the grace period is over.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { ExecRunner } from "../src/exec/exec-runner.js";
import { ContainerBackoff } from "../src/pod/backoff.js";
import { PodContext, type WorkerDeps } from "../src/pod/context.js";
import type { PodEventRecord } from "../src/pod/identity.js";
import { killContainer } from "../src/pod/kill-container.js";
import { execResult, FakeRuntime } from "./support/fake-runtime.js";
import { testPod } from "./support/pods.js";

/** Lets the promise callbacks that are ready run. */
const settle = () => new Promise((r) => setImmediate(r));

async function setup() {
  const runtime = new FakeRuntime(["img"]);
  const execs = new ExecRunner({ runtime, maxInFlight: 1 });
  const events: PodEventRecord[] = [];
  const deps: WorkerDeps = {
    runtime,
    execs,
    nodeName: "node",
    infraImage: "pause",
    hostIP: () => "",
    backoff: new ContainerBackoff(),
    reportStatus: () => {},
    reportEvent: (_pod, event) => void events.push(event),
    probes: { sync: () => {}, health: () => ({ ready: true, started: true, livenessFailed: false }), stopPod: () => {} },
    hooks: [],
  };
  const pod: Pod = testPod("p", "node", [{ name: "app", lifecycle: { preStop: { exec: { command: ["prestop"] } } } }]);
  const containerId = await runtime.createContainer({ name: "app", image: "img", labels: {}, env: [], networkMode: "none" });
  await runtime.startContainer(containerId);
  // The commands the runtime was asked to run, in order; "hold" runs until released.
  const ran: string[] = [];
  let releaseHold = () => {};
  const held = new Promise<void>((r) => (releaseHold = r));
  runtime.execHandler = async (_c, cmd) => {
    ran.push(cmd[0] ?? "");
    if (cmd[0] === "hold") await held;
    return execResult(0);
  };
  const ctx = new PodContext(pod.metadata.uid ?? "", deps, () => {}, () => {});
  const kill = (graceSeconds: number) => killContainer(ctx, { pod, spec: pod.spec.containers[0], containerId, graceSeconds, exactGrace: true });
  return { runtime, execs, events, containerId, ran, releaseHold, kill };
}

test("a preStop exec hook waits for a slot ahead of the probes already waiting", async () => {
  const s = await setup();
  const holding = s.execs.run(s.containerId, ["hold"], { timeoutMs: 60_000, maxOutputBytes: 100 });
  const probe = s.execs.run(s.containerId, ["probe"], { timeoutMs: 60_000, maxOutputBytes: 100 });
  await settle();
  const killed = s.kill(30);
  await settle();
  assert.deepEqual(s.execs.stats().waiting, 2);
  s.releaseHold();
  await Promise.all([holding, probe, killed]);
  assert.deepEqual(s.ran, ["hold", "prestop", "probe"]);
  assert.deepEqual(s.events, []);
  assert.deepEqual(s.runtime.stops.map((x) => x.id), [s.containerId]);
});

test("a preStop exec hook still waiting for a slot when the grace period is over gives up and never runs", async () => {
  const s = await setup();
  const holding = s.execs.run(s.containerId, ["hold"], { timeoutMs: 60_000, maxOutputBytes: 100 });
  await settle();
  await s.kill(1);
  assert.deepEqual(s.runtime.stops.map((x) => x.id), [s.containerId]);
  await settle();
  assert.deepEqual(s.execs.stats(), { started: 1, timedOut: 0, killed: 0, inFlight: 1, waiting: 0 });
  s.releaseHold();
  await holding;
  await settle();
  assert.deepEqual(s.ran, ["hold"]);
  // As the kubelet: a hook cut off by the grace period is logged, not an event.
  assert.deepEqual(s.events, []);
});
