// The probe manager keeps one worker per (container, probe type) in step with the
// running container instances, and answers what the probes say of each.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Container, Pod } from "@bosun/api";
import { ProbeManager } from "../src/probe/manager.js";
import { ExecRunner } from "../src/exec/exec-runner.js";
import { execResult, FakeRuntime } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";

/** No spread over the period: each worker's first probe comes right after its initial delay, so the tests do not depend on chance. */
const firstProbeAtOnce = () => 0;

const probe = { exec: { command: ["check"] }, periodSeconds: 1 };

function pod(containers: Container[]): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "pod-uid" }, spec: { containers } };
}

async function runningContainer(runtime: FakeRuntime, name: string): Promise<string> {
  const id = await runtime.createContainer({ name, image: BUSYBOX_IMAGE, labels: {}, env: [], networkMode: "container:x" });
  await runtime.startContainer(id);
  return id;
}

test("health: no probes means started and ready; probes start as not ready, alive, not started", async () => {
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  runtime.execHandler = () => new Promise(() => undefined); // no verdict during this test
  const changes: string[] = [];
  const m = new ProbeManager({ execs: new ExecRunner({ runtime }), random: firstProbeAtOnce, reportEvent: () => undefined, onChange: (uid) => changes.push(uid) });
  try {
    const plain: Container = { name: "plain", image: BUSYBOX_IMAGE };
    const probed: Container = { name: "probed", image: BUSYBOX_IMAGE, readinessProbe: probe, livenessProbe: probe };
    const slow: Container = { name: "slow", image: BUSYBOX_IMAGE, startupProbe: probe, readinessProbe: probe };
    const ids = { plain: "a", probed: "b", slow: "c" };
    m.sync(pod([plain, probed, slow]), "10.88.0.2", [
      { spec: plain, id: ids.plain, startedAtMs: Date.now() },
      { spec: probed, id: ids.probed, startedAtMs: Date.now() },
      { spec: slow, id: ids.slow, startedAtMs: Date.now() },
    ]);
    assert.deepEqual(m.health(plain, ids.plain), { started: true, ready: true });
    assert.deepEqual(m.health(probed, ids.probed), { started: true, ready: false });
    assert.deepEqual(m.health(slow, ids.slow), { started: false, ready: false });
  } finally {
    m.stop();
  }
});

test("a new container instance gets fresh results; a stopped one loses its workers", async () => {
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  const changes: string[] = [];
  const m = new ProbeManager({ execs: new ExecRunner({ runtime }), random: firstProbeAtOnce, reportEvent: () => undefined, onChange: (uid) => changes.push(uid) });
  try {
    const spec: Container = { name: "web", image: BUSYBOX_IMAGE, readinessProbe: probe };
    const first = await runningContainer(runtime, "first");
    m.sync(pod([spec]), "10.88.0.2", [{ spec, id: first, startedAtMs: Date.now() }]);
    await waitFor("first ready", () => m.health(spec, first).ready, 3_000);
    assert.deepEqual(changes, ["pod-uid"]);

    // The same instance again: the worker and its result stay.
    m.sync(pod([spec]), "10.88.0.2", [{ spec, id: first, startedAtMs: Date.now() }]);
    assert.equal(m.health(spec, first).ready, true);

    runtime.execHandler = () => new Promise(() => undefined);
    const second = await runningContainer(runtime, "second");
    m.sync(pod([spec]), "10.88.0.2", [{ spec, id: second, startedAtMs: Date.now() }]);
    assert.equal(m.health(spec, second).ready, false, "readiness starts over for a new instance");
    assert.equal(m.results.get(first, "readiness"), undefined, "the old instance's result is forgotten");

    m.sync(pod([spec]), "10.88.0.2", []);
    assert.equal(m.results.get(second, "readiness"), undefined);
  } finally {
    m.stop();
  }
});

test("a startup success lets readiness probe at once instead of a period later", async () => {
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  let started = false;
  runtime.execHandler = (_c, cmd) => (cmd[0] === "startup" ? execResult(started ? 0 : 1) : execResult(0));
  const m = new ProbeManager({ execs: new ExecRunner({ runtime }), random: firstProbeAtOnce, reportEvent: () => undefined, onChange: () => undefined });
  try {
    const spec: Container = {
      name: "web",
      image: BUSYBOX_IMAGE,
      startupProbe: { exec: { command: ["startup"] }, periodSeconds: 1, failureThreshold: 100 },
      readinessProbe: { exec: { command: ["ready"] }, periodSeconds: 30 },
    };
    const id = await runningContainer(runtime, "web");
    m.sync(pod([spec]), "10.88.0.2", [{ spec, id, startedAtMs: Date.now() }]);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(m.health(spec, id), { started: false, ready: false });
    started = true;
    // Readiness' own period is 30 s: being ready within 3 s shows the trigger.
    await waitFor("ready right after startup", () => m.health(spec, id).ready, 3_000);
  } finally {
    m.stop();
  }
});

test("a tcpSocket probe errors without a pod IP and with a port name the container lacks", async () => {
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  const events: string[] = [];
  const m = new ProbeManager({ execs: new ExecRunner({ runtime }), random: firstProbeAtOnce, reportEvent: (_p, ev) => events.push(ev.message), onChange: () => undefined });
  try {
    const spec: Container = { name: "web", image: BUSYBOX_IMAGE, readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1 } };
    const id = await runningContainer(runtime, "web");
    m.sync(pod([spec]), "", [{ spec, id, startedAtMs: Date.now() }]);
    await waitFor("an errored probe", () => events.length > 0, 3_000);
    assert.match(events[0] ?? "", /^Readiness probe errored and resulted in unknown state: /);
    m.sync(pod([spec]), "10.88.0.2", [{ spec, id, startedAtMs: Date.now() }]);
    await waitFor("the named port error", () => events.some((e) => e.includes('port "http" is not a number')), 3_000);
  } finally {
    m.stop();
  }
});

test("after an agent restart, what the API last said of the same instance stands until a probe runs", async () => {
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  runtime.execHandler = () => new Promise(() => undefined);
  const m = new ProbeManager({ execs: new ExecRunner({ runtime }), random: firstProbeAtOnce, reportEvent: () => undefined, onChange: () => undefined });
  try {
    const spec: Container = { name: "web", image: BUSYBOX_IMAGE, startupProbe: probe, readinessProbe: probe };
    const p = pod([spec]);
    p.status = { containerStatuses: [{ name: "web", image: BUSYBOX_IMAGE, ready: true, started: true, restartCount: 0, containerID: "docker://adopted" }] };
    const longAgo = Date.now() - 60_000;
    m.sync(p, "10.88.0.2", [
      { spec, id: "adopted", startedAtMs: longAgo },
      { spec: { ...spec, name: "other" }, id: "unknown", startedAtMs: longAgo },
    ]);
    assert.deepEqual(m.health(spec, "adopted"), { started: true, ready: true });
    assert.deepEqual(m.health({ ...spec, name: "other" }, "unknown"), { started: false, ready: false });
  } finally {
    m.stop();
  }
});
