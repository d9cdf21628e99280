// Security contexts on the real Docker engine: the pod worker with the volumes and
// security-context hooks and the Docker runtime. What the containers run as and may do
// is read inside them (docker exec): the user and groups, the fsGroup on an emptyDir
// and a ConfigMap volume, a read-only root, no_new_privs, dropped capabilities, a
// shared PID namespace and a pod sysctl; a root image under runAsNonRoot waits with
// CreateContainerConfigError and the kubelet's message, and nothing is created.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { PodStatus } from "@bosun/api";
import { ContainerBackoff, DockerRuntime, LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { SecurityContextHook } from "../src/pod/hooks/security-context.js";
import { VolumeHook } from "../src/pod/hooks/volumes.js";
import { VolumeManager } from "../src/volumes/manager.js";
import { FakeEnvObjects } from "./support/env-objects.js";
import { dockerPodHelpers } from "./support/docker-pods.js";
import { waitFor } from "./support/fake-master.js";
import { ensureTestImages, PAUSE_IMAGE } from "./support/images.js";
import { SERVE, testPod } from "./support/pods.js";

const docker = new Docker();
const nodeName = `agent-secctx-${randomUUID().slice(0, 8)}`;
const runtime = new DockerRuntime();

describe("security contexts on Docker", { timeout: 240_000 }, () => {
  let scratch: string;
  let podsDir: string;
  let pods: PodManager;
  const objects = new FakeEnvObjects();
  const statuses = new Map<string, PodStatus>();
  const events: (PodEventRecord & { uid: string })[] = [];

  const { statusOf, sh, running, removed } = dockerPodHelpers(docker, runtime, statuses, () => pods);

  before(async () => {
    ensureTestImages();
    scratch = await mkdtemp(join(tmpdir(), "bosun-secctx-docker-"));
    podsDir = join(scratch, "pods");
    const volumes = new VolumeManager({ podsDir, objects, nodeAllocatable: () => ({ cpu: "2", memory: "2Gi" }) });
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
      hooks: [new VolumeHook(volumes), new SecurityContextHook({ runtime, seccompDir: join(scratch, "seccomp") })],
    });
    await pods.start();
    pods.applyComplete([]);
  });

  after(async () => {
    await pods?.stop();
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    if (scratch) {
      await new VolumeManager({ podsDir }).sweep(() => false);
      await rm(scratch, { recursive: true, force: true });
    }
  });

  test("user, groups and fsGroup; a read-only root; no_new_privs; NET_RAW dropped; one PID namespace; a pod sysctl", async () => {
    objects.putConfigMap("default", "settings", { mode: "strict" });
    const pod = testPod(
      "locked",
      nodeName,
      [
        {
          name: "app",
          command: ["sh", "-c", SERVE],
          volumeMounts: [{ name: "data", mountPath: "/data" }, { name: "settings", mountPath: "/settings" }],
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        },
        { name: "side", command: ["sh", "-c", SERVE], securityContext: { runAsUser: 0 } },
        { name: "noraw", command: ["sh", "-c", SERVE], securityContext: { runAsUser: 0, capabilities: { drop: ["NET_RAW"] } } },
      ],
      {
        shareProcessNamespace: true,
        securityContext: {
          runAsUser: 1000,
          runAsGroup: 3000,
          fsGroup: 2000,
          supplementalGroups: [4000],
          sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "80" }],
        },
        volumes: [{ name: "data", emptyDir: {} }, { name: "settings", configMap: { name: "settings" } }],
      },
    );
    pods.applyUpdate(pod);
    await running(pod);
    assert.equal((await sh(pod, "app", "id -u")).trim(), "1000");
    assert.equal((await sh(pod, "app", "id -g")).trim(), "3000");
    assert.deepEqual((await sh(pod, "app", "id -G")).trim().split(" ").sort(), ["2000", "3000", "4000"]);
    assert.equal((await sh(pod, "side", "id -u")).trim(), "0", "the container's runAsUser over the pod's");
    await sh(pod, "app", "touch /data/made");
    assert.equal((await sh(pod, "app", "stat -c '%g %A' /data /data/made")).trim(), "2000 drwxrwsrwx\n2000 -rw-r--r--");
    assert.equal((await sh(pod, "app", "stat -L -c '%g' /settings/mode")).trim(), "2000");
    assert.match(await sh(pod, "app", "touch /root-file 2>&1", 1), /Read-only file system/);
    assert.match(await sh(pod, "app", "grep NoNewPrivs /proc/self/status"), /NoNewPrivs:\s+1/);
    assert.equal(await sh(pod, "noraw", "ping -c1 -W1 127.0.0.1 >/dev/null 2>&1; echo $?"), "1\n", "no ping without NET_RAW");
    assert.equal(await sh(pod, "side", "ping -c1 -W1 127.0.0.1 >/dev/null 2>&1; echo $?"), "0\n", "root keeps NET_RAW unless it is dropped");
    const init = await sh(pod, "side", "tr '\\0' ' ' < /proc/1/cmdline");
    assert.match(init, /sleep 3600/, `PID 1 of the pod's containers is the sandbox's process: ${init}`);
    assert.equal((await sh(pod, "app", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start")).trim(), "80");
    await removed(pod);
  });

  test("runAsNonRoot refuses a root image with the kubelet's message, and creates nothing", async () => {
    const pod = testPod("rooted", nodeName, [{ name: "app", command: ["sh", "-c", SERVE] }], { securityContext: { runAsNonRoot: true } });
    pods.applyUpdate(pod);
    const expected = `container has runAsNonRoot and image will run as root (pod: "rooted_default(${pod.metadata.uid ?? ""})", container: app)`;
    await waitFor("CreateContainerConfigError", () => statusOf(pod)?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError");
    assert.equal(statusOf(pod)?.containerStatuses?.[0]?.state?.waiting?.message, expected);
    assert.ok(events.some((e) => e.uid === pod.metadata.uid && e.reason === "Failed" && e.message === `Error: ${expected}`));
    const created = await docker.listContainers({ all: true, filters: { label: [`${LABEL_POD_UID}=${pod.metadata.uid ?? ""}`, `${LABEL_CONTAINER_NAME}=app`] } });
    assert.deepEqual(created, []);
    await removed(pod);
  });
});
