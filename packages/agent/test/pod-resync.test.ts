// The periodic resync against a fake runtime, on mocked timers: every pod is synced
// once per interval, each at its own point of it, so that a node of many pods never
// lists and inspects all of them at once.
import { after, mock, test } from "node:test";
import assert from "node:assert/strict";
import type { PodStatus } from "@bosun/api";
import { ContainerBackoff, LABEL_POD_UID, PodManager } from "../src/index.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

const NODE = "resync-node";
const INTERVAL_MS = 1_000;

/** Lets the fake runtime's promises and the workers' syncs run; only timers are mocked. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

test("the resync syncs every pod once per interval, spread evenly over it", async () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  /** The uid of each pod whose containers were listed: one listing per sync step. */
  const listed: string[] = [];
  const list = runtime.listContainers.bind(runtime);
  runtime.listContainers = (labels) => {
    const uid = labels[LABEL_POD_UID];
    if (uid) listed.push(uid);
    return list(labels);
  };
  const statuses = new Map<string, PodStatus>();
  const pods = new PodManager({
    runtime,
    nodeName: NODE,
    infraImage: PAUSE_IMAGE,
    hostIP: () => "192.0.2.10",
    reportStatus: (pod, status) => statuses.set(pod.uid, status),
    reportEvent: () => undefined,
    resyncIntervalMs: INTERVAL_MS,
    backoff: new ContainerBackoff(),
  });
  after(async () => {
    await pods.stop();
    mock.timers.reset();
  });
  await pods.start();
  const four = ["a", "b", "c", "d"].map((name) => testPod(name, NODE, [{ name: "app" }]));
  pods.applyComplete(four);
  await settle();
  for (const pod of four) assert.equal(statuses.get(pod.metadata.uid ?? "")?.phase, "Running", `${pod.metadata.name} runs before the resync`);

  /** How many pods synced since the last look. */
  const syncedSinceLastLook = () => new Set(listed.splice(0)).size;
  listed.length = 0;
  mock.timers.tick(INTERVAL_MS); // the resync: each pod gets its own quarter of the interval
  await settle();
  mock.timers.tick(60); // the first pod's sync (at least 50 ms off)
  await settle();
  assert.equal(syncedSinceLastLook(), 1, "one pod synced in the interval's first quarter");
  for (let quarter = 1; quarter < 4; quarter++) {
    mock.timers.tick(INTERVAL_MS / 4);
    await settle();
    assert.equal(syncedSinceLastLook(), 1, `one more pod synced in quarter ${quarter + 1}`);
  }
  mock.timers.tick(INTERVAL_MS / 4 - 70); // just before the next resync: nothing more
  await settle();
  assert.equal(listed.length, 0, "each pod synced once in the interval");
});
