// Probes and pod hostnames against the real Docker engine, with a fake master:
// httpGet on a named port to the pod IP, exec in the container (with its timeout),
// tcpSocket, and a liveness failure that restarts the container.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import type { Pod, PodStatus } from "@bosun/api";
import { Agent, DockerRuntime, LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_UID } from "../src/index.js";
import { testAgent } from "./support/agent.js";
import { FakeMaster, waitFor } from "./support/fake-master.js";
import { NETWORK_SLOTS, removeTestNetwork, testNetwork } from "./support/network.js";
import { ensureTestImages } from "./support/images.js";
import { SERVE, testPod } from "./support/pods.js";

const docker = new Docker();
const runtime = new DockerRuntime();
// Everything the agent creates carries this unique node name; cleanup goes by it.
const nodeName = `agent-probe-${randomUUID().slice(0, 8)}`;

const WEB = "mkdir -p /www && echo ok > /www/index.html && touch /tmp/healthy && exec httpd -f -p 8080 -h /www";

describe("probes on Docker", { timeout: 240_000 }, () => {
  let master: FakeMaster;
  let agent: Agent;

  const statusOf = (pod: Pod): PodStatus | undefined => master.statuses.get(pod.metadata.uid ?? "")?.status;
  const condition = (pod: Pod, type: string) => statusOf(pod)?.conditions?.find((c) => c.type === type);
  const events = (pod: Pod) => master.events.filter((e) => e.podUid === pod.metadata.uid).map((e) => `${e.reason}: ${e.message}`);

  async function containerId(pod: Pod, name: string): Promise<string> {
    const list = await runtime.listContainers({ [LABEL_NODE_NAME]: nodeName, [LABEL_POD_UID]: pod.metadata.uid ?? "", [LABEL_CONTAINER_NAME]: name });
    const live = list.find((c) => c.state === "running");
    if (!live) throw new Error(`container ${name} of ${pod.metadata.name} is not running`);
    return live.id;
  }

  async function sh(pod: Pod, name: string, script: string): Promise<string> {
    const res = await runtime.exec(await containerId(pod, name), ["sh", "-c", script], { timeoutMs: 10_000, maxOutputBytes: 4096 });
    assert.equal(res.exitCode, 0, `${script}: ${res.output.toString()}`);
    return res.output.toString();
  }

  before(async () => {
    ensureTestImages();
    master = new FakeMaster();
    master.network = testNetwork(NETWORK_SLOTS.probes);
    await master.start();
    agent = await testAgent(master, nodeName, { runtime });
    await agent.start();
    await waitFor("registration", () => master.subscriberCount > 0);
  });

  after(async () => {
    await agent?.stop();
    master?.stop();
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await removeTestNetwork(nodeName);
  });

  test("httpGet readiness follows the server; a failing exec liveness probe restarts the container", async () => {
    const pod = testPod(
      "web",
      nodeName,
      [
        {
          name: "web",
          command: ["sh", "-c", WEB],
          ports: [{ name: "http", containerPort: 8080 }],
          readinessProbe: { httpGet: { path: "/index.html", port: "http" }, periodSeconds: 1, failureThreshold: 1 },
          livenessProbe: { exec: { command: ["cat", "/tmp/healthy"] }, periodSeconds: 1, failureThreshold: 2 },
        },
      ],
      { terminationGracePeriodSeconds: 1 },
    );
    master.setPod(pod);
    await waitFor("Ready", () => condition(pod, "Ready")?.status === "True", 60_000);
    assert.equal(statusOf(pod)?.containerStatuses?.[0]?.ready, true);

    await sh(pod, "web", "rm /www/index.html");
    await waitFor("not Ready", () => condition(pod, "Ready")?.status === "False", 10_000);
    assert.equal(condition(pod, "ContainersReady")?.status, "False");
    assert.ok(events(pod).includes("Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404"), events(pod).join("\n"));
    await sh(pod, "web", "echo ok > /www/index.html");
    await waitFor("Ready again", () => condition(pod, "Ready")?.status === "True", 10_000);
    assert.equal(statusOf(pod)?.containerStatuses?.[0]?.restartCount, 0, "readiness never restarts");

    await sh(pod, "web", "rm /tmp/healthy");
    await waitFor("restarted", () => statusOf(pod)?.containerStatuses?.[0]?.restartCount === 1, 30_000);
    const evs = events(pod);
    const killing = evs.indexOf("Killing: Container web failed liveness probe, will be restarted");
    assert.ok(killing > 0, evs.join("\n"));
    assert.ok(
      evs.slice(0, killing).includes("Unhealthy: Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"),
      evs.join("\n"),
    );
    // The new instance ran its command again, so it is healthy and, once probed, ready.
    await waitFor("Ready after the restart", () => condition(pod, "Ready")?.status === "True" && statusOf(pod)?.containerStatuses?.[0]?.state?.running, 30_000);
  });

  test("tcpSocket probes reach the pod IP; an exec probe that outlives timeoutSeconds fails", async () => {
    const pod = testPod("mixed", nodeName, [
      { name: "web", command: ["sh", "-c", WEB], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } },
      { name: "slow", command: ["sh", "-c", SERVE], readinessProbe: { exec: { command: ["sleep", "5"] }, periodSeconds: 2, timeoutSeconds: 1 } },
      { name: "closed", command: ["sh", "-c", SERVE], readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1 } },
    ]);
    master.setPod(pod);
    await waitFor("web ready", () => statusOf(pod)?.containerStatuses?.find((c) => c.name === "web")?.ready, 60_000);
    const podIP = statusOf(pod)?.podIP;
    assert.ok(podIP);
    await waitFor("the timeout event", () => events(pod).includes('Unhealthy: Readiness probe failed: command "sleep 5" timed out'), 20_000);
    await waitFor("the refused event", () => events(pod).includes(`Unhealthy: Readiness probe failed: dial tcp ${podIP}:9999: connect: connection refused`), 20_000);
    const ready = condition(pod, "Ready");
    assert.equal(ready?.status, "False");
    assert.equal(ready?.message, "containers with unready status: [slow closed]");
  });

  test("the pod's hostname is spec.hostname, else its name, in the infra and the app containers", async () => {
    const named = testPod("web-abc12", nodeName, [{ command: ["sh", "-c", SERVE] }], { hostname: "web-0" });
    const plain = testPod("plain", nodeName, [{ command: ["sh", "-c", SERVE] }]);
    master.setPod(named);
    master.setPod(plain);
    await waitFor("Running", () => statusOf(named)?.phase === "Running" && statusOf(plain)?.phase === "Running", 60_000);
    assert.equal((await sh(named, "c0", "hostname")).trim(), "web-0");
    assert.equal((await sh(plain, "c0", "hostname")).trim(), "plain");
    const infra = await docker.getContainer(await containerId(named, "POD")).inspect();
    assert.equal(infra.Config.Hostname, "web-0");
  });
});
