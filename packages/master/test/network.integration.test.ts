// The pod network's master side with a real etcd and apiserver: the controller
// manager's allocator gives registered nodes their ranges, and the dispatcher's
// Network stream tells each agent its own range and every other node's route as
// they come and go. The agents are fakes written on NodeServiceClient.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestApiServer } from "@bosun/apiserver/testing";
import { ApiClient, sleep } from "@bosun/client";
import { NodeServiceClient, type NetworkMessage, type RegisterRequest, type RegisterResponse } from "@bosun/proto";
import { startControllerManager } from "../src/controller-manager.js";
import { startDispatcher } from "../src/dispatcher/index.js";
import { nodeResource } from "../src/resources.js";
import { dispatcherTls, nodeChannelCredentials } from "./support/tls.js";

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(20);
  }
  assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function registration(nodeName: string, internalIp: string): RegisterRequest {
  return {
    nodeName, capacity: { cpu: "2", memory: "2Gi", pods: "110" }, allocatable: {}, labels: {},
    addresses: [{ type: "InternalIP", address: internalIp }], runtimeVersion: "docker://fake", agentVersion: "it",
    osImage: "", kernelVersion: "", architecture: "amd64", agentEndpoint: `${internalIp}:10250`,
  };
}

/** A fake agent: registers, then follows its Network stream. */
async function agent(port: number, nodeName: string, internalIp: string) {
  const client = new NodeServiceClient(`127.0.0.1:${port}`, await nodeChannelCredentials(nodeName));
  const register = () =>
    new Promise<RegisterResponse>((resolve, reject) =>
      client.register(registration(nodeName, internalIp), (err, res) => (err ? reject(err) : resolve(res))),
    );
  const { sessionId } = await register();
  const messages: NetworkMessage[] = [];
  const call = client.network({ nodeName, sessionId });
  call.on("data", (m: NetworkMessage) => messages.push(m));
  call.on("error", () => {});
  return {
    register,
    latest: () => messages.at(-1),
    close() {
      call.cancel();
      client.close();
    },
  };
}

const peerNames = (msg: NetworkMessage | undefined) => msg?.peers.map((p) => p.nodeName).join(",");

test("agents learn their own pod CIDR and every other node's route as nodes join and leave", { timeout: 60_000 }, async (t) => {
  // Stopped last started first: agents, dispatcher, controllers, then the apiserver.
  const stops: Array<() => Promise<void> | void> = [];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  const server = await startTestApiServer();
  stops.push(() => server.stop());
  const client = new ApiClient({ server: server.url, userAgent: "network-it" });
  const manager = await startControllerManager({
    client, nodeMonitorGraceMs: 60_000, podEvictionTimeoutMs: 60_000, clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 24, rootCa: "",
  });
  stops.push(() => manager.stop());
  const dispatcher = await startDispatcher({ client, heartbeatPeriodMs: 60_000, clusterCidr: "10.244.0.0/16", host: "127.0.0.1", port: 0, tls: await dispatcherTls() });
  stops.push(() => dispatcher.close());

  const one = await agent(dispatcher.port, "one", "10.0.0.1");
  stops.push(() => one.close());
  const own = await until("node one's range", () => (one.latest()?.podCidr ? one.latest() : undefined));
  assert.match(own.podCidr, /^10\.244\.\d+\.0\/24$/);
  assert.equal(own.clusterCidr, "10.244.0.0/16");
  assert.deepEqual(own.peers, []);

  const two = await agent(dispatcher.port, "two", "10.0.0.2");
  stops.push(() => two.close());
  const seenByTwo = await until("node two's range and its route to one", () => {
    const m = two.latest();
    return m?.podCidr && peerNames(m) === "one" ? m : undefined;
  });
  assert.deepEqual(seenByTwo.peers, [{ nodeName: "one", podCidr: own.podCidr, internalIp: "10.0.0.1" }]);
  assert.notEqual(seenByTwo.podCidr, own.podCidr);
  const seenByOne = await until("node one's route to two", () => (peerNames(one.latest()) === "two" ? one.latest() : undefined));
  assert.deepEqual(seenByOne.peers, [{ nodeName: "two", podCidr: seenByTwo.podCidr, internalIp: "10.0.0.2" }]);

  await client.delete(nodeResource, "two");
  await until("node one to drop its route to two", () => (peerNames(one.latest()) === "" ? true : undefined));

  assert.equal((await one.register()).podCidr, own.podCidr, "Register answers the range a node already has");
});
