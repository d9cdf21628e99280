import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, type ServerWritableStream } from "@grpc/grpc-js";
import type { Node, Pod } from "@bosun/api";
import { StatusError } from "@bosun/apiserver";
import { AgentServiceService, type LogChunk, type LogsRequest } from "@bosun/proto";
import { AgentClients } from "../src/agent-clients.js";
import { AgentLogSource } from "../src/agent-logs.js";
import { apiError, pod } from "./fakes.js";
import { agentServerCredentials, masterTls } from "./support/tls.js";

/** An AgentService, serving with the certificate of `nodeName`, that sends two chunks, then (with follow) waits until cancelled. */
async function fakeAgent(nodeName = "n1") {
  const requests: LogsRequest[] = [];
  let cancelled = 0;
  const server = new Server();
  server.addService(AgentServiceService, {
    logs(call: ServerWritableStream<LogsRequest, LogChunk>) {
      requests.push(call.request);
      call.on("cancelled", () => cancelled++);
      call.write({ data: Buffer.from("hello\n") });
      call.write({ data: Buffer.from("world\n") });
      if (!call.request.follow) call.end();
    },
  });
  const serverCredentials = await agentServerCredentials(nodeName);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, requests, cancelled: () => cancelled, stop: () => server.forceShutdown() };
}

function nodeWith(annotations: Record<string, string>): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name: "n1", annotations } };
}

const opts = { container: "c", follow: false };

test("logs stream from the agent named by the node's annotation, with the request's options", async () => {
  const agent = await fakeAgent();
  const agents = new AgentClients({ getNode: async () => nodeWith({ "bosun.io/agent-endpoint": `127.0.0.1:${agent.port}` }), tls: await masterTls() });
  const source = new AgentLogSource(agents);
  try {
    let text = "";
    for await (const chunk of source.streamLogs(pod("a", "n1"), { ...opts, tailLines: 10 }, new AbortController().signal)) {
      text += Buffer.from(chunk).toString();
    }
    assert.equal(text, "hello\nworld\n");
    assert.equal(agent.requests[0]!.podUid, "uid-a");
    assert.equal(agent.requests[0]!.container, "c");
    assert.equal(agent.requests[0]!.tailLines, 10);
    // Logs and exec share one gRPC client per agent.
    const forLogs = await agents.forPod(pod("a", "n1"), "logs");
    assert.equal((await agents.forPod(pod("b", "n1"), "exec")).client, forLogs.client);
  } finally {
    agents.close();
    agent.stop();
  }
});

test("aborting a followed stream cancels the gRPC call", async () => {
  const agent = await fakeAgent();
  const agents = new AgentClients({ getNode: async () => nodeWith({ "bosun.io/agent-endpoint": `127.0.0.1:${agent.port}` }), tls: await masterTls() });
  const source = new AgentLogSource(agents);
  const abort = new AbortController();
  try {
    const chunks: string[] = [];
    for await (const chunk of source.streamLogs(pod("a", "n1"), { ...opts, follow: true }, abort.signal)) {
      chunks.push(Buffer.from(chunk).toString());
      if (chunks.length === 2) abort.abort();
    }
    assert.deepEqual(chunks, ["hello\n", "world\n"]);
    for (let i = 0; i < 100 && agent.cancelled() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(agent.cancelled(), 1);
  } finally {
    agents.close();
    agent.stop();
  }
});

async function failure(source: AgentLogSource, p: Pod): Promise<StatusError> {
  try {
    for await (const _ of source.streamLogs(p, opts, new AbortController().signal)) break;
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the stream to fail");
}

test("clear errors when the node, its endpoint or its agent cannot be had", async () => {
  const missing = await failure(new AgentLogSource(new AgentClients({ getNode: async () => { throw apiError(404, "NotFound"); }, tls: await masterTls() })), pod("a", "n1"));
  assert.equal(missing.code, 404);
  assert.match(missing.message, /node "n1" of pod default\/a does not exist/);

  const noEndpoint = await failure(new AgentLogSource(new AgentClients({ getNode: async () => nodeWith({}), tls: await masterTls() })), pod("a", "n1"));
  assert.equal(noEndpoint.code, 503);
  assert.match(noEndpoint.message, /no bosun.io\/agent-endpoint annotation/);

  const unbound = await failure(new AgentLogSource(new AgentClients({ getNode: async () => nodeWith({}), tls: await masterTls() })), pod("a", undefined));
  assert.equal(unbound.code, 400);

  const down = new AgentClients({ getNode: async () => nodeWith({ "bosun.io/agent-endpoint": "127.0.0.1:1" }), tls: await masterTls() });
  const unreachable = await failure(new AgentLogSource(down), pod("a", "n1"));
  down.close();
  assert.equal(unreachable.code, 503);
  assert.match(unreachable.message, /cannot reach the agent of node "n1" at 127.0.0.1:1/);
});

test("the master talks only to the agent of the pod's node: an endpoint answering with another node's certificate is refused", async () => {
  const impostor = await fakeAgent("n2");
  const agents = new AgentClients({ getNode: async () => nodeWith({ "bosun.io/agent-endpoint": `127.0.0.1:${impostor.port}` }), tls: await masterTls() });
  try {
    const refused = await failure(new AgentLogSource(agents), pod("a", "n1"));
    assert.equal(refused.code, 503);
    assert.match(refused.message, /cannot reach the agent of node "n1"/);
    assert.equal(impostor.requests.length, 0, "no request reached the impostor");
  } finally {
    agents.close();
    impostor.stop();
  }
});
