// NodeService over real gRPC, with the API and the pod cache faked: the parts of the
// protocol that live in the server shell (waiting for sync, closing replaced streams).
import { test } from "node:test";
import assert from "node:assert/strict";
import { credentials, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { NodeServiceClient, AssignmentsMessage_Type as Type, type AssignmentsMessage, type NetworkMessage, type RegisterRequest } from "@bosun/proto";
import type { Node, Pod } from "@bosun/api";
import { AssignmentFeed } from "../src/dispatcher/assignments.js";
import { ApiEventRecorder } from "@bosun/client";
import { AgentEvents, eventSourceComponent } from "../src/dispatcher/events.js";
import { HeartbeatHandler } from "../src/dispatcher/heartbeat.js";
import { nodeServiceImplementation, serveNodeService } from "../src/dispatcher/server.js";
import { Registrar, SessionRegistry } from "../src/dispatcher/sessions.js";
import { StatusWriter } from "../src/dispatcher/status-writer.js";
import { PolicyPeersFeed } from "../src/dispatcher/policy-peers.js";
import { NetworkFeed } from "../src/dispatcher/network.js";
import { FakeApi, FakeCache, FakePodCache, node, pod } from "./fakes.js";
import { dispatcherTls, masterTls, nodeChannelCredentials } from "./support/tls.js";

const registration: RegisterRequest = {
  nodeName: "n1", capacity: { cpu: "1" }, allocatable: {}, labels: {}, addresses: [], runtimeVersion: "docker://x",
  agentVersion: "0", osImage: "", kernelVersion: "", architecture: "amd64", agentEndpoint: "127.0.0.1:1",
};

async function start() {
  const api = new FakeApi();
  const cache = new FakePodCache();
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));
  const nodes = new FakeCache<Node>();
  let markNodesSynced!: () => void;
  const nodesSynced = new Promise<void>((r) => (markNodesSynced = r));
  const sessions = new SessionRegistry();
  const status = new StatusWriter({ api: api.client(), pods: cache, flushIntervalMs: 10 });
  status.start();
  const impl = nodeServiceImplementation({
    sessions,
    registrar: new Registrar({ api: api.client(), sessions, heartbeatPeriodMs: 1000 }),
    heartbeat: new HeartbeatHandler({ api: api.client(), sessions, heartbeatPeriodMs: 1000 }),
    feed: new AssignmentFeed(cache, () => synced),
    network: new NetworkFeed(nodes, "10.244.0.0/16", () => nodesSynced),
    policyPeers: new PolicyPeersFeed(cache, () => synced),
    status,
    events: new AgentEvents({ pods: cache, recorder: new ApiEventRecorder({ client: api.client(), component: eventSourceComponent }) }),
  });
  const server = await serveNodeService(impl, "127.0.0.1", 0, await dispatcherTls());
  const client = new NodeServiceClient(`127.0.0.1:${server.port}`, await nodeChannelCredentials("n1"));
  const register = () =>
    new Promise<string>((resolve, reject) => client.register(registration, (err, res) => (err ? reject(err) : resolve(res.sessionId))));
  return {
    api, cache, nodes, client, register, markSynced, markNodesSynced, port: server.port,
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

function followNetwork(client: NodeServiceClient, sessionId: string) {
  const messages: NetworkMessage[] = [];
  const call = client.network({ nodeName: "n1", sessionId });
  call.on("data", (m: NetworkMessage) => messages.push(m));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    call.on("error", (err: ServiceError) => resolve(err));
    call.on("end", () => resolve(undefined));
  });
  return { messages, call, ended };
}

/** One unary round trip on the same connection: whatever the server sent before it has arrived. */
function roundTrip(client: NodeServiceClient, sessionId: string): Promise<void> {
  return new Promise((resolve, reject) => client.heartbeat({ nodeName: "n1", sessionId }, (err) => (err ? reject(err) : resolve())));
}

test("Network waits for the node cache, then sends the whole picture again whenever it changes", async () => {
  const s = await start();
  try {
    s.nodes.set(node("n1", { internalIp: "10.0.0.1" }));
    s.nodes.set(node("n2", { podCIDR: "10.244.2.0/24", internalIp: "10.0.0.2" }));
    s.nodes.set(node("n3", { internalIp: "10.0.0.3" }));
    const sessionId = await s.register();
    const stream = followNetwork(s.client, sessionId);
    await roundTrip(s.client, sessionId);
    assert.equal(stream.messages.length, 0, "nothing is sent from an unsynced node cache");

    s.markNodesSynced();
    await until(() => stream.messages.length === 1, "the first picture");
    assert.deepEqual(stream.messages[0], {
      podCidr: "",
      clusterCidr: "10.244.0.0/16",
      peers: [{ nodeName: "n2", podCidr: "10.244.2.0/24", internalIp: "10.0.0.2" }],
    });

    // A heartbeat changes nothing the network depends on: no message for it.
    const n2 = node("n2", { podCIDR: "10.244.2.0/24", internalIp: "10.0.0.2" });
    s.nodes.set({ ...n2, status: { ...n2.status, conditions: [{ type: "Ready", status: "True" }] } });
    s.nodes.set(node("n1", { podCIDR: "10.244.1.0/24", internalIp: "10.0.0.1" }));
    await until(() => stream.messages.length === 2, "the node's own range");
    assert.equal(stream.messages[1]!.podCidr, "10.244.1.0/24");

    s.nodes.set(node("n3", { podCIDR: "10.244.3.0/24", internalIp: "10.0.0.3" }));
    await until(() => stream.messages.length === 3, "a new peer");
    assert.deepEqual(stream.messages[2]!.peers.map((p) => p.nodeName), ["n2", "n3"]);

    s.nodes.remove(node("n2"));
    await until(() => stream.messages.length === 4, "a peer gone");
    assert.deepEqual(stream.messages[3]!.peers, [{ nodeName: "n3", podCidr: "10.244.3.0/24", internalIp: "10.0.0.3" }]);
    stream.call.cancel();
  } finally {
    await s.stop();
  }
});

test("Network checks the session: an unknown one gets NOT_FOUND, a replaced one's stream ends with NOT_FOUND", async () => {
  const s = await start();
  try {
    s.markNodesSynced();
    assert.equal((await followNetwork(s.client, "stale").ended)?.code, GrpcStatus.NOT_FOUND);
    const first = followNetwork(s.client, await s.register());
    await until(() => first.messages.length === 1, "the first picture");
    const second = followNetwork(s.client, await s.register());
    assert.equal((await first.ended)?.code, GrpcStatus.NOT_FOUND);
    await until(() => second.messages.length === 1, "the new session's picture");
    second.call.cancel();
  } finally {
    await s.stop();
  }
});

/** A client of the same dispatcher with other credentials. */
function clientWith(port: number, creds: ReturnType<typeof credentials.createInsecure>): NodeServiceClient {
  return new NodeServiceClient(`127.0.0.1:${port}`, creds);
}

function unaryError<Req>(call: (req: Req, cb: (err: ServiceError | null) => void) => unknown, req: Req): Promise<ServiceError | null> {
  return new Promise((resolve) => call(req, (err) => resolve(err)));
}

function streamError(stream: { on(event: "error", cb: (err: ServiceError) => void): unknown; on(event: "end", cb: () => void): unknown }): Promise<ServiceError | undefined> {
  return new Promise((resolve) => {
    stream.on("error", (err: ServiceError) => resolve(err));
    stream.on("end", () => resolve(undefined));
  });
}

test("an agent whose certificate names another node is PERMISSION_DENIED on every RPC, even with that node's session", async () => {
  const s = await start();
  const forger = clientWith(s.port, await nodeChannelCredentials("n2"));
  try {
    s.markSynced();
    s.markNodesSynced();
    const refused = await unaryError(forger.register.bind(forger), registration);
    assert.equal(refused?.code, GrpcStatus.PERMISSION_DENIED);
    assert.match(refused?.details ?? "", /node "n2" may not act as node "n1"/);
    assert.equal(s.api.calls.length, 0, "nothing reached the API for the refused registration");

    // n1 registers itself; n2 learning its session id changes nothing.
    const sessionId = await s.register();
    const denied = [
      await unaryError(forger.heartbeat.bind(forger), { nodeName: "n1", sessionId }),
      await unaryError(forger.reportStatus.bind(forger), { nodeName: "n1", sessionId, updates: [], events: [] }),
      await streamError(forger.assignments({ nodeName: "n1", sessionId })),
      await streamError(forger.network({ nodeName: "n1", sessionId })),
    ];
    assert.deepEqual(denied.map((e) => e?.code), Array(4).fill(GrpcStatus.PERMISSION_DENIED));
    await roundTrip(s.client, sessionId);
  } finally {
    forger.close();
    await s.stop();
  }
});

test("a client without a node certificate is refused: none at all fails the handshake, a non-node one is UNAUTHENTICATED", async () => {
  const s = await start();
  const pki = await masterTls();
  const anonymous = clientWith(s.port, credentials.createSsl(Buffer.from(pki.ca)));
  const admin = clientWith(s.port, credentials.createSsl(Buffer.from(pki.ca), Buffer.from(pki.key), Buffer.from(pki.cert)));
  const plain = clientWith(s.port, credentials.createInsecure());
  try {
    const noCert = await unaryError(anonymous.register.bind(anonymous), registration);
    assert.equal(noCert?.code, GrpcStatus.UNAVAILABLE, "the TLS handshake requires a client certificate");
    const notANode = await unaryError(admin.register.bind(admin), registration);
    assert.equal(notANode?.code, GrpcStatus.UNAUTHENTICATED);
    assert.match(notANode?.details ?? "", /serves agents with a node certificate \(CN=system:node:NAME, O=system:nodes\)/);
    const noTls = await unaryError(plain.register.bind(plain), registration);
    assert.equal(noTls?.code, GrpcStatus.UNAVAILABLE, "plain-text gRPC is not served");
    assert.equal(s.api.calls.length, 0);
  } finally {
    for (const c of [anonymous, admin, plain]) c.close();
    await s.stop();
  }
});
