// Two agents on this host's one Docker engine, as the single-host e2e set-up runs
// them: each puts its pods on a bridge of its own with its own /24, and a pod of one
// reaches a pod of the other by pod IP, unmasqueraded (the server sees the client's
// pod IP), through Docker's FORWARD rules.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import type { Pod } from "@bosun/api";
import { internalIP } from "@bosun/client";
import { Agent, DockerRuntime, LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_UID } from "../src/index.js";
import { FakeMaster, waitFor } from "./support/fake-master.js";
import { testDataDir } from "./support/agent.js";
import { nodeCredentials } from "./support/tls.js";
import { NETWORK_SLOTS, removeTestNetwork, TEST_CLUSTER_CIDR, testNetwork } from "./support/network.js";
import { ensureTestImages, PAUSE_IMAGE } from "./support/images.js";
import { SERVE, testPod } from "./support/pods.js";

const docker = new Docker();
const runtime = new DockerRuntime();
const run = randomUUID().slice(0, 8);
const clusterCidr = TEST_CLUSTER_CIDR;
const nodes = [
  { name: `podnet-${run}-a`, podCidr: testNetwork(NETWORK_SLOTS.twoAgentsA).podCidr },
  { name: `podnet-${run}-b`, podCidr: testNetwork(NETWORK_SLOTS.twoAgentsB).podCidr },
];

/** Serves the address the request came from: what the server sees of its client. */
const WHOAMI =
  "mkdir -p /www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip && " +
  "chmod +x /www/cgi-bin/ip && exec httpd -f -p 8080 -h /www";

describe("two agents on one Docker engine", { timeout: 120_000 }, () => {
  const masters: FakeMaster[] = [];
  const agents: Agent[] = [];

  const statusOf = (i: number, pod: Pod) => masters[i]?.statuses.get(pod.metadata.uid ?? "")?.status;

  before(async () => {
    ensureTestImages();
    for (const [i, node] of nodes.entries()) {
      const master = new FakeMaster();
      const other = nodes[1 - i]!;
      // Both agents register this host's address: their peers are local, so no route is needed.
      master.network = { podCidr: node.podCidr, clusterCidr, peers: [{ nodeName: other.name, podCidr: other.podCidr, internalIp: internalIP() }] };
      await master.start();
      const agent = new Agent({ nodeName: node.name, masters: [master.address], credentials: await nodeCredentials(node.name), listen: "127.0.0.1:0", nodeLabels: {}, infraImage: PAUSE_IMAGE, dataDir: testDataDir(), runtime, resyncIntervalMs: 1_000, reportIntervalMs: 100 });
      await agent.start();
      masters.push(master);
      agents.push(agent);
    }
  });

  after(async () => {
    for (const a of agents) await a.stop();
    for (const m of masters) m.stop();
    for (const node of nodes) {
      const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${node.name}`] } });
      await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
      await removeTestNetwork(node.name);
    }
  });

  test("pods get distinct IPs from their node's CIDR and reach each other by pod IP without NAT", async () => {
    const server = testPod("server", nodes[1]!.name, [{ name: "web", command: ["sh", "-c", WHOAMI] }], { terminationGracePeriodSeconds: 1 });
    const client = testPod("client", nodes[0]!.name, [{ name: "sh", command: ["sh", "-c", SERVE] }], { terminationGracePeriodSeconds: 1 });
    masters[1]!.setPod(server);
    masters[0]!.setPod(client);
    const serverIP = (await waitFor("the server Running", () => (statusOf(1, server)?.phase === "Running" ? statusOf(1, server)?.podIP : undefined), 60_000)) ?? "";
    const clientIP = (await waitFor("the client Running", () => (statusOf(0, client)?.phase === "Running" ? statusOf(0, client)?.podIP : undefined), 60_000)) ?? "";
    assert.match(serverIP, new RegExp(`^${nodes[1]!.podCidr.split(".").slice(0, 3).join("\\.")}\\.\\d+$`));
    assert.match(clientIP, new RegExp(`^${nodes[0]!.podCidr.split(".").slice(0, 3).join("\\.")}\\.\\d+$`));

    const [net] = await docker.listNetworks({ filters: { label: [`${LABEL_NODE_NAME}=${nodes[0]!.name}`] } });
    assert.equal(net?.Options?.["com.docker.network.bridge.enable_ip_masquerade"], "false", "Docker masquerades nothing on the pod bridge");

    const [sh] = await runtime.listContainers({ [LABEL_POD_UID]: client.metadata.uid ?? "", [LABEL_CONTAINER_NAME]: "sh" });
    assert.ok(sh);
    const seen = await waitFor(
      "an answer from the other node's pod",
      async () => {
        const r = await runtime.exec(sh.id, ["wget", "-qO-", `http://${serverIP}:8080/cgi-bin/ip`], { timeoutMs: 5_000, maxOutputBytes: 1024 });
        // busybox httpd listens on IPv6 and shows IPv4 clients as [::ffff:a.b.c.d].
        return r.exitCode === 0 ? r.output.toString().trim().replace(/^\[::ffff:(.*)\]$/, "$1") : undefined;
      },
      30_000,
    );
    assert.equal(seen, clientIP, "the server sees the client's pod IP");
  });
});
