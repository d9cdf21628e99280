// Pod volumes on a real master and agent (issue 10, Pods and E2E 2, 3, 4, 5 on one
// host, 8): an emptyDir two containers share and a Memory emptyDir that is a tmpfs;
// a configMap volume that follows its ConfigMap within 60 s while a reader looping
// over the file never sees half of one version (a subPath mount of it stays as it
// was); a secret volume of mode 0400 on a
// tmpfs of the node; a downwardAPI volume of the pod's labels; a hostPath made by
// DirectoryOrCreate; a claim bound to a hostPath PersistentVolume, written by one
// pod and read by the next (the first waiting, with a clear message, until the
// binder binds the claim); bad volumes refused with nothing stored. Everything is
// checked inside the containers (`kubectl exec`) and on the node; deleting a pod
// removes its volumes from the agent's data directory, tmpfs mounts included. A disk
// emptyDir written past its sizeLimit gets its pod evicted, as the kubelet does.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import { resourceByKind, type ConfigMap, type Event, type PersistentVolume, type PersistentVolumeClaim, type Pod, type Secret } from "@bosun/api";
import { ApiError } from "@bosun/client";
import { e2eTest, expectSuccess, getPod, podManifest, pods, shContainer, useCluster, waitForPod, waitForRunning, type Cluster } from "../src/index.js";

const configMaps = resourceByKind("v1", "ConfigMap")!;
const secrets = resourceByKind("v1", "Secret")!;
const volumes = resourceByKind("v1", "PersistentVolume")!;
const claims = resourceByKind("v1", "PersistentVolumeClaim")!;

const idle = "trap 'exit 0' TERM; while true; do sleep 1; done";

/** Runs a shell script in a pod's container through kubectl; answers its stdout. */
async function sh(cl: Cluster, pod: string, container: string, script: string): Promise<string> {
  return expectSuccess(`kubectl exec ${pod} -c ${container}`, await cl.kubectl(["exec", pod, "-c", container, "--", "sh", "-c", script])).stdout;
}

/** The line of /proc/mounts inside the container for `path`. */
async function mountLine(cl: Cluster, pod: string, container: string, path: string): Promise<string> {
  const all = await sh(cl, pod, container, "cat /proc/mounts");
  return all.split("\n").find((l) => l.split(" ")[1] === path) ?? `(nothing mounted at ${path})`;
}

/** The mount points of this host, from /proc/self/mountinfo. */
function hostMountPoints(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p !== "");
}

/** Where the agent keeps a pod's volumes: <its data dir>/pods/<uid>. */
function podVolumesDir(cl: Cluster, pod: Pod): string {
  return join(cl.logDir, "agent-a", "pods", pod.metadata.uid ?? "");
}

/** Deletes the pod and waits until it is gone and its volumes with it, mounts included. */
async function deleteAndCheckCleanup(cl: Cluster, pod: Pod): Promise<void> {
  const dir = podVolumesDir(cl, pod);
  await cl.client.delete(pods, pod.metadata.name ?? "", { namespace: "default" });
  await cl.waitFor(
    async (note) => {
      const left = await getPod(cl, pod.metadata.name ?? "");
      const mounted = hostMountPoints().filter((p) => p.startsWith(`${dir}/`));
      note({ pod: left?.status?.phase ?? "gone", dirExists: existsSync(dir), mounted });
      return left === undefined && !existsSync(dir) && mounted.length === 0;
    },
    { timeoutMs: 60_000, what: `pod ${pod.metadata.name ?? ""} and its volumes to be removed` },
  );
}

/** A ConfigMap payload of 4000 numbered lines of one version: a reader can tell a whole file from part of one. */
function payload(version: number): string {
  let out = "";
  for (let i = 0; i < 4000; i++) out += `v${version} ${String(i).padStart(5, "0")} ${"x".repeat(12)}\n`;
  return out;
}

async function expectRefused(cl: Cluster, pod: Pod, fields: string[]): Promise<void> {
  const err = await cl.client.create<Pod>(pods, pod).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, `the pod ${pod.metadata.name ?? ""} is refused: ${String(err)}`);
  assert.equal(err.code, 422);
  const causes = (err.status.details?.causes ?? []).map((c) => `${c.field ?? ""}: ${c.message ?? ""}`);
  assert.deepEqual(causes, fields, err.message);
  assert.equal(await getPod(cl, pod.metadata.name ?? ""), undefined, "nothing is stored");
}

describe("volumes: files, memory and storage of pods", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("an emptyDir two containers share, a Memory emptyDir that is a tmpfs, a secret volume of mode 0400 on a tmpfs; all removed with the pod", c, async (cl) => {
    await cl.client.create<Secret>(secrets, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "vol-creds", namespace: "default" },
      type: "Opaque",
      stringData: { password: "s3cr3t" },
    });
    const created = await cl.client.create<Pod>(
      pods,
      podManifest(
        "vol-shared",
        [
          shContainer("writer", `echo from-writer > /shared/note; ${idle}`, {
            volumeMounts: [
              { name: "shared", mountPath: "/shared" },
              { name: "fast", mountPath: "/fast" },
            ],
          }),
          shContainer("reader", idle, {
            volumeMounts: [
              { name: "shared", mountPath: "/shared", readOnly: true },
              { name: "fast", mountPath: "/fast" },
              { name: "creds", mountPath: "/secret" },
            ],
          }),
        ],
        {
          terminationGracePeriodSeconds: 5,
          volumes: [
            { name: "shared", emptyDir: {} },
            { name: "fast", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
            { name: "creds", secret: { secretName: "vol-creds", defaultMode: 0o400 } },
          ],
        },
      ),
    );
    assert.equal(created.spec.volumes?.[2]?.secret?.defaultMode, 0o400);
    await waitForRunning(cl, "vol-shared");

    assert.equal((await sh(cl, "vol-shared", "reader", "cat /shared/note")).trim(), "from-writer", "the reader sees the writer's file");
    assert.match(await sh(cl, "vol-shared", "reader", "touch /shared/x 2>&1 || true"), /Read-only file system/);
    assert.match(await mountLine(cl, "vol-shared", "reader", "/fast"), /^tmpfs \/fast tmpfs rw,.*size=16384k/, "the Memory emptyDir is a tmpfs of its sizeLimit");
    await sh(cl, "vol-shared", "writer", "echo in-memory > /fast/f");
    assert.equal((await sh(cl, "vol-shared", "reader", "cat /fast/f")).trim(), "in-memory", "one tmpfs for both containers");

    assert.equal(await sh(cl, "vol-shared", "reader", "cat /secret/password"), "s3cr3t");
    assert.equal((await sh(cl, "vol-shared", "reader", "stat -L -c %a /secret/password")).trim(), "400");
    assert.match(await mountLine(cl, "vol-shared", "reader", "/secret"), /^tmpfs \/secret tmpfs ro,/, "the Secret's files are a tmpfs, mounted read-only");
    // On the node: the Secret's directory is a tmpfs mount point, so its contents never touch the disk.
    const pod = (await getPod(cl, "vol-shared"))!;
    const secretDir = join(podVolumesDir(cl, pod), "volumes", "kubernetes.io~secret", "creds");
    assert.ok(hostMountPoints().includes(secretDir), `${secretDir} is a mount point of the node`);

    await deleteAndCheckCleanup(cl, pod);
  });

  e2eTest("a configMap volume follows its ConfigMap within 60 s and a reader looping over it never sees a partial file", c, async (cl) => {
    await cl.client.create<ConfigMap>(configMaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "live-config", namespace: "default" }, data: { payload: payload(1) } });
    // The reader copies the file in one read, then checks it is whole: 4000 lines, first and last of one version.
    const reader = [
      "trap 'exit 0' TERM; n=0",
      "while true; do",
      "  cat /config/payload > /tmp/snap",
      '  lines=$(wc -l < /tmp/snap); first=$(head -n1 /tmp/snap); last=$(tail -n1 /tmp/snap)',
      '  if [ "$lines" != 4000 ] || [ "${first%% *}" != "${last%% *}" ]; then echo "partial: $lines lines, $first ... $last" >> /tmp/bad; fi',
      // Replaced in one rename, so that the test never reads it half written.
      '  n=$((n+1)); echo "$n ${first%% *}" > /tmp/seen.new; mv /tmp/seen.new /tmp/seen',
      "done",
    ].join("\n");
    await cl.client.create<Pod>(
      pods,
      podManifest("live-reader", [shContainer("reader", reader, { volumeMounts: [{ name: "config", mountPath: "/config" }, { name: "config", mountPath: "/pinned", subPath: "payload" }] })], {
        terminationGracePeriodSeconds: 5,
        volumes: [{ name: "config", configMap: { name: "live-config" } }],
      }),
    );
    await waitForRunning(cl, "live-reader");
    const seen = async () => (await sh(cl, "live-reader", "reader", "cat /tmp/seen 2>/dev/null || true")).trim().split(" ");
    await cl.waitFor(async () => (await seen())[1] === "v1", { timeoutMs: 30_000, what: "the reader to read version 1" });

    for (const version of [2, 3]) {
      await cl.client.patch(configMaps, "live-config", { data: { payload: payload(version) } }, { namespace: "default" });
      const [readsBefore] = await seen();
      await cl.waitFor(
        async (note) => {
          const s = await seen();
          note(s);
          return s[1] === `v${version}`;
        },
        { timeoutMs: 60_000, what: `the file to hold version ${version} within 60 s of the change`, intervalMs: 1_000 },
      );
      const [readsAfter] = await seen();
      assert.ok(Number(readsAfter) > Number(readsBefore), "the reader kept reading while the file changed");
    }
    assert.equal(await sh(cl, "live-reader", "reader", "cat /tmp/bad 2>/dev/null || true"), "", "no read saw part of a version");
    assert.equal((await sh(cl, "live-reader", "reader", "head -n1 /pinned")).split(" ")[0], "v1", "a subPath mount keeps the version it was made with, as in Kubernetes");
    const links = await sh(cl, "live-reader", "reader", "ls -a /config");
    assert.match(links, /\.\.data/, "the files are reached through the ..data link");
    await deleteAndCheckCleanup(cl, (await getPod(cl, "live-reader"))!);
  });

  e2eTest("a downwardAPI volume holds the pod's labels and follows their change; a hostPath DirectoryOrCreate is made on the node", c, async (cl) => {
    const hostDir = join(cl.logDir, "host-data", "made-by-the-agent");
    await cl.client.create<Pod>(
      pods,
      podManifest(
        "vol-info",
        [
          shContainer("main", `echo written-in-pod > /host/out; ${idle}`, {
            volumeMounts: [
              { name: "info", mountPath: "/etc/podinfo" },
              { name: "host", mountPath: "/host" },
            ],
          }),
        ],
        {
          terminationGracePeriodSeconds: 5,
          volumes: [
            {
              name: "info",
              downwardAPI: {
                items: [
                  { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
                  { path: "name", fieldRef: { fieldPath: "metadata.name" } },
                  { path: "mem_mi", resourceFieldRef: { containerName: "main", resource: "limits.memory", divisor: "1Mi" } },
                ],
              },
            },
            { name: "host", hostPath: { path: hostDir, type: "DirectoryOrCreate" } },
          ],
        },
      ),
    );
    await waitForRunning(cl, "vol-info");
    assert.equal(await sh(cl, "vol-info", "main", "cat /etc/podinfo/labels"), 'e2e.bosun.io/pod="vol-info"');
    assert.equal(await sh(cl, "vol-info", "main", "cat /etc/podinfo/name"), "vol-info");
    assert.match(await sh(cl, "vol-info", "main", "cat /etc/podinfo/mem_mi"), /^[1-9]\d*$/, "no limit: the node's allocatable memory, in Mi");

    await cl.client.patch(pods, "vol-info", { metadata: { labels: { tier: "front" } } }, { namespace: "default" });
    await cl.waitFor(async () => (await sh(cl, "vol-info", "main", "cat /etc/podinfo/labels")) === 'e2e.bosun.io/pod="vol-info"\ntier="front"', {
      timeoutMs: 60_000,
      what: "the labels file to show the new label",
    });

    assert.equal(readFileSync(join(hostDir, "out"), "utf8"), "written-in-pod\n", "the pod wrote into the directory the agent made on the node");
    await deleteAndCheckCleanup(cl, (await getPod(cl, "vol-info"))!);
    assert.ok(existsSync(join(hostDir, "out")), "a hostPath outlives the pod");
  });

  e2eTest("a claim bound to a hostPath PersistentVolume: the first pod stays Pending until it is bound, writes; the next pod reads it back", c, async (cl) => {
    const dataDir = join(cl.logDir, "pv-data");
    await cl.client.create<PersistentVolumeClaim>(claims, {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data", namespace: "default" },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: "manual", resources: { requests: { storage: "1Gi" } } },
    });
    const writer = podManifest(
      "pv-writer",
      [shContainer("main", "echo kept-across-pods > /data/record", { volumeMounts: [{ name: "data", mountPath: "/data" }] })],
      { restartPolicy: "Never", volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] },
    );
    await cl.client.create<Pod>(pods, writer);
    // The claim's class binds at once (it is not WaitForFirstConsumer), so the scheduler waits for the binder, as Kubernetes' does.
    const scheduled = (p: Pod) => p.status?.conditions?.find((c) => c.type === "PodScheduled");
    const pending = await waitForPod(cl, "pv-writer", (p) => scheduled(p)?.status === "False", "to stay unscheduled while its claim is unbound");
    assert.equal(
      scheduled(pending)?.message,
      "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    );

    await cl.client.create<PersistentVolume>(volumes, {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "pv-data" },
      spec: {
        capacity: { storage: "2Gi" },
        accessModes: ["ReadWriteOnce"],
        storageClassName: "manual",
        persistentVolumeReclaimPolicy: "Retain",
        hostPath: { path: dataDir, type: "DirectoryOrCreate" },
      },
    });
    await cl.waitFor(async () => (await cl.client.get<PersistentVolumeClaim>(claims, "data", "default")).status?.phase === "Bound", { timeoutMs: 60_000, what: "the binder to bind the claim" });
    await waitForPod(cl, "pv-writer", (p) => p.status?.phase === "Succeeded", "to write and finish");
    assert.equal(readFileSync(join(dataDir, "record"), "utf8"), "kept-across-pods\n", "the data is in the volume's directory on the node");
    await deleteAndCheckCleanup(cl, (await getPod(cl, "pv-writer"))!);

    await cl.client.create<Pod>(
      pods,
      podManifest("pv-reader", [shContainer("main", "cat /data/record", { volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true }] })], {
        restartPolicy: "Never",
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
      }),
    );
    await waitForPod(cl, "pv-reader", (p) => p.status?.phase === "Succeeded", "to read and finish");
    const logs = expectSuccess("kubectl logs pv-reader", await cl.kubectl(["logs", "pv-reader"])).stdout;
    assert.equal(logs, "kept-across-pods\n");
    await deleteAndCheckCleanup(cl, (await getPod(cl, "pv-reader"))!);
  });

  e2eTest("two volumes of one name, and a mount of a volume the pod does not define, are refused with nothing stored", c, async (cl) => {
    await expectRefused(
      cl,
      podManifest("twice", [shContainer("main", idle, { volumeMounts: [{ name: "cache", mountPath: "/cache" }] })], {
        volumes: [
          { name: "cache", emptyDir: {} },
          { name: "cache", emptyDir: { medium: "Memory" } },
        ],
      }),
      ['spec.volumes[1].name: Duplicate value: "cache"'],
    );
    await expectRefused(
      cl,
      podManifest("undefined-volume", [shContainer("main", idle, { volumeMounts: [{ name: "nowhere", mountPath: "/data" }] })], { volumes: [{ name: "cache", emptyDir: {} }] }),
      ['spec.containers[0].volumeMounts[0].name: Not found: "nowhere"'],
    );
    // kubectl shows the same refusal.
    const file = join(cl.logDir, "kubectl-twice.json");
    writeFileSync(file, JSON.stringify(podManifest("kubectl-twice", [shContainer("main", idle)], { volumes: [{ name: "v", emptyDir: {} }, { name: "v", emptyDir: {} }] })));
    const created = await cl.kubectl(["create", "-f", file]);
    assert.notEqual(created.code, 0);
    assert.match(created.stderr, /spec\.volumes\[1\]\.name: Duplicate value: "v"/);
    assert.equal(await getPod(cl, "kubectl-twice"), undefined);
  });

  e2eTest("a pod whose disk emptyDir outgrows its sizeLimit is evicted: Failed, reason Evicted, the kubelet's message and event", c, async (cl) => {
    const message = 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ';
    await cl.client.create<Pod>(
      pods,
      podManifest("vol-over-limit", [shContainer("writer", `dd if=/dev/zero of=/cache/fill bs=1048576 count=5; ${idle}`, { volumeMounts: [{ name: "cache", mountPath: "/cache" }] })], {
        volumes: [{ name: "cache", emptyDir: { sizeLimit: "1Mi" } }],
      }),
    );
    // The agent measures every 10 s; the pod starts in a few.
    const pod = await waitForPod(cl, "vol-over-limit", (p) => p.status?.phase === "Failed", "to be evicted (the agent measures every 10 s)", 90_000);
    assert.equal(pod.status?.reason, "Evicted");
    assert.equal(pod.status?.message, message);
    assert.ok(pod.status?.containerStatuses?.[0]?.state?.terminated, "its container is stopped");
    assert.equal(existsSync(podVolumesDir(cl, pod)), false, "what it wrote is removed from the node's disk");
    const events = await cl.client.list<Event>(resourceByKind("v1", "Event")!, { namespace: "default", fieldSelector: "involvedObject.name=vol-over-limit" });
    assert.ok(
      events.items.some((e) => e.type === "Warning" && e.reason === "Evicted" && e.message === message),
      `an Evicted Warning event: ${JSON.stringify(events.items.map((e) => [e.type, e.reason, e.message]))}`,
    );
    await deleteAndCheckCleanup(cl, pod);
  });
});
