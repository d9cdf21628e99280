// Integration tests against the real Docker engine, with a fake master.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import type { LogChunk } from "@bosun/proto";
import { Agent, DockerRuntime, LABEL_NODE_NAME } from "../src/index.js";
import { testDataDir } from "./support/agent.js";
import { FakeMaster, waitFor } from "./support/fake-master.js";
import { NETWORK_SLOTS, removeTestNetwork, testNetwork } from "./support/network.js";
import { ensureTestImages, PAUSE_IMAGE } from "./support/images.js";
import { SERVE, testPod } from "./support/pods.js";
import { agentServiceClient, nodeCredentials } from "./support/tls.js";

const docker = new Docker();
const nodeName = `agent-test-${randomUUID().slice(0, 8)}`;
const runtime = new DockerRuntime();
// One state directory across the agent's restarts, as a node keeps its own.
const dataDir = testDataDir();

async function newAgent(masters: string[]): Promise<Agent> {
  return new Agent({
    nodeName,
    masters,
    credentials: await nodeCredentials(nodeName),
    listen: "127.0.0.1:0",
    nodeLabels: { "test/run": "yes" },
    infraImage: PAUSE_IMAGE,
    dataDir,
    runtime,
    resyncIntervalMs: 1_000,
    reportIntervalMs: 100,
  });
}

async function podContainers(uid: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`, `bosun.io/pod-uid=${uid}`] } });
}

async function readLogs(agent: Agent, req: { podUid: string; namespace: string; podName: string; container: string; previous?: boolean }): Promise<string> {
  const client = await agentServiceClient(agent.endpoint, nodeName);
  try {
    const stream = client.logs({ follow: false, tailLines: -1, timestamps: false, sinceSeconds: 0, previous: false, sinceTime: "", limitBytes: 0, ...req });
    let out = "";
    for await (const chunk of stream as AsyncIterable<LogChunk>) out += Buffer.from(chunk.data).toString();
    return out;
  } finally {
    client.close();
  }
}

describe("bosun-agent on Docker", { timeout: 240_000 }, () => {
  let master: FakeMaster;
  let agent: Agent;

  before(async () => {
    ensureTestImages();
    master = new FakeMaster();
    master.network = testNetwork(NETWORK_SLOTS.agentDocker);
    await master.start();
    agent = await newAgent([master.address]);
    await agent.start();
    await waitFor("registration", () => master.registrations.length > 0);
  });

  after(async () => {
    await agent?.stop();
    master?.stop();
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await removeTestNetwork(nodeName);
  });

  test("registers with capacity, labels and addresses", () => {
    const reg = master.registrations[0];
    assert.ok(reg);
    assert.equal(reg.nodeName, nodeName);
    assert.equal(reg.labels["kubernetes.io/hostname"], nodeName);
    assert.equal(reg.labels["kubernetes.io/os"], "linux");
    assert.equal(reg.labels["test/run"], "yes");
    assert.equal(reg.capacity.pods, "110");
    assert.match(reg.runtimeVersion, /^docker:\/\//);
    assert.equal(reg.agentEndpoint, agent.endpoint);
    assert.deepEqual(reg.addresses.map((a) => a.type), ["InternalIP", "Hostname"]);
  });

  test("runs a pod, restarts a killed container, survives an agent restart, serves logs, deletes gracefully", async () => {
    const pod = testPod("web", nodeName, [
      { command: ["sh", "-c"], args: [SERVE], env: [{ name: "POD_GREETING", value: "bosun" }], resources: { limits: { cpu: "250m", memory: "64Mi" } } },
    ]);
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    const running = await waitFor("pod Running", () => {
      const s = master.statuses.get(uid)?.status;
      return s?.phase === "Running" && s.podIP ? s : undefined;
    });
    assert.match(running.podIP ?? "", /^\d+\.\d+\.\d+\.\d+$/);
    const cs = running.containerStatuses?.[0];
    assert.equal(cs?.ready, true);
    assert.equal(cs?.restartCount, 0);
    assert.ok(running.conditions?.some((c) => c.type === "Ready" && c.status === "True"));

    const containers = await podContainers(uid);
    assert.equal(containers.length, 2);
    const app = containers.find((c) => c.Labels["bosun.io/container-name"] === "c0");
    const infra = containers.find((c) => c.Labels["bosun.io/container-name"] === "POD");
    assert.ok(app && infra);
    assert.equal(app.Labels["bosun.io/pod-name"], "web");
    assert.equal(app.Labels["bosun.io/pod-namespace"], "default");
    assert.equal(app.Labels["bosun.io/restart-count"], "0");
    assert.equal(app.Labels["bosun.io/managed"], "true");
    assert.ok(app.Labels["bosun.io/spec-hash"]);
    assert.equal(cs?.containerID, `docker://${app.Id}`);
    const inspect = await docker.getContainer(app.Id).inspect();
    assert.equal(inspect.HostConfig.NetworkMode, `container:${infra.Id}`);
    assert.equal(inspect.HostConfig.NanoCpus, 250_000_000);
    assert.equal(inspect.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(inspect.HostConfig.RestartPolicy?.Name, "no");

    const logs = await waitFor("logs", async () => {
      const out = await readLogs(agent, { podUid: uid, namespace: "default", podName: "web", container: "" });
      return out.includes("hello from bosun") ? out : undefined;
    });
    assert.equal(logs, "hello from bosun\n");

    // docker kill from outside: restarted at once, restartCount rises.
    await docker.getContainer(app.Id).kill();
    const restarted = await waitFor("restart after docker kill", () => {
      const s = master.statuses.get(uid)?.status;
      const c = s?.containerStatuses?.[0];
      return c?.restartCount === 1 && c.state?.running ? c : undefined;
    });
    assert.equal(restarted.lastState?.terminated?.exitCode, 137);
    assert.equal(restarted.lastState?.terminated?.containerID, `docker://${app.Id}`);
    const previousLogs = await readLogs(agent, { podUid: uid, namespace: "default", podName: "web", container: "c0", previous: true });
    assert.equal(previousLogs, "hello from bosun\n");

    // The agent stops and a new one adopts the running containers as they are.
    const before = (await podContainers(uid)).filter((c) => c.State === "running").map((c) => c.Id).sort();
    await agent.stop();
    const registrations = master.registrations.length;
    agent = await newAgent([master.address]);
    await agent.start();
    await waitFor("re-registration", () => master.registrations.length > registrations);
    await waitFor("status re-reported after the restart", () => agent.reporter.statusJson(uid));
    await new Promise((r) => setTimeout(r, 1_500)); // a few resyncs
    const after = (await podContainers(uid)).filter((c) => c.State === "running").map((c) => c.Id).sort();
    assert.deepEqual(after, before);
    const adopted = master.statuses.get(uid)?.status.containerStatuses?.[0];
    assert.equal(adopted?.restartCount, 1);

    // Graceful deletion: SIGTERM, containers removed, terminated reported.
    const started = Date.now();
    master.setPod({
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 5 },
    });
    const final = await waitFor("terminated report", () => {
      const r = master.statuses.get(uid);
      return r?.terminated ? r : undefined;
    });
    assert.ok(Date.now() - started < 5_000, "the trap exits on SIGTERM, well within the grace period");
    assert.equal((await podContainers(uid)).length, 0);
    assert.equal(final.status.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
    assert.ok(master.events.some((e) => e.podUid === uid && e.reason === "Killing"));
    assert.ok(master.events.some((e) => e.podUid === uid && e.reason === "Started"));
  });
});
