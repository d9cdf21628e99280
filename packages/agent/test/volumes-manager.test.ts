// The volume manager on a scratch directory, with fake mounts and an in-memory API:
// each kind of volume is set up where the kubelet would put it, with its files and
// modes; API data is refreshed when due (an injected clock) or, for the downward
// API, when the pod's labels change; failures carry the kubelet's messages and are
// told once; teardown unmounts before it removes, and the sweep removes what pods
// that are gone left behind.
import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod, Volume } from "@bosun/api";
import { memoryVolumeSize } from "../src/volumes/tmpfs.js";
import { VolumeManager, type VolumeState } from "../src/volumes/manager.js";
import { LinuxMounts, parseMountInfo } from "../src/volumes/host-mounts.js";
import { pinSubPath, resolveSubPath } from "../src/volumes/subpath.js";
import { FakeEnvObjects } from "./support/env-objects.js";
import { FakeMounts } from "./support/fake-mounts.js";

const scratch = await mkdtemp(join(tmpdir(), "bosun-volumes-"));
after(() => rm(scratch, { recursive: true, force: true }));

function volumePod(volumes: Volume[], extra: Partial<Pod["spec"]> = {}, labels: Record<string, string> = { app: "web" }): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: randomUUID(), labels },
    spec: { containers: [{ name: "app", image: "bosun.local/busybox:1" }], volumes, ...extra },
  };
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;
const text = (path: string) => readFile(path, "utf8");

function ok(state: VolumeState | undefined): string {
  assert.ok(state?.ok, `the volume is set up: ${JSON.stringify(state)}`);
  return state.volume.hostPath;
}

describe("volume manager", () => {
  let clock = 1_000_000;
  let mounts: FakeMounts;
  let objects: FakeEnvObjects;
  let failures: string[];
  let manager: VolumeManager;
  let podsDir: string;

  beforeEach(async () => {
    podsDir = await mkdtemp(join(scratch, "pods-"));
    mounts = new FakeMounts();
    objects = new FakeEnvObjects();
    failures = [];
    manager = new VolumeManager({
      podsDir,
      mounts,
      objects,
      nodeAllocatable: () => ({ memory: "4Gi", cpu: "2" }),
      refreshIntervalMs: 20_000,
      onFailure: (_pod, message) => failures.push(message),
      now: () => clock,
    });
  });

  test("emptyDir: a world-writable directory of the pod; medium Memory a tmpfs sized as the kubelet sizes it", async () => {
    const pod = volumePod(
      [
        { name: "scratch", emptyDir: {} },
        { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      ],
      { containers: [{ name: "app", image: "x", resources: { limits: { memory: "128Mi" } } }] },
    );
    assert.equal(await manager.setUp(pod), undefined, "nothing to refresh");
    const uid = pod.metadata.uid ?? "";
    const scratchDir = ok(manager.state(uid, "scratch"));
    assert.equal(scratchDir, join(podsDir, uid, "volumes", "kubernetes.io~empty-dir", "scratch"));
    assert.equal(await modeOf(scratchDir), 0o777);
    const cacheDir = ok(manager.state(uid, "cache"));
    assert.deepEqual(mounts.tmpfs.get(cacheDir), { mode: 0o777, sizeBytes: 64 * 1024 * 1024 });
    assert.equal(mounts.tmpfs.size, 1, "a disk emptyDir is no mount");

    // Set up again (every sync): nothing is mounted twice.
    await manager.setUp(pod);
    assert.equal(mounts.tmpfs.size, 1);
  });

  test("the size of a memory-backed volume: the smallest of the node's allocatable, the pod's limit (all containers set one) and sizeLimit", () => {
    const gi = 1024 ** 3;
    const pod = (limits: (string | undefined)[]) =>
      volumePod([], { containers: limits.map((memory, i) => ({ name: `c${i}`, image: "x", ...(memory ? { resources: { limits: { memory } } } : {}) })) });
    assert.equal(memoryVolumeSize(pod([undefined]), undefined, { memory: "4Gi" }), 4 * gi);
    assert.equal(memoryVolumeSize(pod(["1Gi", "1Gi"]), undefined, { memory: "4Gi" }), 2 * gi);
    assert.equal(memoryVolumeSize(pod(["1Gi", undefined]), undefined, { memory: "4Gi" }), 4 * gi, "one container without a limit: no pod limit");
    assert.equal(memoryVolumeSize(pod(["1Gi"]), "100Mi", { memory: "4Gi" }), 100 * 1024 ** 2);
    assert.equal(memoryVolumeSize(pod(["1Gi"]), "8Gi", { memory: "4Gi" }), gi, "a sizeLimit above the pod's limit does not count");
    assert.equal(memoryVolumeSize(pod([undefined]), undefined, {}), undefined, "unknown: the kernel's default");
  });

  test("an agent that cannot mount fails a Memory emptyDir with a clear message, told once, and never uses the disk instead", async () => {
    mounts.mountFailure = new Error("mount -t tmpfs at /x failed: mount: only root can use \"--options\" option");
    const pod = volumePod([{ name: "cache", emptyDir: { medium: "Memory" } }]);
    await manager.setUp(pod);
    await manager.setUp(pod);
    const state = manager.state(pod.metadata.uid ?? "", "cache");
    assert.ok(state && !state.ok);
    assert.match(state.message, /^MountVolume\.SetUp failed for volume "cache" : mount -t tmpfs at \/x failed: .*; an emptyDir of medium Memory is never put on the node's disk: run the agent as root so that it can mount a tmpfs$/);
    assert.deepEqual(failures, [state.message], "told once while it lasts");

    mounts.mountFailure = undefined;
    await manager.setUp(pod);
    ok(manager.state(pod.metadata.uid ?? "", "cache"));
  });

  test("configMap: every key, or the items at their paths with their modes, behind the ..data link; refreshed when due", async () => {
    objects.putConfigMap("default", "app", { "app.conf": "v1", other: "o" });
    const pod = volumePod([
      { name: "all", configMap: { name: "app", defaultMode: 0o640 } },
      { name: "some", configMap: { name: "app", items: [{ key: "app.conf", path: "conf/app.conf", mode: 0o600 }] } },
    ]);
    const uid = pod.metadata.uid ?? "";
    assert.equal(await manager.setUp(pod), 20_000, "the next refresh is due in the interval");
    const all = ok(manager.state(uid, "all"));
    assert.equal(all, join(podsDir, uid, "volumes", "kubernetes.io~configmap", "all"));
    assert.deepEqual((await readdir(all)).filter((n) => !n.startsWith("..")).sort(), ["app.conf", "other"]);
    assert.equal(await text(join(all, "app.conf")), "v1");
    assert.equal(await readlink(join(all, "app.conf")), "..data/app.conf");
    assert.equal(await modeOf(join(all, "app.conf")), 0o640);
    const some = ok(manager.state(uid, "some"));
    assert.equal(await text(join(some, "conf", "app.conf")), "v1");
    assert.equal(await modeOf(join(some, "conf", "app.conf")), 0o600);
    assert.equal(await modeOf(join(some, "conf")), 0o755, "the directories above a file");
    const state = manager.state(uid, "all");
    assert.ok(state?.ok && state.volume.readOnly && state.volume.refreshable, "mounted read-only, refreshed");
    assert.equal(mounts.tmpfs.size, 0, "a ConfigMap's files are on the node's disk");

    objects.putConfigMap("default", "app", { "app.conf": "v2", other: "o" });
    clock += 19_000;
    assert.equal(await manager.setUp(pod), 1_000, "not due yet: the next sync is asked for when it is");
    assert.equal(await text(join(all, "app.conf")), "v1");
    clock += 1_000;
    await manager.setUp(pod);
    assert.equal(await text(join(all, "app.conf")), "v2");
    assert.equal(await text(join(some, "conf", "app.conf")), "v2");
  });

  test("a missing ConfigMap or key fails the volume with the kubelet's message; optional ones give what there is", async () => {
    objects.putConfigMap("default", "app", { a: "1" });
    const pod = volumePod([
      { name: "missing", configMap: { name: "nowhere" } },
      { name: "missing-key", configMap: { name: "app", items: [{ key: "b", path: "b" }] } },
      { name: "optional", configMap: { name: "nowhere", optional: true } },
      { name: "optional-key", configMap: { name: "app", optional: true, items: [{ key: "a", path: "a" }, { key: "b", path: "b" }] } },
    ]);
    const uid = pod.metadata.uid ?? "";
    await manager.setUp(pod);
    assert.deepEqual(manager.state(uid, "missing"), { ok: false, message: 'MountVolume.SetUp failed for volume "missing" : configmap "nowhere" not found' });
    assert.deepEqual(manager.state(uid, "missing-key"), { ok: false, message: 'MountVolume.SetUp failed for volume "missing-key" : configmap references non-existent config key: b' });
    assert.deepEqual((await readdir(ok(manager.state(uid, "optional")))).filter((n) => !n.startsWith("..")), []);
    assert.deepEqual((await readdir(ok(manager.state(uid, "optional-key")))).filter((n) => !n.startsWith("..")), ["a"]);
    assert.equal(failures.length, 2);

    // Retried at every sync, not only when a refresh is due.
    objects.putConfigMap("default", "nowhere", { x: "y" });
    await manager.setUp(pod);
    assert.equal(await text(join(ok(manager.state(uid, "missing")), "x")), "y");
  });

  test("a refresh that fails keeps the files the containers have", async () => {
    objects.putConfigMap("default", "app", { a: "1" });
    const pod = volumePod([{ name: "cfg", configMap: { name: "app" } }]);
    const uid = pod.metadata.uid ?? "";
    await manager.setUp(pod);
    objects.deleteConfigMap("default", "app");
    clock += 20_000;
    await manager.setUp(pod);
    const dir = ok(manager.state(uid, "cfg"));
    assert.equal(await text(join(dir, "a")), "1");
    assert.deepEqual(failures, ['MountVolume.SetUp failed for volume "cfg" : configmap "app" not found']);
  });

  test("secret: its files on a tmpfs of their own, with defaultMode and binary values intact", async () => {
    objects.putSecret("default", "db", { password: "s3cr3t", "tls.key": "\u0000\u00ff" });
    const pod = volumePod([{ name: "creds", secret: { secretName: "db", defaultMode: 0o400 } }]);
    await manager.setUp(pod);
    const dir = ok(manager.state(pod.metadata.uid ?? "", "creds"));
    assert.equal(dir, join(podsDir, pod.metadata.uid ?? "", "volumes", "kubernetes.io~secret", "creds"));
    assert.deepEqual(mounts.tmpfs.get(dir), { mode: 0o777, sizeBytes: 4 * 1024 ** 3 });
    assert.equal(await text(join(dir, "password")), "s3cr3t");
    assert.equal(await modeOf(join(dir, "password")), 0o400);
    assert.deepEqual([...(await readFile(join(dir, "tls.key")))], [...Buffer.from("\u0000\u00ff")]);
  });

  test("a refresh of a secret volume rewrites it on the tmpfs already there, without reading the mount table", async () => {
    objects.putSecret("default", "db", { password: "one" });
    const pod = volumePod([{ name: "creds", secret: { secretName: "db" } }]);
    await manager.setUp(pod);
    let tableReads = 0;
    mounts.mountPoints = async () => {
      tableReads++;
      return new Set();
    };
    objects.putSecret("default", "db", { password: "two" });
    clock += 20_000;
    await manager.setUp(pod);
    const dir = ok(manager.state(pod.metadata.uid ?? "", "creds"));
    assert.equal(await text(join(dir, "password")), "two");
    assert.deepEqual([...mounts.tmpfs.keys()], [dir], "one tmpfs, mounted once");
    assert.equal(tableReads, 0);
  });

  test("a secret volume whose tmpfs cannot be mounted fails: the Secret is never written to the node's disk", async () => {
    objects.putSecret("default", "db", { password: "s3cr3t" });
    mounts.mountFailure = new Error("mount: permission denied");
    const pod = volumePod([{ name: "creds", secret: { secretName: "db" } }]);
    await manager.setUp(pod);
    const state = manager.state(pod.metadata.uid ?? "", "creds");
    assert.ok(state && !state.ok && state.message.endsWith("a Secret's contents are never written to the node's disk: run the agent as root so that it can mount a tmpfs"), JSON.stringify(state));
    const dir = join(podsDir, pod.metadata.uid ?? "", "volumes", "kubernetes.io~secret", "creds");
    assert.deepEqual(await readdir(dir), [], "nothing was written");
  });

  test("downwardAPI: the pod's fields and its containers' resources; rewritten at once when the labels change", async () => {
    const pod = volumePod(
      [
        {
          name: "info",
          downwardAPI: {
            items: [
              { path: "labels", fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels" } },
              { path: "name", fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
              { path: "tier", fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels['tier']" }, mode: 0o600 },
              { path: "mem", resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" } },
            ],
          },
        },
      ],
      {},
      { app: "web", tier: "front" },
    );
    const uid = pod.metadata.uid ?? "";
    await manager.setUp(pod);
    const dir = ok(manager.state(uid, "info"));
    assert.equal(await text(join(dir, "labels")), 'app="web"\ntier="front"');
    assert.equal(await text(join(dir, "name")), "web");
    assert.equal(await text(join(dir, "tier")), "front");
    assert.equal(await modeOf(join(dir, "tier")), 0o600);
    assert.equal(await text(join(dir, "mem")), "4096", "no limit: the node's allocatable");

    const relabelled = { ...pod, metadata: { ...pod.metadata, labels: { app: "web", tier: "back" } } };
    await manager.setUp(relabelled);
    assert.equal(await text(join(dir, "tier")), "back", "not waiting for the refresh interval");
  });

  test("projected: the sources' files in one directory, on a tmpfs when a Secret is among them; every failing source named", async () => {
    objects.putConfigMap("default", "app", { "app.conf": "conf" });
    objects.putSecret("default", "db", { password: "pw" });
    const pod = volumePod([
      {
        name: "all",
        projected: {
          defaultMode: 0o440,
          sources: [
            { configMap: { name: "app" } },
            { secret: { name: "db", items: [{ key: "password", path: "db/password", mode: 0o400 }] } },
            { downwardAPI: { items: [{ path: "name", fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } }] } },
          ],
        },
      },
      { name: "plain", projected: { sources: [{ configMap: { name: "app" } }] } },
      { name: "broken", projected: { sources: [{ configMap: { name: "nowhere" } }, { secret: { name: "vault" } }] } },
    ]);
    const uid = pod.metadata.uid ?? "";
    await manager.setUp(pod);
    const dir = ok(manager.state(uid, "all"));
    assert.equal(await text(join(dir, "app.conf")), "conf");
    assert.equal(await modeOf(join(dir, "app.conf")), 0o440);
    assert.equal(await text(join(dir, "db", "password")), "pw");
    assert.equal(await modeOf(join(dir, "db", "password")), 0o400);
    assert.equal(await text(join(dir, "name")), "web");
    assert.ok(mounts.tmpfs.has(dir), "a Secret among the sources: a tmpfs");
    assert.ok(!mounts.tmpfs.has(ok(manager.state(uid, "plain"))), "no Secret: the disk");
    assert.deepEqual(manager.state(uid, "broken"), { ok: false, message: 'MountVolume.SetUp failed for volume "broken" : [configmap "nowhere" not found, secret "vault" not found]' });
  });

  test("hostPath: the OrCreate types make what is missing; the others check it, with the kubelet's messages", async () => {
    const base = await mkdtemp(join(scratch, "host-"));
    await writeFile(join(base, "file"), "x");
    const pod = volumePod([
      { name: "made-dir", hostPath: { path: join(base, "a", "b"), type: "DirectoryOrCreate" } },
      { name: "made-file", hostPath: { path: join(base, "new.log"), type: "FileOrCreate" } },
      { name: "untyped", hostPath: { path: join(base, "untyped"), type: "" } },
      { name: "not-dir", hostPath: { path: join(base, "file"), type: "Directory" } },
      { name: "not-file", hostPath: { path: base, type: "File" } },
      { name: "no-socket", hostPath: { path: join(base, "file"), type: "Socket" } },
      { name: "no-chardev", hostPath: { path: base, type: "CharDevice" } },
      { name: "chardev", hostPath: { path: "/dev/null", type: "CharDevice" } },
      { name: "missing", hostPath: { path: join(base, "nothing"), type: "Directory" } },
    ]);
    const uid = pod.metadata.uid ?? "";
    await manager.setUp(pod);
    assert.equal(ok(manager.state(uid, "made-dir")), join(base, "a", "b"));
    assert.ok((await stat(join(base, "a", "b"))).isDirectory());
    assert.ok((await stat(join(base, "new.log"))).isFile());
    assert.equal(await modeOf(join(base, "new.log")), 0o644);
    assert.ok((await stat(join(base, "untyped"))).isDirectory(), "no type: made as a directory, as the runtimes do");
    const failed = (name: string) => {
      const s = manager.state(uid, name);
      return s && !s.ok ? s.message : "ok";
    };
    assert.equal(failed("not-dir"), `MountVolume.SetUp failed for volume "not-dir" : hostPath type check failed: ${join(base, "file")} is not a directory`);
    assert.equal(failed("not-file"), `MountVolume.SetUp failed for volume "not-file" : hostPath type check failed: ${base} is not a file`);
    assert.equal(failed("no-socket"), `MountVolume.SetUp failed for volume "no-socket" : hostPath type check failed: ${join(base, "file")} is not a socket file`);
    assert.equal(failed("no-chardev"), `MountVolume.SetUp failed for volume "no-chardev" : hostPath type check failed: ${base} is not a character device`);
    assert.equal(failed("chardev"), "ok");
    assert.equal(failed("missing"), `MountVolume.SetUp failed for volume "missing" : hostPath type check failed: ${join(base, "nothing")} is not a directory`);
    const host = manager.state(uid, "made-dir");
    assert.ok(host?.ok && !host.volume.readOnly && !host.volume.refreshable);
  });

  test("persistentVolumeClaim: waits while the claim is unbound; then the bound hostPath volume's directory, made per its type", async () => {
    const base = await mkdtemp(join(scratch, "pv-"));
    const claimUid = randomUUID();
    objects.putClaim({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "default", uid: claimUid }, spec: {}, status: { phase: "Pending" } });
    const pod = volumePod([{ name: "data", persistentVolumeClaim: { claimName: "data", readOnly: true } }, { name: "gone", persistentVolumeClaim: { claimName: "nowhere" } }]);
    const uid = pod.metadata.uid ?? "";
    await manager.setUp(pod);
    assert.deepEqual(manager.state(uid, "data"), {
      ok: false,
      message: 'MountVolume.SetUp failed for volume "data" : PVC default/data has non-bound phase ("Pending") or empty pvc.Spec.VolumeName (""): the pod waits until the claim is bound to a PersistentVolume',
    });
    assert.deepEqual(manager.state(uid, "gone"), { ok: false, message: 'MountVolume.SetUp failed for volume "gone" : persistentvolumeclaim "nowhere" not found' });

    objects.putClaim({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "default", uid: claimUid }, spec: { volumeName: "pv-1" }, status: { phase: "Bound" } });
    objects.putVolume({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "pv-1" },
      spec: { hostPath: { path: join(base, "pv-1"), type: "DirectoryOrCreate" }, claimRef: { namespace: "default", name: "data", uid: claimUid } },
      status: { phase: "Bound" },
    });
    await manager.setUp(pod);
    const state = manager.state(uid, "data");
    assert.ok(state?.ok, JSON.stringify(state));
    assert.equal(state.volume.hostPath, join(base, "pv-1"));
    assert.ok(state.volume.readOnly, "the claim is mounted readOnly");
    assert.ok((await stat(join(base, "pv-1"))).isDirectory());
  });

  test("teardown unmounts the pod's tmpfs mounts before it removes the pod's directory; the sweep removes pods that are gone", async () => {
    objects.putSecret("default", "db", { password: "pw" });
    const keep = volumePod([{ name: "s", secret: { secretName: "db" } }]);
    const gone = volumePod([{ name: "m", emptyDir: { medium: "Memory" } }, { name: "d", emptyDir: {} }]);
    const removed = volumePod([{ name: "s", secret: { secretName: "db" } }]);
    for (const p of [keep, gone, removed]) await manager.setUp(p);
    const uidOf = (p: Pod) => p.metadata.uid ?? "";

    await manager.tearDown(uidOf(removed));
    assert.deepEqual(mounts.unmounted, [join(podsDir, uidOf(removed), "volumes", "kubernetes.io~secret", "s")]);
    await assert.rejects(lstat(join(podsDir, uidOf(removed))), { code: "ENOENT" });
    assert.equal(manager.state(uidOf(removed), "s"), undefined);

    // After a restart the agent knows only `keep`: the sweep removes what `gone` left.
    await manager.sweep((uid) => uid === uidOf(keep));
    await assert.rejects(lstat(join(podsDir, uidOf(gone))), { code: "ENOENT" });
    assert.ok(mounts.unmounted.includes(join(podsDir, uidOf(gone), "volumes", "kubernetes.io~empty-dir", "m")));
    ok(manager.state(uidOf(keep), "s"));
    assert.ok((await stat(join(podsDir, uidOf(keep)))).isDirectory());
    assert.deepEqual([...mounts.tmpfs.keys()], [join(podsDir, uidOf(keep), "volumes", "kubernetes.io~secret", "s")]);
  });

  test("a pod without volumes costs nothing: no directory, no mount table read", async () => {
    const pod = volumePod([]);
    let reads = 0;
    mounts.mountPoints = async () => {
      reads++;
      return new Set();
    };
    mounts.isFilesystemRoot = async () => {
      reads++;
      return false;
    };
    assert.equal(await manager.setUp(pod), undefined);
    assert.equal(reads, 0);
    await assert.rejects(lstat(join(podsDir, pod.metadata.uid ?? "")), { code: "ENOENT" });
  });
});

test("a filesystem root is told from a plain directory by its device", async () => {
  const mounts = new LinuxMounts();
  assert.equal(await mounts.isFilesystemRoot("/proc"), true);
  assert.equal(await mounts.isFilesystemRoot(scratch), false);
  await assert.rejects(mounts.isFilesystemRoot(join(scratch, "missing")), { code: "ENOENT" });
});

test("mountinfo's mount points, with its octal escapes undone", () => {
  const info = [
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
    "40 22 0:35 / /var/lib/bosun/agent/pods/u1/volumes/kubernetes.io~secret/my\\040secret rw,relatime - tmpfs tmpfs rw,size=1024k",
    "",
  ].join("\n");
  assert.deepEqual(parseMountInfo(info), ["/", "/var/lib/bosun/agent/pods/u1/volumes/kubernetes.io~secret/my secret"]);
});

test("subPath set-up stays inside the volume", async () => {
  const volume = await mkdtemp(join(scratch, "subpath-"));
  const outside = await mkdtemp(join(scratch, "outside-"));
  await mkdir(join(volume, "data"), { mode: 0o750 });
  await symlink("data", join(volume, "inside-link"));
  await symlink(outside, join(volume, "escape"));
  await symlink("../../..", join(volume, "data", "up"));

  assert.deepEqual(await resolveSubPath(volume, "a/b"), { root: volume, path: join(volume, "a", "b") }, "made where missing");
  assert.ok((await stat(join(volume, "a", "b"))).isDirectory());
  assert.equal((await resolveSubPath(volume, "inside-link/x")).path, join(volume, "data", "x"), "a symlink inside the volume is followed");
  await assert.rejects(resolveSubPath(volume, "escape"), /subPath "escape" leads out of the volume through a symlink/);
  await assert.rejects(resolveSubPath(volume, "escape/new"), /leads out of the volume/);
  await assert.rejects(resolveSubPath(volume, "data/up/etc"), /leads out of the volume/);
  assert.deepEqual(await readdir(outside), [], "nothing was made outside the volume");
});

test("a pinned subPath is refused, and unbound, when what got bound is not the path that was checked", async () => {
  const volume = await mkdtemp(join(scratch, "pin-"));
  const outside = await mkdtemp(join(scratch, "pin-outside-"));
  await mkdir(join(volume, "dir"));
  const mounts = new FakeMounts();
  const target = join(scratch, "pins", "vol", "c", "0");

  const resolved = await resolveSubPath(volume, "dir");
  await pinSubPath(mounts, "dir", resolved, target);
  assert.equal(mounts.binds.get(target), join(volume, "dir"));
  await pinSubPath(mounts, "dir", resolved, target);
  assert.deepEqual(mounts.unmounted, [target], "a pin of an earlier instance is replaced");

  // The container swaps the checked directory for a symlink out of the volume before the bind.
  await rm(join(volume, "dir"), { recursive: true });
  await symlink(outside, join(volume, "dir"));
  await assert.rejects(pinSubPath(mounts, "dir", resolved, target), /subPath "dir" leads out of the volume through a symlink/);
  assert.equal(mounts.binds.has(target), false, "the bind was undone");
});
