// The pod worker with the volumes hook, against a fake runtime, fake mounts and an
// in-memory API: containers are created with their volumes bound (subPath and
// subPathExpr resolved, read-only where the mount or the volume says); a volume
// that cannot be set up keeps the containers that mount it waiting with
// CreateContainerConfigError and the kubelet's message (a FailedMount event), and
// they start once it can; the pod's removal removes its volumes, and a restarted
// agent sweeps what pods that went meanwhile left behind.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { lstat, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod, PodStatus } from "@bosun/api";
import { ContainerBackoff, LABEL_CONTAINER_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { VolumeHook } from "../src/pod/hooks/volumes.js";
import { podIdentity } from "../src/pod/identity.js";
import { VolumeManager } from "../src/volumes/manager.js";
import { FakeEnvObjects } from "./support/env-objects.js";
import { FakeMounts } from "./support/fake-mounts.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

const NODE = "volumes-node";
const scratch = await mkdtemp(join(tmpdir(), "bosun-pod-volumes-"));
const podsDir = join(scratch, "pods");

const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
const objects = new FakeEnvObjects();
const mounts = new FakeMounts();
const statuses = new Map<string, PodStatus>();
const events: (PodEventRecord & { uid: string })[] = [];
const reportEvent = (pod: { uid: string }, ev: PodEventRecord) => events.push({ ...ev, uid: pod.uid });

function newPods(): PodManager {
  const volumes = new VolumeManager({
    podsDir,
    mounts,
    objects,
    nodeAllocatable: () => ({ cpu: "2", memory: "4Gi" }),
    // As the agent wires it.
    onFailure: (pod, message) => reportEvent(podIdentity(pod), { type: "Warning", reason: "FailedMount", message, fieldPath: "" }),
  });
  return new PodManager({
    runtime,
    nodeName: NODE,
    infraImage: PAUSE_IMAGE,
    hostIP: () => "192.0.2.10",
    reportStatus: (pod, status) => statuses.set(pod.uid, status),
    reportEvent,
    resyncIntervalMs: 200,
    backoff: new ContainerBackoff(),
    envObjects: objects,
    hooks: [new VolumeHook(volumes)],
  });
}

let pods = newPods();
await pods.start();
after(async () => {
  await pods.stop();
  await rm(scratch, { recursive: true, force: true });
});

const uidOf = (pod: Pod) => pod.metadata.uid ?? "";
const container = (pod: Pod, name: string) => runtime.byLabel(LABEL_POD_UID, uidOf(pod)).find((c) => c.spec.labels[LABEL_CONTAINER_NAME] === name);
const waitingOf = (pod: Pod, i = 0) => statuses.get(uidOf(pod))?.containerStatuses?.[i]?.state?.waiting;
const volumeDir = (pod: Pod, kind: string, name: string) => join(podsDir, uidOf(pod), "volumes", kind, name);

test("containers get their volumes bound: shared emptyDir, subPath into a ConfigMap, a Secret read-only, subPathExpr from the environment", async () => {
  objects.putConfigMap("default", "web-config", { "nginx.conf": "server {}" });
  objects.putSecret("default", "web-tls", { "tls.key": "key" });
  const pod = testPod(
    "mounts",
    NODE,
    [
      {
        name: "writer",
        env: [{ name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }],
        volumeMounts: [
          { name: "shared", mountPath: "/shared" },
          { name: "shared", mountPath: "/per-pod", subPathExpr: "logs/$(POD_NAME)" },
          { name: "config", mountPath: "/etc/nginx/nginx.conf", subPath: "nginx.conf" },
        ],
      },
      { name: "reader", volumeMounts: [{ name: "shared", mountPath: "/data", readOnly: true }, { name: "tls", mountPath: "/tls" }] },
    ],
    {
      volumes: [
        { name: "shared", emptyDir: {} },
        { name: "config", configMap: { name: "web-config", defaultMode: 0o644 } },
        { name: "tls", secret: { secretName: "web-tls", defaultMode: 0o400 } },
      ],
    },
  );
  pods.applyComplete([pod]);
  await waitFor("Running", () => statuses.get(uidOf(pod))?.phase === "Running");
  const shared = volumeDir(pod, "kubernetes.io~empty-dir", "shared");
  const config = volumeDir(pod, "kubernetes.io~configmap", "config");
  const writer = container(pod, "writer")?.spec.mounts ?? [];
  assert.equal(writer.length, 3);
  assert.deepEqual(writer[0], { source: shared, target: "/shared", readOnly: false });
  // A subPath is bound from its pin in the pod's directory, which holds the path found in the volume.
  const pinned = (index: number, volume: string) => join(podsDir, uidOf(pod), "volume-subpaths", volume, "writer", String(index));
  assert.deepEqual(writer[1], { source: pinned(1, "shared"), target: "/per-pod", readOnly: false });
  assert.equal(mounts.binds.get(pinned(1, "shared")), join(shared, "logs", "mounts"), "subPathExpr expanded from the environment, the directory made");
  assert.deepEqual(writer[2], { source: pinned(2, "config"), target: "/etc/nginx/nginx.conf", readOnly: true }, "a ConfigMap's files are always mounted read-only");
  const configFile = mounts.binds.get(pinned(2, "config")) ?? "";
  assert.ok(configFile.startsWith(`${config}/..`), `a subPath into a ConfigMap pins the file of its current version: ${configFile}`);
  assert.equal(await readFile(pinned(2, "config"), "utf8"), "server {}");
  const tls = volumeDir(pod, "kubernetes.io~secret", "tls");
  assert.deepEqual(container(pod, "reader")?.spec.mounts, [
    { source: shared, target: "/data", readOnly: true },
    { source: tls, target: "/tls", readOnly: true },
  ]);
  assert.ok(mounts.tmpfs.has(tls), "the Secret's volume is a tmpfs");
  assert.equal(container(pod, "POD")?.spec.mounts, undefined, "the sandbox mounts nothing");
});

test("a volume that cannot be set up keeps the containers that mount it waiting; they start once it can", async () => {
  const pod = testPod(
    "late-config",
    NODE,
    [
      { name: "needs", volumeMounts: [{ name: "cfg", mountPath: "/cfg" }] },
      { name: "free", volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] },
      { name: "expr", volumeMounts: [{ name: "scratch", mountPath: "/x", subPathExpr: "$(NOT_SET)" }] },
    ],
    { volumes: [{ name: "cfg", configMap: { name: "late" } }, { name: "scratch", emptyDir: {} }] },
  );
  pods.applyUpdate(pod);
  const message = 'MountVolume.SetUp failed for volume "cfg" : configmap "late" not found';
  const waiting = await waitFor("CreateContainerConfigError", () => (waitingOf(pod)?.reason === "CreateContainerConfigError" ? waitingOf(pod) : undefined));
  assert.deepEqual(waiting, { reason: "CreateContainerConfigError", message });
  assert.equal(container(pod, "needs"), undefined, "nothing is created for it");
  await waitFor("the free container runs", () => statuses.get(uidOf(pod))?.containerStatuses?.[1]?.state?.running !== undefined);
  assert.deepEqual(waitingOf(pod, 2), { reason: "CreateContainerConfigError", message: "missing value for NOT_SET" });
  assert.equal(events.filter((e) => e.uid === uidOf(pod) && e.reason === "FailedMount" && e.type === "Warning" && e.message === message).length, 1, "the failure is told once while it lasts");
  assert.ok(events.some((e) => e.uid === uidOf(pod) && e.reason === "Failed" && e.message === `Error: ${message}` && e.fieldPath === "spec.containers{needs}"));

  objects.putConfigMap("default", "late", { k: "v" });
  await waitFor("the container that mounts it runs", () => statuses.get(uidOf(pod))?.containerStatuses?.[0]?.state?.running !== undefined);
  assert.deepEqual(container(pod, "needs")?.spec.mounts, [{ source: volumeDir(pod, "kubernetes.io~configmap", "cfg"), target: "/cfg", readOnly: true }]);
});

test("a removed pod's volumes go with it: tmpfs unmounted, directory removed", async () => {
  objects.putSecret("default", "s", { k: "v" });
  const pod = testPod("removed", NODE, [{ volumeMounts: [{ name: "s", mountPath: "/s" }, { name: "m", mountPath: "/m" }] }], {
    volumes: [
      { name: "s", secret: { secretName: "s" } },
      { name: "m", emptyDir: { medium: "Memory" } },
    ],
  });
  pods.applyUpdate(pod);
  await waitFor("Running", () => statuses.get(uidOf(pod))?.phase === "Running");
  const secretDir = volumeDir(pod, "kubernetes.io~secret", "s");
  const memoryDir = volumeDir(pod, "kubernetes.io~empty-dir", "m");
  assert.ok(mounts.tmpfs.has(secretDir) && mounts.tmpfs.has(memoryDir));

  pods.applyRemove(uidOf(pod));
  await waitFor("the pod's directory removed", () => lstat(join(podsDir, uidOf(pod))).then(() => false, () => true));
  assert.ok(mounts.unmounted.includes(secretDir) && mounts.unmounted.includes(memoryDir));
  assert.ok(!mounts.tmpfs.has(secretDir) && !mounts.tmpfs.has(memoryDir));
  assert.equal(runtime.byLabel(LABEL_POD_UID, uidOf(pod)).length, 0);
});

test("a restarted agent sweeps the volumes of pods that went while it was away, once the master's complete set is in", async () => {
  const stays = testPod("stays", NODE, [{ volumeMounts: [{ name: "d", mountPath: "/d" }] }], { volumes: [{ name: "d", emptyDir: {} }] });
  const goes = testPod("goes", NODE, [{ volumeMounts: [{ name: "m", mountPath: "/m" }] }], { volumes: [{ name: "m", emptyDir: { medium: "Memory" } }] });
  pods.applyUpdate(stays);
  pods.applyUpdate(goes);
  await waitFor("both Running", () => statuses.get(uidOf(stays))?.phase === "Running" && statuses.get(uidOf(goes))?.phase === "Running");

  // The agent stops; the pod's containers vanish meanwhile (removed by hand, a host cleanup).
  await pods.stop();
  for (const c of runtime.byLabel(LABEL_POD_UID, uidOf(goes))) await runtime.removeContainer(c.id);
  pods = newPods();
  await pods.start();
  pods.applyComplete([stays]);
  await waitFor("the gone pod's volumes removed", () => lstat(join(podsDir, uidOf(goes))).then(() => false, () => true));
  assert.ok(mounts.unmounted.includes(volumeDir(goes, "kubernetes.io~empty-dir", "m")));
  assert.ok((await lstat(volumeDir(stays, "kubernetes.io~empty-dir", "d"))).isDirectory(), "a pod that stays keeps its volumes");
});
