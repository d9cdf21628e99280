// An agent that gets the master back after a long absence converges on what the
// master now says: pods deleted meanwhile (gone from the COMPLETE set, or present with
// a deletionTimestamp) are stopped and the latter reported terminated; the rest keep
// running untouched. Also when the agent itself restarted meanwhile.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Pod } from "@bosun/api";
import { Agent, LABEL_POD_UID } from "../src/index.js";
import { testAgent } from "./support/agent.js";
import { FakeMaster, waitFor } from "./support/fake-master.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";
import { FakeHost } from "./support/fake-host.js";

describe("reconciling after the master comes back", { timeout: 90_000 }, () => {
  const nodeName = `reconnect-${randomUUID().slice(0, 8)}`;
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  const network = { podCidr: "10.244.1.0/24", clusterCidr: "10.244.0.0/16", peers: [] };
  let master: FakeMaster;
  let agent: Agent;

  const newAgent = () => testAgent(master, nodeName, { runtime, networkHost: new FakeHost(), resyncIntervalMs: 500 });
  const ids = (pod: Pod) =>
    runtime
      .byLabel(LABEL_POD_UID, pod.metadata.uid ?? "")
      .map((c) => c.id)
      .sort();
  const running = (pod: Pod) => master.statuses.get(pod.metadata.uid ?? "")?.status.phase === "Running";

  /** Stops the master, lets `away` change the pods meanwhile, and brings a new master up on the same port. */
  async function masterAway(away: (pods: Map<string, Pod>) => void, whileAway?: () => Promise<void>): Promise<void> {
    const pods = new Map(master.pods);
    const port = master.port;
    master.stop();
    await waitFor("disconnected", () => !agent.connected);
    await whileAway?.();
    away(pods);
    master = new FakeMaster();
    master.network = network;
    for (const [uid, p] of pods) master.pods.set(uid, p);
    await master.start(port);
  }

  before(async () => {
    master = new FakeMaster();
    master.network = network;
    await master.start();
    agent = await newAgent();
    await agent.start();
    await waitFor("registration", () => master.subscriberCount > 0);
  });

  after(async () => {
    await agent?.stop();
    master?.stop();
  });

  test("pods removed or marked deleted while the master was away are stopped; the others are untouched", async () => {
    const removed = testPod("removed", nodeName, [{}]);
    const deleted = testPod("deleted", nodeName, [{}], { terminationGracePeriodSeconds: 9 });
    const kept = testPod("kept", nodeName, [{}]);
    for (const p of [removed, deleted, kept]) master.setPod(p);
    await waitFor("all Running", () => [removed, deleted, kept].every(running));
    const keptIds = ids(kept);
    const deletedApp = runtime.byLabel(LABEL_POD_UID, deleted.metadata.uid ?? "").find((c) => c.spec.labels["bosun.io/container-name"] === "c0");
    assert.ok(deletedApp);

    await masterAway((pods) => {
      pods.delete(removed.metadata.uid ?? "");
      pods.set(deleted.metadata.uid ?? "", {
        ...deleted,
        metadata: { ...deleted.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 4 },
      });
    });

    await waitFor("the removed pod's containers gone", () => ids(removed).length === 0, 20_000);
    await waitFor("the deleted pod's containers gone", () => ids(deleted).length === 0, 20_000);
    const final = await waitFor("the deleted pod reported terminated", () => {
      const s = master.statuses.get(deleted.metadata.uid ?? "");
      return s?.terminated ? s : undefined;
    });
    assert.equal(final.status.phase, "Failed", "its container died of SIGTERM (143)");
    assert.equal(final.status.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
    assert.deepEqual(runtime.stops.find((s) => s.id === deletedApp.id), { id: deletedApp.id, timeoutSeconds: 4 });
    assert.equal(master.statuses.get(removed.metadata.uid ?? ""), undefined, "nothing is reported for a pod the API no longer has");
    assert.deepEqual(ids(kept), keptIds);
    await waitFor("the kept pod re-reported", () => running(kept));
  });

  test("an agent that restarted while the master was away stops deleted pods with their own grace period", async () => {
    const gone = testPod("gone", nodeName, [{}], { terminationGracePeriodSeconds: 6 });
    const stays = testPod("stays", nodeName, [{}]);
    master.setPod(gone);
    master.setPod(stays);
    await waitFor("Running", () => running(gone) && running(stays));
    const staysIds = ids(stays);
    const goneApp = runtime.byLabel(LABEL_POD_UID, gone.metadata.uid ?? "").find((c) => c.spec.labels["bosun.io/container-name"] === "c0");
    assert.ok(goneApp);

    await masterAway(
      (pods) => pods.delete(gone.metadata.uid ?? ""),
      async () => {
        await agent.stop();
        agent = await newAgent();
        await agent.start(); // adopts every container; the master is still away
        await new Promise((r) => setTimeout(r, 1_000));
        assert.equal(ids(gone).length, 2, "nothing is stopped before the master speaks");
      },
    );

    await waitFor("the gone pod's containers removed", () => ids(gone).length === 0, 20_000);
    assert.deepEqual(runtime.stops.find((s) => s.id === goneApp.id), { id: goneApp.id, timeoutSeconds: 6 });
    assert.deepEqual(ids(stays), staysIds);
    await waitFor("the staying pod re-reported", () => running(stays));
  });
});
