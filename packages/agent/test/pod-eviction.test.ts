// Eviction for an emptyDir over its sizeLimit, through the pod worker against a fake
// runtime, with the volumes on a scratch disk measured for real: the pod gets an
// Evicted Warning event, its containers are stopped with the eviction's 1 s grace
// period (and kept, for their logs), its volumes are removed (what it wrote is what
// the eviction frees the disk of), it is reported Failed with reason Evicted and
// the kubelet's message, and it never starts again: not at the next syncs, and not
// on an agent that restarts and learns of the eviction from the master's copy.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod, PodStatus } from "@bosun/api";
import { ContainerBackoff, LABEL_CONTAINER_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { VolumeHook } from "../src/pod/hooks/volumes.js";
import { VolumeManager } from "../src/volumes/manager.js";
import { EmptyDirLimits } from "../src/volumes/empty-dir-limits.js";
import { FakeMounts } from "./support/fake-mounts.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

const NODE = "eviction-node";
const scratch = await mkdtemp(join(tmpdir(), "bosun-pod-eviction-"));
const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
const statuses = new Map<string, PodStatus>();
const events: (PodEventRecord & { uid: string })[] = [];
const volumes = new VolumeManager({ podsDir: join(scratch, "pods"), mounts: new FakeMounts() });

function newPods(): PodManager {
  return new PodManager({
    runtime,
    nodeName: NODE,
    infraImage: PAUSE_IMAGE,
    hostIP: () => "192.0.2.10",
    reportStatus: (pod, status) => statuses.set(pod.uid, status),
    reportEvent: (pod, ev) => events.push({ ...ev, uid: pod.uid }),
    // Syncs come from the test, not from a timer.
    resyncIntervalMs: 3_600_000,
    backoff: new ContainerBackoff(),
    hooks: [new VolumeHook(volumes)],
  });
}

let pods = newPods();
await pods.start();
// As the agent wires them.
const limits = new EmptyDirLimits({ activePods: () => pods.activePods(), dirs: volumes.dirs, evict: (pod, message) => pods.evict(pod.metadata.uid ?? "", message) });
after(async () => {
  await pods.stop();
  await rm(scratch, { recursive: true, force: true });
});

const MESSAGE = 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ';
const uidOf = (pod: Pod) => pod.metadata.uid ?? "";
const containers = (pod: Pod) => runtime.byLabel(LABEL_POD_UID, uidOf(pod));

/** Asks every pod for a sync and answers the status its worker reports at the end of it. */
async function nextReport(pod: Pod): Promise<PodStatus> {
  statuses.delete(uidOf(pod));
  pods.syncAll();
  return waitFor("the pod's next status report", () => statuses.get(uidOf(pod)));
}

test("a pod whose emptyDir outgrows its sizeLimit is evicted: containers stopped, Failed, reason Evicted, the kubelet's message", async () => {
  const pod = testPod("writer", NODE, [{ name: "app", volumeMounts: [{ name: "cache", mountPath: "/cache" }] }], {
    terminationGracePeriodSeconds: 30,
    volumes: [{ name: "cache", emptyDir: { sizeLimit: "1Mi" } }],
  });
  pods.applyComplete([pod]);
  await waitFor("Running", () => statuses.get(uidOf(pod))?.phase === "Running");
  const cache = volumes.dirs.volumeDir(uidOf(pod), "emptyDir", "cache");

  await writeFile(join(cache, "small"), Buffer.alloc(256 * 1024, 1));
  await limits.check();
  assert.equal((await nextReport(pod)).phase, "Running", "within its limit the pod runs on");
  assert.equal(events.filter((e) => e.reason === "Evicted").length, 0);

  await writeFile(join(cache, "big"), Buffer.alloc(2 * 1024 * 1024, 1));
  await limits.check();
  const status = await waitFor("Failed", () => (statuses.get(uidOf(pod))?.phase === "Failed" ? statuses.get(uidOf(pod)) : undefined));
  assert.equal(status.reason, "Evicted");
  assert.equal(status.message, MESSAGE);
  assert.deepEqual(status.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
  assert.deepEqual(
    events.filter((e) => e.uid === uidOf(pod) && e.reason === "Evicted"),
    [{ uid: uidOf(pod), type: "Warning", reason: "Evicted", message: MESSAGE, fieldPath: "" }],
  );
  const left = containers(pod);
  assert.equal(left.length, 2, "the sandbox and the app container are kept, stopped, for their logs");
  assert.ok(left.every((c) => c.state === "exited"));
  const stops = runtime.stops.filter((s) => left.some((c) => c.id === s.id));
  assert.deepEqual(stops.map((s) => s.timeoutSeconds), [1, 1], "the eviction's grace period, not the pod's 30 s");
  assert.equal(existsSync(volumes.dirs.podDir(uidOf(pod))), false, "the evicted pod's volumes are removed before it is reported Failed");

  assert.deepEqual(pods.activePods().map(uidOf).includes(uidOf(pod)), false, "an evicted pod is not measured again");
  assert.equal(pods.evict(uidOf(pod), "again"), false, "nor evicted twice");
  const later = await nextReport(pod);
  assert.equal(later.phase, "Failed");
  assert.equal(later.reason, "Evicted");
  assert.deepEqual(containers(pod).map((c) => [c.spec.labels[LABEL_CONTAINER_NAME], c.state]).sort(), [["POD", "exited"], ["app", "exited"]], "nothing started again");
});

test("an agent that restarts keeps an evicted pod stopped: the master's copy says it was evicted", async () => {
  const pod = testPod("evicted-before", NODE, [{ name: "app" }], { volumes: [{ name: "cache", emptyDir: { sizeLimit: "1Mi" } }] });
  pods.applyUpdate(pod);
  await waitFor("Running", () => statuses.get(uidOf(pod))?.phase === "Running");
  assert.equal(pods.evict(uidOf(pod), MESSAGE), true);
  const evicted = await waitFor("Failed", () => (statuses.get(uidOf(pod))?.phase === "Failed" ? statuses.get(uidOf(pod)) : undefined));
  const before = containers(pod).map((c) => c.id).sort();

  await pods.stop();
  pods = newPods();
  await pods.start();
  statuses.delete(uidOf(pod));
  pods.applyComplete([{ ...pod, status: evicted }]);
  const status = await waitFor("the restarted agent's report", () => statuses.get(uidOf(pod)));
  assert.equal(status.phase, "Failed");
  assert.equal(status.message, MESSAGE);
  assert.deepEqual(containers(pod).map((c) => c.id).sort(), before, "no container made again");
  assert.ok(containers(pod).every((c) => c.state === "exited"));
  assert.equal(pods.activePods().length, 0);
});
