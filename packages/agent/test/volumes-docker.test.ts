// Pod volumes on the real Docker engine and the host's real mounts (the agent runs
// as root): the pod worker with the volumes hook, an in-memory API and the Docker
// runtime. What containers see is read inside them (docker exec): an emptyDir two
// containers share, a Memory emptyDir and a Secret's volume that are tmpfs mounts,
// file modes, a ConfigMap change that reaches the file while a subPath mount of it
// stays as it was, a read-only mount, a subPath that would leave its volume through
// a symlink refused; the pod's removal unmounts and removes it all. And a pull
// Secret's credentials reach a registry (a stub on loopback that records them).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { lstat, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { PodStatus } from "@bosun/api";
import { ContainerBackoff, DockerRuntime, LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { VolumeHook } from "../src/pod/hooks/volumes.js";
import { parseMountInfo } from "../src/volumes/host-mounts.js";
import { VolumeManager } from "../src/volumes/manager.js";
import { FakeEnvObjects } from "./support/env-objects.js";
import { dockerPodHelpers } from "./support/docker-pods.js";
import { waitFor } from "./support/fake-master.js";
import { ensureTestImages, PAUSE_IMAGE } from "./support/images.js";
import { SERVE, testPod } from "./support/pods.js";

const docker = new Docker();
const nodeName = `agent-volumes-${randomUUID().slice(0, 8)}`;
const runtime = new DockerRuntime();

/** The mount points of this host under `dir`. */
async function hostMountsUnder(dir: string): Promise<string[]> {
  return parseMountInfo(await readFile("/proc/self/mountinfo", "utf8")).filter((p) => p.startsWith(`${dir}/`));
}

describe("pod volumes on Docker", { timeout: 240_000 }, () => {
  let scratch: string;
  let podsDir: string;
  let pods: PodManager;
  const objects = new FakeEnvObjects();
  const statuses = new Map<string, PodStatus>();
  const events: (PodEventRecord & { uid: string })[] = [];

  const { statusOf, sh, running, removed } = dockerPodHelpers(docker, runtime, statuses, () => pods);

  before(async () => {
    ensureTestImages();
    scratch = await mkdtemp(join(tmpdir(), "bosun-volumes-docker-"));
    podsDir = join(scratch, "pods");
    const volumes = new VolumeManager({
      podsDir,
      objects,
      nodeAllocatable: () => ({ cpu: "2", memory: "2Gi" }),
      // Short, so that a ConfigMap's change shows within the test.
      refreshIntervalMs: 1_000,
      onFailure: (pod, message) => events.push({ uid: pod.metadata.uid ?? "", type: "Warning", reason: "FailedMount", message, fieldPath: "" }),
    });
    pods = new PodManager({
      runtime,
      nodeName,
      infraImage: PAUSE_IMAGE,
      hostIP: () => "127.0.0.1",
      reportStatus: (pod, status) => statuses.set(pod.uid, status),
      reportEvent: (pod, ev) => events.push({ ...ev, uid: pod.uid }),
      resyncIntervalMs: 500,
      backoff: new ContainerBackoff(),
      envObjects: objects,
      hooks: [new VolumeHook(volumes)],
    });
    await pods.start();
    pods.applyComplete([]);
  });

  after(async () => {
    await pods?.stop();
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    // What a failed test left mounted goes before the directory does.
    if (scratch) {
      await new VolumeManager({ podsDir }).sweep(() => false);
      await rm(scratch, { recursive: true, force: true });
    }
  });

  test("an emptyDir two containers share, a Memory emptyDir that is a tmpfs, a read-only mount", async () => {
    const pod = testPod(
      "shared",
      nodeName,
      [
        { name: "writer", command: ["sh", "-c", `echo from-writer > /shared/note; ${SERVE}`], volumeMounts: [{ name: "shared", mountPath: "/shared" }, { name: "fast", mountPath: "/fast" }] },
        { name: "reader", command: ["sh", "-c", SERVE], volumeMounts: [{ name: "shared", mountPath: "/shared", readOnly: true }, { name: "fast", mountPath: "/fast" }] },
      ],
      { volumes: [{ name: "shared", emptyDir: {} }, { name: "fast", emptyDir: { medium: "Memory", sizeLimit: "32Mi" } }] },
    );
    pods.applyUpdate(pod);
    await running(pod);
    await waitFor("the writer's file", async () => (await sh(pod, "reader", "cat /shared/note 2>/dev/null || true")).trim() === "from-writer");
    const mountsInReader = await sh(pod, "reader", "cat /proc/mounts");
    const fast = mountsInReader.split("\n").find((l) => l.split(" ")[1] === "/fast");
    assert.match(fast ?? "", /^tmpfs \/fast tmpfs rw,.*size=32768k/, `the Memory emptyDir is a tmpfs of its sizeLimit: ${fast}`);
    await sh(pod, "writer", "echo one > /fast/f");
    assert.equal((await sh(pod, "reader", "cat /fast/f")).trim(), "one", "one tmpfs for the pod's containers");
    const err = await sh(pod, "reader", "touch /shared/x 2>&1", 1);
    assert.match(err, /Read-only file system/);
    const dir = join(podsDir, pod.metadata.uid ?? "", "volumes", "kubernetes.io~empty-dir");
    assert.deepEqual(await hostMountsUnder(join(podsDir, pod.metadata.uid ?? "")), [join(dir, "fast")], "the agent mounted one tmpfs on the host");

    await removed(pod);
    await waitFor("the pod's volumes removed", async () => (await hostMountsUnder(podsDir)).length === 0 && (await lstat(join(podsDir, pod.metadata.uid ?? "")).then(() => false, (e: NodeJS.ErrnoException) => e.code === "ENOENT")));
  });

  test("a ConfigMap's change reaches its file in place; a subPath mount keeps the version it was made with; a Secret's volume is a tmpfs with its modes", async () => {
    objects.putConfigMap("default", "live", { "app.conf": "version=1" });
    objects.putSecret("default", "creds", { password: "s3cr3t" });
    const pod = testPod(
      "live",
      nodeName,
      [
        {
          command: ["sh", "-c", SERVE],
          volumeMounts: [
            { name: "config", mountPath: "/config" },
            { name: "config", mountPath: "/pinned.conf", subPath: "app.conf" },
            { name: "creds", mountPath: "/secret" },
          ],
        },
      ],
      { volumes: [{ name: "config", configMap: { name: "live" } }, { name: "creds", secret: { secretName: "creds", defaultMode: 0o400 } }] },
    );
    pods.applyUpdate(pod);
    await running(pod);
    assert.equal(await sh(pod, "c0", "cat /config/app.conf"), "version=1");
    assert.equal(await sh(pod, "c0", "cat /secret/password"), "s3cr3t");
    assert.equal((await sh(pod, "c0", "stat -L -c %a /secret/password")).trim(), "400");
    const secretLine = (await sh(pod, "c0", "cat /proc/mounts")).split("\n").find((l) => l.split(" ")[1] === "/secret");
    assert.match(secretLine ?? "", /^tmpfs \/secret tmpfs ro,/, `the Secret's files are on a tmpfs, mounted read-only: ${secretLine}`);

    objects.putConfigMap("default", "live", { "app.conf": "version=2" });
    await waitFor("the new version in the file", async () => (await sh(pod, "c0", "cat /config/app.conf")) === "version=2");
    assert.equal(await sh(pod, "c0", "cat /pinned.conf"), "version=1", "subPath mounts are not updated, as in Kubernetes");
    await removed(pod);
  });

  test("a subPath that leads out of its volume through a symlink keeps the container waiting; nothing of the node is bound", async () => {
    const host = await mkdtemp(join(scratch, "host-"));
    await symlink("/etc", join(host, "escape"));
    const pod = testPod("escape", nodeName, [{ command: ["sh", "-c", SERVE], volumeMounts: [{ name: "h", mountPath: "/mnt", subPath: "escape" }] }], {
      volumes: [{ name: "h", hostPath: { path: host, type: "Directory" } }],
    });
    pods.applyUpdate(pod);
    const waiting = await waitFor("CreateContainerConfigError", () => {
      const w = statusOf(pod)?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === "CreateContainerConfigError" ? w : undefined;
    });
    assert.equal(waiting.message, 'failed to prepare subPath for volumeMount "h" of container "c0": subPath "escape" leads out of the volume through a symlink');
    const made = await docker.listContainers({ all: true, filters: { label: [`${LABEL_POD_UID}=${pod.metadata.uid ?? ""}`, `${LABEL_CONTAINER_NAME}=c0`] } });
    assert.equal(made.length, 0);
    await removed(pod);
  });

  test("a pull Secret's credentials reach the image's registry", async () => {
    const seen: IncomingHttpHeaders[] = [];
    // A registry stub on loopback: asks for Basic credentials and knows no image, so the pull ends after it saw them.
    const registry: Server = createServer((req, res) => {
      seen.push(req.headers);
      if (!req.headers.authorization) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="bosun-test"', "Docker-Distribution-API-Version": "registry/2.0" }).end();
        return;
      }
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }));
    });
    await new Promise<void>((r) => registry.listen(0, "127.0.0.1", r));
    try {
      const address = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
      objects.putTypedSecret("default", "registry", "kubernetes.io/dockerconfigjson", {
        ".dockerconfigjson": JSON.stringify({ auths: { [address]: { auth: Buffer.from("puller:p4ss").toString("base64") } } }),
      });
      const pod = testPod("private", nodeName, [{ image: `${address}/private/app:1`, imagePullPolicy: "Always" }], { imagePullSecrets: [{ name: "registry" }] });
      pods.applyUpdate(pod);
      await waitFor("the ErrImagePull event", () => events.some((e) => e.uid === pod.metadata.uid && e.message === "Error: ErrImagePull"), 60_000);
      const expected = `Basic ${Buffer.from("puller:p4ss").toString("base64")}`;
      assert.ok(
        seen.some((h) => h.authorization === expected),
        `the registry saw the pull Secret's credentials: ${JSON.stringify(seen.map((h) => h.authorization ?? null))}`,
      );
      await removed(pod);
    } finally {
      registry.close();
    }
  });
});
