// The agent's side of the pod network, with a fake master, runtime and host: pods wait
// (NetworkNotReady) until the master gives the node a pod CIDR, then run plugged into
// the node's own bridge with an IP from it; a restarted agent adopts that bridge and
// its pods' addresses before the master speaks; a pod's link deleted by hand comes back.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Pod } from "@bosun/api";
import { Agent, LABEL_CONTAINER_NAME, LABEL_POD_IP, LABEL_POD_UID } from "../src/index.js";
import { nodeNetworkNames } from "../src/network/names.js";
import { sandboxVeth } from "../src/network/sandbox-link.js";
import { FakeHost } from "./support/fake-host.js";
import { FakeMaster, waitFor } from "./support/fake-master.js";
import { testDataDir } from "./support/agent.js";
import { nodeCredentials } from "./support/tls.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

describe("pods on the node's pod network", { timeout: 60_000 }, () => {
  const nodeName = `podnet-${randomUUID().slice(0, 8)}`;
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  const host = new FakeHost();
  const network = { podCidr: "10.244.7.0/24", clusterCidr: "10.244.0.0/16", peers: [{ nodeName: "other", podCidr: "10.244.8.0/24", internalIp: "192.0.2.20" }] };
  let master: FakeMaster;
  let agent: Agent;

  const newAgent = async () =>
    new Agent({ nodeName, masters: [master.address], credentials: await nodeCredentials(nodeName), listen: "127.0.0.1:0", nodeLabels: {}, infraImage: PAUSE_IMAGE, dataDir: testDataDir(), runtime, networkHost: host, resyncIntervalMs: 500, reportIntervalMs: 50 });
  const infraOf = (pod: Pod) => runtime.byLabel(LABEL_POD_UID, pod.metadata.uid ?? "").find((c) => c.spec.labels[LABEL_CONTAINER_NAME] === "POD");

  before(async () => {
    master = new FakeMaster();
    await master.start();
    agent = await newAgent();
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
    master?.stop();
  });

  test("a pod waits with NetworkNotReady until the node has a pod CIDR, then gets an IP on the node's bridge", async () => {
    const pod = testPod("early", nodeName, [{}]);
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    const waiting = await waitFor("the pod reported waiting", () => master.statuses.get(uid)?.status);
    assert.equal(waiting.phase, "Pending");
    assert.equal(waiting.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating");
    const event = await waitFor("a NetworkNotReady event", () => master.events.find((e) => e.podUid === uid && e.reason === "NetworkNotReady"));
    assert.equal(event.type, "Warning");
    assert.match(event.message, /^network is not ready: node podnet-\w+ has no pod CIDR yet/);
    assert.equal(runtime.byLabel(LABEL_POD_UID, uid).length, 0, "nothing of the pod is created meanwhile");

    master.setNetwork(network);
    const running = await waitFor("Running", () => {
      const s = master.statuses.get(uid)?.status;
      return s?.phase === "Running" ? s : undefined;
    });
    assert.match(running.podIP ?? "", /^10\.244\.7\.\d+$/);
    const [bridge] = [...runtime.networks.values()];
    assert.ok(bridge);
    assert.equal(bridge.name, `bosun-${nodeName}`);
    assert.equal(bridge.subnet, "10.244.7.0/24");
    assert.equal(bridge.gateway, "10.244.7.1");
    assert.equal(bridge.labels["bosun.io/node-name"], nodeName);
    const infra = infraOf(pod);
    assert.ok(infra);
    assert.equal(infra.spec.networkMode, "none", "the agent plugs the sandbox in itself");
    assert.equal(infra.spec.labels[LABEL_POD_IP], running.podIP, "the sandbox carries its address");
    const veth = sandboxVeth(infra.id);
    assert.ok(host.ipWrites.some((w) => w[0] === `link add ${veth} mtu 1500 type veth peer name eth0 mtu 1500 netns ${infra.pid}` && w[1] === `link set ${veth} master ${nodeNetworkNames(nodeName).bridgeDevice} up`));
    assert.deepEqual(host.netnsWrites.find((w) => w.pid === infra.pid)?.commands, [`address add ${running.podIP}/24 dev eth0`, "link set eth0 up", "route add default via 10.244.7.1 dev eth0"]);
    assert.equal(master.events.filter((e) => e.podUid === uid && e.reason === "NetworkNotReady").length, 1, "a long wait is told once");
    await waitFor("the route to the other node's pods", () => host.ipWrites.flat().includes("route replace 10.244.8.0/24 via 192.0.2.20 proto 78"));
    assert.match(host.restores.at(-1) ?? "", /-A BOSUN-POST-\w+ -s 10\.244\.7\.0\/24 ! -d 10\.244\.0\.0\/16 -j MASQUERADE/);
  });

  test("a restarted agent adopts its bridge before the master speaks, and replaces a dead sandbox on it", async () => {
    const pod = testPod("adopted", nodeName, [{}]);
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    await waitFor("Running", () => master.statuses.get(uid)?.status.phase === "Running");
    const port = master.port;
    const pods = new Map(master.pods);
    master.stop();
    await agent.stop();
    agent = await newAgent();
    await agent.start();
    assert.deepEqual(agent.network.readiness(), { ready: true, bridge: nodeNetworkNames(nodeName).bridgeDevice });

    // The sandbox dies while the master is away; the new one comes once the master speaks, on the same bridge.
    const infra = infraOf(pod);
    assert.ok(infra);
    runtime.exit(infra.id, 137);
    master = new FakeMaster();
    for (const [k, v] of pods) master.pods.set(k, v);
    await master.start(port);
    const replaced = await waitFor("a new sandbox", () => {
      const c = infraOf(pod);
      return c && c.id !== infra.id && c.state === "running" ? c : undefined;
    });
    assert.equal(replaced.spec.labels[LABEL_POD_IP], infra.spec.labels[LABEL_POD_IP], "the pod keeps its address");
    await waitFor("the new sandbox plugged in", () => host.links.has(sandboxVeth(replaced.id)));
    assert.equal(runtime.networks.size, 1, "the adopted bridge is reused");
  });

  test("a pod's link deleted by hand comes back", async () => {
    const pod = testPod("relinked", nodeName, [{}]);
    master.setPod(pod);
    const ip = await waitFor("Running", () => {
      const s = master.statuses.get(pod.metadata.uid ?? "")?.status;
      return s?.phase === "Running" ? s.podIP : undefined;
    });
    const infra = infraOf(pod);
    assert.ok(infra);
    const veth = sandboxVeth(infra.id);
    host.links.delete(veth);
    const writes = host.netnsWrites.length;
    await waitFor("the link made again", () => host.links.has(veth));
    assert.equal(host.netnsWrites.at(-1)?.commands[0], `address add ${ip}/24 dev eth0`);
    assert.ok(host.netnsWrites.length > writes);
  });

  test("with a master that does not serve the pod network, the session stays up and new pods wait", async () => {
    const old = new FakeMaster();
    old.networkUnimplemented = true;
    await old.start();
    const node = `podnet-old-${randomUUID().slice(0, 8)}`;
    const oldAgent = new Agent({ nodeName: node, masters: [old.address], credentials: await nodeCredentials(node), listen: "127.0.0.1:0", nodeLabels: {}, infraImage: PAUSE_IMAGE, dataDir: testDataDir(), runtime, networkHost: host, resyncIntervalMs: 500, reportIntervalMs: 50 });
    try {
      await oldAgent.start();
      const pod = testPod("waits", node, [{}]);
      old.setPod(pod);
      await waitFor("a NetworkNotReady event", () => old.events.find((e) => e.podUid === pod.metadata.uid && e.reason === "NetworkNotReady"));
      const beats = old.heartbeats;
      await waitFor("heartbeats go on", () => old.heartbeats >= beats + 2);
      assert.equal(old.registrations.length, 1, "the session was never restarted");
      assert.equal(runtime.byLabel(LABEL_POD_UID, pod.metadata.uid ?? "").length, 0);
    } finally {
      await oldAgent.stop();
      old.stop();
    }
  });
});
