// The node's one exec runner: probes and hooks share a few slots, wait their turn in
// order, and a command that times out is killed before its slot is given back.
import { mock, test } from "node:test";
import assert from "node:assert/strict";
import type { Container, Pod } from "@bosun/api";
import { ExecRunner, SLOT_LEASE_MS } from "../src/exec/exec-runner.js";
import type { KillOutcome, ProcessKiller } from "../src/exec/process-tree.js";
import { runLifecycleHandler } from "../src/pod/lifecycle-hooks.js";
import { runProbe } from "../src/probe/prober.js";
import { ExecTimeoutError, type ExecResult } from "../src/runtime/runtime.js";
import { execResult, FakeRuntime } from "./support/fake-runtime.js";

const settle = () => new Promise((r) => setImmediate(r));

/** A command the test ends when it likes. */
function gate() {
  let open!: (r: ExecResult) => void;
  const done = new Promise<ExecResult>((r) => (open = r));
  return { done, open };
}

class FakeKiller implements ProcessKiller {
  readonly calls: { pid: number; containerPid: number }[] = [];
  outcome: () => Promise<KillOutcome> = async () => ({ killed: [] });
  killTree(pid: number, containerPid: number): Promise<KillOutcome> {
    this.calls.push({ pid, containerPid });
    return this.outcome();
  }
}

async function running(runtime: FakeRuntime): Promise<string> {
  const id = await runtime.createContainer({ name: `c${runtime.containers.size}`, image: "img", labels: {}, env: [], networkMode: "none" });
  await runtime.startContainer(id);
  return id;
}

test("commands beyond the bound wait their turn in order; onStart tells when each really starts", async () => {
  const runtime = new FakeRuntime(["img"]);
  const id = await running(runtime);
  const gates = new Map<string, ReturnType<typeof gate>>();
  runtime.execHandler = (_c, cmd) => {
    const g = gate();
    gates.set(cmd[0] ?? "", g);
    return g.done;
  };
  const execs = new ExecRunner({ runtime, maxInFlight: 2, killer: new FakeKiller() });
  const started: string[] = [];
  const run = (name: string) => execs.run(id, [name], { timeoutMs: 60_000, maxOutputBytes: 100, onStart: () => started.push(name) });
  const a = run("a");
  const b = run("b");
  const c = run("c");
  const d = run("d");
  await settle();
  assert.deepEqual(started, ["a", "b"]);
  assert.deepEqual([...gates.keys()], ["a", "b"], "the runtime saw only two");
  assert.equal(execs.stats().waiting, 2);

  gates.get("b")?.open(execResult(0, "b done"));
  assert.equal((await b).output.toString(), "b done");
  await settle();
  assert.deepEqual(started, ["a", "b", "c"]);
  gates.get("a")?.open(execResult(1));
  gates.get("c")?.open(execResult(0));
  await settle();
  assert.deepEqual(started, ["a", "b", "c", "d"]);
  gates.get("d")?.open(execResult(0));
  assert.deepEqual((await Promise.all([a, c, d])).map((r) => r.exitCode), [1, 0, 0]);
  assert.deepEqual(execs.stats(), { started: 4, timedOut: 0, killed: 0, inFlight: 0, waiting: 0 });
});

test("a timed-out command is killed through its exec's PID, and only then is its slot given back", async () => {
  const runtime = new FakeRuntime(["img"]);
  const id = await running(runtime);
  runtime.execHandler = (_c, cmd) => (cmd[0] === "hang" ? new Promise(() => undefined) : execResult(0));
  const killer = new FakeKiller();
  let finishKill!: () => void;
  killer.outcome = () => new Promise((r) => (finishKill = () => r({ killed: [1] })));
  const execs = new ExecRunner({ runtime, maxInFlight: 1, killer });

  const hung = execs.run(id, ["hang"], { timeoutMs: 0, maxOutputBytes: 100 });
  const nextStarted: string[] = [];
  const next = execs.run(id, ["ok"], { timeoutMs: 1_000, maxOutputBytes: 100, onStart: () => nextStarted.push("ok") });
  const failed = assert.rejects(hung, ExecTimeoutError);
  while (killer.calls.length === 0) await settle();
  const [exec] = [...runtime.execs.values()];
  assert.deepEqual(killer.calls, [{ pid: exec?.pid, containerPid: runtime.containers.get(id)?.pid }]);
  assert.deepEqual(nextStarted, [], "the slot is still held while the kill runs");
  finishKill();
  await failed;
  assert.equal((await next).exitCode, 0);
  assert.deepEqual(execs.stats(), { started: 2, timedOut: 1, killed: 1, inFlight: 0, waiting: 0 });
});

test("a timed-out exec that had not started yet is watched until it starts, then killed", async () => {
  const runtime = new FakeRuntime(["img"]);
  const id = await running(runtime);
  runtime.execHandler = () => new Promise(() => undefined);
  const killer = new FakeKiller();
  const naps: number[] = [];
  const execs = new ExecRunner({
    runtime,
    killer,
    sleep: async (ms) => {
      naps.push(ms);
      // Docker starts it after the agent's second look.
      if (naps.length === 2) for (const e of runtime.execs.values()) Object.assign(e, { running: true, pid: 4242 });
    },
  });
  // Docker made the exec, but the start request was cut off: not running, no exit code yet.
  const origExec = runtime.exec.bind(runtime);
  runtime.exec = async (cid, cmd, opts) => {
    const p = origExec(cid, cmd, opts);
    for (const e of runtime.execs.values()) Object.assign(e, { running: false, pid: 0 });
    return p;
  };
  await assert.rejects(execs.run(id, ["slow"], { timeoutMs: 0, maxOutputBytes: 100 }), ExecTimeoutError);
  assert.deepEqual(naps, [200, 200]);
  assert.deepEqual(killer.calls.map((c) => c.pid), [4242]);
});

test("a command that finished, or whose container is gone, is not killed; a kill that fails keeps the timeout", async () => {
  const runtime = new FakeRuntime(["img"]);
  const id = await running(runtime);
  runtime.execHandler = () => new Promise(() => undefined);
  const killer = new FakeKiller();
  const execs = new ExecRunner({ runtime, killer, sleep: async () => undefined });

  // It exited as time ran out.
  const origExec = runtime.exec.bind(runtime);
  runtime.exec = async (cid, cmd, opts) => {
    try {
      return await origExec(cid, cmd, opts);
    } finally {
      for (const e of runtime.execs.values()) Object.assign(e, { running: false, pid: 0, exitCode: 137 });
    }
  };
  await assert.rejects(execs.run(id, ["x"], { timeoutMs: 0, maxOutputBytes: 100 }), ExecTimeoutError);
  assert.equal(killer.calls.length, 0);
  runtime.exec = origExec;

  // The container stopped: its commands went with it.
  const stopping = await running(runtime);
  const timedOut = execs.run(stopping, ["y"], { timeoutMs: 0, maxOutputBytes: 100 });
  await settle();
  await runtime.stopContainer(stopping, 0);
  await assert.rejects(timedOut, ExecTimeoutError);
  assert.equal(killer.calls.length, 0);

  // The kill itself fails: the caller still hears of the timeout.
  killer.outcome = async () => {
    throw new Error("EPERM");
  };
  await assert.rejects(execs.run(id, ["z"], { timeoutMs: 0, maxOutputBytes: 100 }), ExecTimeoutError);
  assert.equal(killer.calls.length, 1);
  assert.equal(execs.stats().inFlight, 0);
});

test("a command that runs past the slot lease gives its slot back, so a long hook cannot starve the probes", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const runtime = new FakeRuntime(["img"]);
    const id = await running(runtime);
    const hook = gate();
    runtime.execHandler = (_c, cmd) => (cmd[0] === "long-hook" ? hook.done : execResult(0));
    const execs = new ExecRunner({ runtime, maxInFlight: 1, killer: new FakeKiller() });
    const long = execs.run(id, ["long-hook"], { timeoutMs: 2 ** 31 - 1, maxOutputBytes: 100 });
    const probeStarted: string[] = [];
    const probe = execs.run(id, ["probe"], { timeoutMs: 1_000, maxOutputBytes: 100, onStart: () => probeStarted.push("probe") });
    await settle();
    mock.timers.tick(SLOT_LEASE_MS - 1);
    await settle();
    assert.deepEqual(probeStarted, []);
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(probeStarted, ["probe"]);
    assert.equal((await probe).exitCode, 0);
    hook.open(execResult(0));
    assert.equal((await long).exitCode, 0);
    assert.equal(execs.stats().inFlight, 0);
  } finally {
    mock.timers.reset();
  }
});

test("exec probes and exec lifecycle hooks share the same slots", async () => {
  const runtime = new FakeRuntime(["img"]);
  const id = await running(runtime);
  const hook = gate();
  runtime.execHandler = (_c, cmd) => (cmd[0] === "hook" ? hook.done : execResult(0));
  const execs = new ExecRunner({ runtime, maxInFlight: 1, killer: new FakeKiller() });
  const container: Container = { name: "app", image: "img" };
  const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "u1" }, spec: { containers: [container] } };
  const hookRun = runLifecycleHandler(execs, { exec: { command: ["hook"] } }, { pod, container, containerId: id, podIP: "" }, 60_000);
  let probeStarted = false;
  const probe = runProbe(execs, { exec: { command: ["probe"] } }, { container, containerId: id, podIP: "" }, 1_000, { onStart: () => (probeStarted = true) });
  await settle();
  assert.equal(probeStarted, false, "the probe waits for the hook's slot");
  hook.open(execResult(0));
  assert.deepEqual(await hookRun, { ok: true });
  assert.deepEqual(await probe, { result: "success", output: "" });
  assert.equal(probeStarted, true);
});
