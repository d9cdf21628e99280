// The agent's node identity on the wire, with a fake master and runtime: it
// registers with its node certificate, checks the master's certificate against the
// cluster CA, and serves AgentService over mutual TLS to the masters only.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { AgentServiceClient, NodeServiceClient, type LogChunk } from "@bosun/proto";
import { Agent } from "../src/index.js";
import { FakeHost } from "./support/fake-host.js";
import { testAgent } from "./support/agent.js";
import { FakeMaster, waitFor } from "./support/fake-master.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { agentServiceClient, agentTarget, channelCredentials, foreignCa, nodeCredentials, nodeIdentity, testCa } from "./support/tls.js";

/** The status a Logs call ends with (OK when it ends without an error). */
function logsOutcome(client: AgentServiceClient): Promise<ServiceError | undefined> {
  const stream = client.logs({
    podUid: "no-such-uid", namespace: "default", podName: "nope", container: "",
    follow: false, tailLines: -1, timestamps: false, sinceSeconds: 0, previous: false, sinceTime: "", limitBytes: 0,
  });
  return new Promise((resolve) => {
    stream.on("data", (_: LogChunk) => undefined);
    stream.on("error", (err: ServiceError) => resolve(err));
    stream.on("end", () => resolve(undefined));
  });
}

describe("the agent's node identity", { timeout: 60_000 }, () => {
  const nodeName = `identity-${randomUUID().slice(0, 8)}`;
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  let master: FakeMaster;
  let agent: Agent;
  const clients: { close(): void }[] = [];

  before(async () => {
    master = new FakeMaster();
    master.network = { podCidr: "10.244.9.0/24", clusterCidr: "10.244.0.0/16", peers: [] };
    await master.start();
    agent = await testAgent(master, nodeName, { runtime, networkHost: new FakeHost(), resyncIntervalMs: 500 });
    await agent.start();
    await waitFor("registration", () => master.registrations.length > 0);
  });

  after(async () => {
    for (const c of clients) c.close();
    await agent?.stop();
    master?.stop();
  });

  test("the agent registers with its node certificate", () => {
    assert.deepEqual(master.registeredBy[0], { user: `system:node:${nodeName}`, groups: ["system:nodes"] });
    assert.equal(master.registrations[0]!.nodeName, nodeName);
  });

  test("AgentService answers a master; another node's certificate is PERMISSION_DENIED", async () => {
    const asMaster = await agentServiceClient(agent.endpoint, nodeName);
    clients.push(asMaster);
    const served = await logsOutcome(asMaster);
    // The request got past the TLS and the caller check: the runtime has no such pod.
    assert.equal(served?.code, GrpcStatus.INVALID_ARGUMENT);
    assert.match(served?.details ?? "", /pod default\/nope has no containers on this node yet/);

    const other = await nodeIdentity(`other-${nodeName}`);
    const asNode = await agentServiceClient(agent.endpoint, nodeName, other);
    clients.push(asNode);
    const refused = await logsOutcome(asNode);
    assert.equal(refused?.code, GrpcStatus.PERMISSION_DENIED);
    assert.match(refused?.details ?? "", /AgentService serves the masters only/);
  });

  test("AgentService refuses a client without a certificate, and its certificate names its node", async () => {
    const ca = (await testCa()).cert;
    const anonymous = new AgentServiceClient(agent.endpoint, channelCredentials(ca), agentTarget(nodeName));
    clients.push(anonymous);
    assert.equal((await logsOutcome(anonymous))?.code, GrpcStatus.UNAVAILABLE, "the TLS handshake needs a client certificate");

    // A master that dials this address for another node does not get this agent.
    const wrongNode = await agentServiceClient(agent.endpoint, `other-${nodeName}`);
    clients.push(wrongNode);
    assert.equal((await logsOutcome(wrongNode))?.code, GrpcStatus.UNAVAILABLE);
  });

  test("a node does not talk to a master whose certificate another CA signed", async () => {
    const impostor = new FakeMaster();
    impostor.ca = await foreignCa();
    await impostor.start();
    const client = new NodeServiceClient(impostor.address, (await nodeCredentials(nodeName)).channelCredentials());
    try {
      const err = await new Promise<ServiceError | null>((resolve) =>
        client.register(
          {
            nodeName, capacity: {}, allocatable: {}, labels: {}, addresses: [], runtimeVersion: "fake://1", agentVersion: "test",
            osImage: "", kernelVersion: "", architecture: "amd64", agentEndpoint: "127.0.0.1:1",
          },
          (e) => resolve(e),
        ),
      );
      assert.equal(err?.code, GrpcStatus.UNAVAILABLE);
      assert.match(err?.details ?? "", /unable to get local issuer certificate|unable to verify/, "the agent refused the master's certificate");
      assert.equal(impostor.registrations.length, 0, "nothing reached the impostor");
    } finally {
      client.close();
      impostor.stop();
    }
  });
});
