// The pure parts of init containers and hooks: which init container runs when, the
// status the kubelet would give, the order of termination, and the hook runner.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Container, Pod } from "@bosun/api";
import type { ContainerDetails } from "../src/runtime/runtime.js";
import { planInitContainers } from "../src/pod/init-containers.js";
import { computePodStatus, type ContainerObservation } from "../src/pod/status.js";
import { TerminationOrder } from "../src/pod/termination-order.js";
import { runLifecycleHandler } from "../src/pod/lifecycle-hooks.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { ExecRunner } from "../src/exec/exec-runner.js";

function pod(inits: Partial<Container>[], restartPolicy: Pod["spec"]["restartPolicy"] = "Always"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u1" },
    spec: {
      restartPolicy,
      initContainers: inits.map((c, i) => ({ name: `i${i}`, image: "img", ...c })),
      containers: [{ name: "app", image: "img" }],
    },
  };
}

function details(id: string, opts: Partial<ContainerDetails> = {}): ContainerDetails {
  return {
    id,
    name: id,
    labels: {},
    state: opts.running ? "running" : "exited",
    running: false,
    exitCode: 0,
    oomKilled: false,
    startedAt: "2024-01-01T00:00:00Z",
    finishedAt: opts.running ? undefined : "2024-01-01T00:01:00Z",
    createdAt: "2024-01-01T00:00:00Z",
    imageId: "sha256:abc",
    ipAddress: "",
    pid: 0,
    tty: false,
    error: "",
    ...opts,
  };
}

const obs = (entries: Record<string, ContainerDetails>) =>
  new Map<string, ContainerObservation>(Object.entries(entries).map(([k, current]) => [k, { current }]));
const plan = (p: Pod, entries: Record<string, ContainerDetails>, started = true, isStale = () => false) =>
  planInitContainers({ pod: p, containers: obs(entries), isStale, started: () => started });
const names = (cs: Container[]) => cs.map((c) => c.name);

test("plain init containers run in order, each to success; a failure under Never fails the pod", () => {
  const p = pod([{}, {}]);
  assert.deepEqual(names(plan(p, {}).toSync), ["i0"]);
  assert.deepEqual(names(plan(p, { i0: details("a", { running: true, state: "running" }) }).toSync), ["i0"]);
  const next = plan(p, { i0: details("a") });
  assert.deepEqual([names(next.toSync), next.initialized], [["i1"], false]);
  assert.deepEqual(plan(p, { i0: details("a"), i1: details("b") }), { initialized: true, toSync: [], failed: false });
  assert.deepEqual(names(plan(p, { i0: details("a", { exitCode: 1 }) }).toSync), ["i0"], "restarted on failure");
  assert.deepEqual(plan(pod([{}, {}], "Never"), { i0: details("a", { exitCode: 1 }) }), { initialized: false, toSync: [], failed: true });
});

test("an app container of this sandbox means the pod was initialized; one of an earlier sandbox does not", () => {
  const p = pod([{}]);
  const running = { app: details("x", { running: true, state: "running" }) };
  assert.deepEqual(plan(p, running), { initialized: true, toSync: [], failed: false });
  const stale = plan(p, { ...running, i0: details("a") }, true, () => true);
  assert.deepEqual([names(stale.toSync), stale.initialized], [["i0"], false]);
});

test("a sidecar starts in order, holds the next until it started, and is kept after initialization", () => {
  const p = pod([{ restartPolicy: "Always" }, {}]);
  const up = { i0: details("s", { running: true, state: "running" }) };
  assert.deepEqual(names(plan(p, up, false).toSync), ["i0"]);
  assert.deepEqual(names(plan(p, up, true).toSync), ["i0", "i1"]);
  const after = plan(p, { ...up, i1: details("b") });
  assert.deepEqual([names(after.toSync), after.initialized], [["i0"], true]);
  assert.deepEqual(names(plan(p, { i0: details("s", { exitCode: 1 }), i1: details("b"), app: details("x", { running: true, state: "running" }) }).toSync), ["i0"]);
});

test("status: init container statuses, the Initialized condition, and sidecars in READY and the phase", () => {
  const p = pod([{}, { restartPolicy: "Always" }]);
  const s = computePodStatus({
    pod: p,
    containers: obs({ i0: details("a", { state: "running", running: true }) }),
    hostIP: "h",
    now: "2024-01-01T00:02:00Z",
  });
  assert.equal(s.phase, "Pending");
  assert.deepEqual(s.initContainerStatuses?.map((c) => [c.name, Object.keys(c.state ?? {})[0], c.ready]), [
    ["i0", "running", false],
    ["i1", "waiting", false],
  ]);
  assert.equal(s.initContainerStatuses?.[1]?.state?.waiting?.reason, "PodInitializing");
  assert.equal(s.containerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing");
  const init = s.conditions?.find((c) => c.type === "Initialized");
  assert.deepEqual([init?.status, init?.message], ["False", "containers with incomplete status: [i0 i1]"]);

  const running = computePodStatus({
    pod: p,
    containers: obs({ i0: details("a"), i1: details("s", { state: "running", running: true }), app: details("x", { state: "running", running: true }) }),
    hostIP: "h",
    now: "2024-01-01T00:02:00Z",
  });
  assert.equal(running.phase, "Running");
  assert.equal(running.conditions?.find((c) => c.type === "Initialized")?.status, "True");
  assert.equal(running.conditions?.find((c) => c.type === "Ready")?.status, "True");
  assert.deepEqual(running.initContainerStatuses?.map((c) => [c.name, c.ready, c.started]), [
    ["i0", true, false],
    ["i1", true, true],
  ]);
});

test("termination order: sidecars wait for the app containers and for the sidecars defined after them", async () => {
  const p = pod([{ restartPolicy: "Always" }, { restartPolicy: "Always" }]);
  const order = new TerminationOrder(p, ["i0", "i1", "app"]);
  const seen: string[] = [];
  const turn = (name: string) => order.waitForTurn(name, 10_000).then(() => seen.push(name));
  const waits = [turn("i0"), turn("i1"), turn("app")];
  await waits[2];
  assert.deepEqual(seen, ["app"]);
  order.markStopped("app");
  await waits[1];
  assert.deepEqual(seen, ["app", "i1"]);
  order.markStopped("i1");
  await waits[0];
  assert.deepEqual(seen, ["app", "i1", "i0"]);
});

test("hook runner: httpGet fails only without a response; exec on its exit code; sleep ends early when told", async () => {
  const server = http.createServer((req, res) => {
    res.statusCode = req.url === "/broken" ? 500 : 200;
    res.end(req.headers["user-agent"]);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const p = pod([]);
  const container: Container = { name: "app", image: "img" };
  const runtime = new FakeRuntime(["img"]);
  const execs = new ExecRunner({ runtime });
  const target = { pod: p, container, containerId: "none", podIP: "127.0.0.1" };
  try {
    assert.deepEqual(await runLifecycleHandler(execs, { httpGet: { port, path: "/broken" } }, target, 2_000), { ok: true });
    server.close();
    const refused = await runLifecycleHandler(execs, { httpGet: { port, path: "/x" } }, target, 2_000);
    assert.equal(refused.ok, false);
    assert.match(
      refused.ok ? "" : refused.message,
      new RegExp(`^HTTP lifecycle hook \\(/x\\) for Container "app" in Pod "p_default\\(u1\\)" failed - error: Get "http://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused$`),
    );
  } finally {
    server.close();
  }
  const cid = await runtime.createContainer({ name: "c", image: "img", labels: {}, env: [], networkMode: "none" });
  await runtime.startContainer(cid);
  runtime.execHandler = (_c, cmd) => ({ exitCode: cmd[0] === "false" ? 1 : 0, output: Buffer.from("out") });
  const execTarget = { ...target, containerId: cid };
  assert.deepEqual(await runLifecycleHandler(execs, { exec: { command: ["true"] } }, execTarget, 1_000), { ok: true });
  const failed = await runLifecycleHandler(execs, { exec: { command: ["false"] } }, execTarget, 1_000);
  assert.equal(failed.ok, false);

  const abort = new AbortController();
  const sleeping = runLifecycleHandler(execs, { sleep: { seconds: 3600 } }, target, 3_600_000, abort.signal);
  abort.abort();
  assert.deepEqual(await sleeping, { ok: true });
});
