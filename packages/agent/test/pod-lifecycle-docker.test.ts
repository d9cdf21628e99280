// Restart policies, crash loops, image trouble, removal and master restarts against
// the real Docker engine, with a fake master.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import { AssignmentsMessage_Type } from "@bosun/proto";
import type { PodStatus } from "@bosun/api";
import { LABEL_NODE_NAME, type Agent } from "../src/index.js";
import { startDockerAgent, stopDockerAgent } from "./support/docker-agent.js";
import { FakeMaster, waitFor } from "./support/fake-master.js";
import { NETWORK_SLOTS } from "./support/network.js";
import { SERVE, testPod } from "./support/pods.js";

const docker = new Docker();
const nodeName = `agent-life-${randomUUID().slice(0, 8)}`;

async function podContainers(uid: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`, `bosun.io/pod-uid=${uid}`] } });
}

describe("pod lifecycle on Docker", { timeout: 240_000 }, () => {
  let master: FakeMaster;
  let agent: Agent;

  const statusOf = (uid: string): PodStatus | undefined => master.statuses.get(uid)?.status;

  before(async () => {
    ({ master, agent } = await startDockerAgent(nodeName, NETWORK_SLOTS.podLifecycle));
  });

  after(async () => {
    await stopDockerAgent(nodeName, { master, agent });
  });

  test("a crashing container goes into CrashLoopBackOff with the kubelet's message", async () => {
    const pod = testPod("crash", nodeName, [{ command: ["sh", "-c", "echo boom; exit 1"] }]);
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    const cs = await waitFor("CrashLoopBackOff", () => {
      const c = statusOf(uid)?.containerStatuses?.[0];
      return c?.state?.waiting?.reason === "CrashLoopBackOff" ? c : undefined;
    });
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.state?.waiting?.message, `back-off 10s restarting failed container=c0 pod=crash_default(${uid})`);
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.lastState?.terminated?.reason, "Error");
    assert.equal(statusOf(uid)?.phase, "Running");
    assert.ok(master.events.some((e) => e.podUid === uid && e.reason === "BackOff"));
  });

  test("restartPolicy Never and OnFailure give Succeeded and Failed", async () => {
    const ok = testPod("done", nodeName, [{ command: ["true"] }], { restartPolicy: "OnFailure" });
    const bad = testPod("broken", nodeName, [{ command: ["sh", "-c", "exit 3"] }], { restartPolicy: "Never" });
    master.setPod(ok);
    master.setPod(bad);
    await waitFor("Succeeded", () => statusOf(ok.metadata.uid ?? "")?.phase === "Succeeded");
    const failed = await waitFor("Failed", () => {
      const s = statusOf(bad.metadata.uid ?? "");
      return s?.phase === "Failed" ? s : undefined;
    });
    const term = failed.containerStatuses?.[0]?.state?.terminated;
    assert.equal(term?.exitCode, 3);
    assert.equal(term?.reason, "Error");
    assert.equal(failed.containerStatuses?.[0]?.restartCount, 0);
    const okStatus = statusOf(ok.metadata.uid ?? "");
    assert.equal(okStatus?.containerStatuses?.[0]?.state?.terminated?.reason, "Completed");
    assert.ok(okStatus?.conditions?.some((c) => c.type === "Ready" && c.status === "False" && c.reason === "PodCompleted"));
  });

  test("an image that cannot be had gives ErrImagePull, then ImagePullBackOff; Never gives ErrImageNeverPull", async () => {
    const pull = testPod("nopull", nodeName, [{ image: "127.0.0.1:9/bosun/does-not-exist:1" }]);
    const never = testPod("never", nodeName, [{ image: "127.0.0.1:9/bosun/does-not-exist:1", imagePullPolicy: "Never" }]);
    master.setPod(pull);
    master.setPod(never);
    // ErrImagePull is the status of one sync only and may be reported over by the next
    // within one report interval; its event stays.
    await waitFor("the ErrImagePull event", () => master.events.some((e) => e.podUid === pull.metadata.uid && e.message === "Error: ErrImagePull"));
    await waitFor("ImagePullBackOff", () => statusOf(pull.metadata.uid ?? "")?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff");
    const w = await waitFor("ErrImageNeverPull", () => {
      const s = statusOf(never.metadata.uid ?? "")?.containerStatuses?.[0]?.state?.waiting;
      return s?.reason === "ErrImageNeverPull" ? s : undefined;
    });
    assert.equal(w.message, 'Container image "127.0.0.1:9/bosun/does-not-exist:1" is not present with pull policy of Never');
    assert.equal(statusOf(pull.metadata.uid ?? "")?.phase, "Pending");
    master.removePod(pull.metadata.uid ?? "");
    master.removePod(never.metadata.uid ?? "");
  });

  test("a REMOVEd pod's containers are stopped and removed", async () => {
    const pod = testPod("gone", nodeName, [{ command: ["sh", "-c", SERVE] }]);
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    await waitFor("Running", () => statusOf(uid)?.phase === "Running");
    master.removePod(uid);
    await waitFor("containers removed", async () => (await podContainers(uid)).length === 0);
  });

  test("a sequence gap re-subscribes for a complete set without touching pods", async () => {
    const pod = testPod("steady", nodeName, [{ command: ["sh", "-c", SERVE] }]);
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    await waitFor("Running", () => statusOf(uid)?.phase === "Running");
    const ids = (await podContainers(uid)).map((c) => c.Id).sort();
    const subs = master.subscriptions;
    const regs = master.registrations.length;
    master.sendRaw({ type: AssignmentsMessage_Type.INCREMENTAL, sequence: 999, changes: [] });
    await waitFor("re-subscription", () => master.subscriptions > subs);
    assert.equal(master.registrations.length, regs);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual((await podContainers(uid)).map((c) => c.Id).sort(), ids);
  });

  test("pods keep running while the master is down; the agent reconnects and re-reports", async () => {
    const pod = testPod("durable", nodeName, [{ command: ["sh", "-c", SERVE] }]);
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    await waitFor("Running", () => statusOf(uid)?.phase === "Running");
    const ids = (await podContainers(uid)).map((c) => c.Id).sort();
    const pods = [...master.pods.values()];
    const network = master.network;
    const port = master.port;
    master.stop();
    await waitFor("disconnected", () => !agent.connected);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual((await podContainers(uid)).map((c) => c.Id).sort(), ids);

    master = new FakeMaster();
    master.network = network;
    for (const p of pods) master.pods.set(p.metadata.uid ?? "", p);
    await master.start(port);
    await waitFor("re-registration", () => master.registrations.length > 0, 30_000);
    const s = await waitFor("status re-reported", () => statusOf(uid), 10_000);
    assert.equal(s.phase, "Running");
    assert.deepEqual((await podContainers(uid)).map((c) => c.Id).sort(), ids);
  });
});
