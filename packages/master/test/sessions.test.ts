import { test } from "node:test";
import assert from "node:assert/strict";
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { Node } from "@bosun/api";
import type { RegisterRequest } from "@bosun/proto";
import { DispatcherError } from "../src/dispatcher/grpc-errors.js";
import { HeartbeatHandler, jittered } from "../src/dispatcher/heartbeat.js";
import { Registrar, SessionRegistry } from "../src/dispatcher/sessions.js";
import { FakeApi } from "./fakes.js";

function request(overrides: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    nodeName: "n1",
    capacity: { cpu: "2", memory: "4Gi", pods: "110" },
    allocatable: {},
    labels: { zone: "a" },
    addresses: [{ type: "InternalIP", address: "10.0.0.7" }],
    runtimeVersion: "docker://20.10.24",
    agentVersion: "0.1.0",
    osImage: "Debian GNU/Linux 12",
    kernelVersion: "6.1.0",
    architecture: "amd64",
    agentEndpoint: "10.0.0.7:10250",
    ...overrides,
  };
}

function setup(now = new Date("2025-01-01T00:00:00.000Z")) {
  const api = new FakeApi();
  const sessions = new SessionRegistry();
  const registrar = new Registrar({ api: api.client(), sessions, heartbeatPeriodMs: 5000, now: () => now });
  const node = () => api.objects.get(api.key("nodes", "n1")) as Node;
  return { api, sessions, registrar, node };
}

function assertCode(err: unknown, code: GrpcStatus): true {
  assert.ok(err instanceof DispatcherError, `expected a DispatcherError, got ${String(err)}`);
  assert.equal(err.code, code);
  return true;
}

test("Register creates a Ready node with the agent's description, endpoint and versions", async () => {
  const { registrar, node } = setup();
  const res = await registrar.register(request());
  const n = node();
  assert.equal(res.nodeUid, n.metadata.uid);
  assert.equal(res.heartbeatPeriodMs, 5000);
  assert.match(res.sessionId, /^[0-9a-f]{32}$/);
  assert.equal(n.metadata.labels?.zone, "a");
  assert.equal(n.metadata.labels?.["kubernetes.io/hostname"], "n1");
  assert.equal(n.metadata.annotations?.["bosun.io/agent-endpoint"], "10.0.0.7:10250");
  assert.deepEqual(n.status?.capacity, { cpu: "2", memory: "4Gi", pods: "110" });
  assert.deepEqual(n.status?.allocatable, n.status?.capacity, "allocatable defaults to capacity");
  assert.deepEqual(n.status?.addresses, [{ type: "InternalIP", address: "10.0.0.7" }]);
  assert.deepEqual(n.status?.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, "docker://20.10.24");
  assert.equal(n.status?.nodeInfo?.kubeletVersion, "v1.33.0-bosun");
  const ready = n.status?.conditions?.find((c) => c.type === "Ready");
  assert.deepEqual(ready, {
    type: "Ready",
    status: "True",
    reason: "KubeletReady",
    message: "agent is posting ready status",
    lastHeartbeatTime: "2025-01-01T00:00:00Z",
    lastTransitionTime: "2025-01-01T00:00:00Z",
  });
});

test("registering again updates the node, keeps its uid, and replaces the old session", async () => {
  const { registrar, sessions, node } = setup();
  const first = await registrar.register(request());
  const oldSession = sessions.check("n1", first.sessionId);
  const second = await registrar.register(request({ labels: { zone: "b" }, agentEndpoint: "10.0.0.7:10251" }));
  assert.equal(second.nodeUid, first.nodeUid);
  assert.notEqual(second.sessionId, first.sessionId);
  assert.equal(oldSession.closed.aborted, true, "the old session's stream is told to close");
  assert.throws(() => sessions.check("n1", first.sessionId), (err) => assertCode(err, GrpcStatus.NOT_FOUND));
  assert.equal(sessions.check("n1", second.sessionId).id, second.sessionId);
  assert.equal(node().metadata.labels?.zone, "b");
  assert.equal(node().metadata.annotations?.["bosun.io/agent-endpoint"], "10.0.0.7:10251");
});

test("Register answers the node's pod CIDR once the allocator has given it one", async () => {
  const { api, registrar, node } = setup();
  assert.equal((await registrar.register(request())).podCidr, "", "a new node has none yet");
  const allocated: Node = { ...node(), spec: { podCIDR: "10.244.3.0/24", podCIDRs: ["10.244.3.0/24"] } };
  api.objects.set(api.key("nodes", "n1"), allocated);
  assert.equal((await registrar.register(request())).podCidr, "10.244.3.0/24");
  assert.equal(node().spec?.podCIDR, "10.244.3.0/24", "registering again leaves the range alone");
});

test("an invalid node name is refused with INVALID_ARGUMENT and nothing is written", async () => {
  const { registrar, api } = setup();
  await assert.rejects(registrar.register(request({ nodeName: "Bad_Name" })), (err) => assertCode(err, GrpcStatus.INVALID_ARGUMENT));
  assert.equal(api.calls.length, 0);
});

test("Heartbeat with an unknown session answers NOT_FOUND: register again", async () => {
  const { api, sessions } = setup();
  const hb = new HeartbeatHandler({ api: api.client(), sessions, heartbeatPeriodMs: 5000 });
  await assert.rejects(hb.heartbeat({ nodeName: "n1", sessionId: "nope" }), (err) => {
    assertCode(err, GrpcStatus.NOT_FOUND);
    assert.match((err as Error).message, /session not found; register again/);
    return true;
  });
});

test("Heartbeat refreshes lastHeartbeatTime, brings an Unknown node back to Ready, and answers a jittered period", async () => {
  let now = new Date("2025-01-01T00:00:00.000Z");
  const { api, sessions, registrar, node } = setup(now);
  const { sessionId } = await registrar.register(request());
  // The node lifecycle controller marked it Unknown meanwhile.
  const n = node();
  n.status!.conditions = n.status!.conditions!.map((c) => (c.type === "Ready" ? { ...c, status: "Unknown", reason: "NodeStatusUnknown" } : c));

  now = new Date("2025-01-01T00:00:30.000Z");
  const answers: number[] = [];
  for (const r of [0, 0.5, 0.999]) {
    const hb = new HeartbeatHandler({ api: api.client(), sessions, heartbeatPeriodMs: 5000, now: () => now, random: () => r });
    answers.push((await hb.heartbeat({ nodeName: "n1", sessionId })).nextHeartbeatMs);
  }
  assert.deepEqual(answers, [4000, 5000, 5998]);
  const ready = node().status!.conditions!.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "True");
  assert.equal(ready.reason, "KubeletReady");
  assert.equal(ready.lastHeartbeatTime, "2025-01-01T00:00:30Z");
  assert.equal(ready.lastTransitionTime, "2025-01-01T00:00:30Z");
});

test("Heartbeat for a node someone deleted ends the session so the agent registers again", async () => {
  const { api, sessions, registrar } = setup();
  const { sessionId } = await registrar.register(request());
  api.objects.delete(api.key("nodes", "n1"));
  const hb = new HeartbeatHandler({ api: api.client(), sessions, heartbeatPeriodMs: 5000 });
  await assert.rejects(hb.heartbeat({ nodeName: "n1", sessionId }), (err) => assertCode(err, GrpcStatus.NOT_FOUND));
  assert.equal(sessions.size, 0);
});

test("jitter stays within ±20% of the period", () => {
  for (let i = 0; i < 1000; i++) {
    const ms = jittered(5000);
    assert.ok(ms >= 4000 && ms <= 6000, `${ms} out of range`);
  }
});
