// NodeService over real gRPC, with the API and the pod cache faked: the parts of the
// protocol that live in the server shell (waiting for sync, closing replaced streams).
import { test } from "node:test";
import assert from "node:assert/strict";
import { credentials, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { NodeServiceClient, AssignmentsMessage_Type as Type, type AssignmentsMessage, type RegisterRequest } from "@bosun/proto";
import type { Pod } from "@bosun/api";
import { AssignmentFeed } from "../src/dispatcher/assignments.js";
import { ApiEventRecorder } from "@bosun/client";
import { AgentEvents, eventSourceComponent } from "../src/dispatcher/events.js";
import { HeartbeatHandler } from "../src/dispatcher/heartbeat.js";
import { nodeServiceImplementation, serveNodeService } from "../src/dispatcher/server.js";
import { Registrar, SessionRegistry } from "../src/dispatcher/sessions.js";
import { StatusWriter } from "../src/dispatcher/status-writer.js";
import { FakeApi, FakePodCache, pod } from "./fakes.js";

const registration: RegisterRequest = {
  nodeName: "n1", capacity: { cpu: "1" }, allocatable: {}, labels: {}, addresses: [], runtimeVersion: "docker://x",
  agentVersion: "0", osImage: "", kernelVersion: "", architecture: "amd64", agentEndpoint: "127.0.0.1:1",
};

async function start() {
  const api = new FakeApi();
  const cache = new FakePodCache();
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));
  const sessions = new SessionRegistry();
  const status = new StatusWriter({ api: api.client(), pods: cache, flushIntervalMs: 10 });
  status.start();
  const impl = nodeServiceImplementation({
    sessions,
    registrar: new Registrar({ api: api.client(), sessions, heartbeatPeriodMs: 1000 }),
    heartbeat: new HeartbeatHandler({ api: api.client(), sessions, heartbeatPeriodMs: 1000 }),
    feed: new AssignmentFeed(cache, () => synced),
    status,
    events: new AgentEvents({ pods: cache, recorder: new ApiEventRecorder({ client: api.client(), component: eventSourceComponent }) }),
  });
  const server = await serveNodeService(impl, "127.0.0.1", 0);
  const client = new NodeServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  const register = () =>
    new Promise<string>((resolve, reject) => client.register(registration, (err, res) => (err ? reject(err) : resolve(res.sessionId))));
  return {
    api, cache, client, register, markSynced,
    async stop() {
      client.close();
      sessions.closeAll("test over");
      await server.close();
      await status.stop();
    },
  };
}

function collect(client: NodeServiceClient, sessionId: string) {
  const messages: AssignmentsMessage[] = [];
  const call = client.assignments({ nodeName: "n1", sessionId });
  call.on("data", (m: AssignmentsMessage) => messages.push(m));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    call.on("error", (err: ServiceError) => resolve(err));
    call.on("end", () => resolve(undefined));
  });
  return { messages, call, ended };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("the COMPLETE set waits for the pod cache to sync", async () => {
  const s = await start();
  try {
    const sessionId = await s.register();
    const stream = collect(s.client, sessionId);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(stream.messages.length, 0, "nothing is sent from an unsynced cache");
    s.cache.set(pod("a", "n1"));
    s.markSynced();
    await until(() => stream.messages.length === 1, "the COMPLETE set");
    assert.equal(stream.messages[0]!.type, Type.COMPLETE);
    assert.equal((JSON.parse(stream.messages[0]!.changes[0]!.podJson) as Pod).metadata.name, "a");
    stream.call.cancel();
  } finally {
    await s.stop();
  }
});

test("registering again ends the old session's stream with NOT_FOUND; the new one gets its own COMPLETE set", async () => {
  const s = await start();
  try {
    s.markSynced();
    const first = collect(s.client, await s.register());
    await until(() => first.messages.length === 1, "the first COMPLETE set");
    const second = collect(s.client, await s.register());
    const err = await first.ended;
    assert.equal(err?.code, GrpcStatus.NOT_FOUND);
    await until(() => second.messages.length === 1, "the second COMPLETE set");
    second.call.cancel();
  } finally {
    await s.stop();
  }
});

test("RPCs with an unknown session get NOT_FOUND", async () => {
  const s = await start();
  try {
    s.markSynced();
    const err = await new Promise<ServiceError | null>((resolve) =>
      s.client.reportStatus({ nodeName: "n1", sessionId: "stale", updates: [], events: [] }, (e) => resolve(e)),
    );
    assert.equal(err?.code, GrpcStatus.NOT_FOUND);
    assert.match(err?.details ?? "", /session not found; register again/);
    const stream = collect(s.client, "stale");
    assert.equal((await stream.ended)?.code, GrpcStatus.NOT_FOUND);
  } finally {
    await s.stop();
  }
});

test("ReportStatus reaches the API as a status patch", async () => {
  const s = await start();
  try {
    s.markSynced();
    s.cache.set(pod("a", "n1"));
    s.api.objects.set(s.api.key("pods", "a", "default"), pod("a", "n1"));
    const sessionId = await s.register();
    await new Promise<void>((resolve, reject) =>
      s.client.reportStatus(
        { nodeName: "n1", sessionId, updates: [{ namespace: "default", name: "a", uid: "uid-a", statusJson: '{"phase":"Running"}', terminated: false }], events: [] },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    await until(() => (s.api.objects.get(s.api.key("pods", "a", "default")) as Pod).status?.phase === "Running", "the status write");
  } finally {
    await s.stop();
  }
});
