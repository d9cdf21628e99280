// The security-context hook in the pod worker, on the in-memory runtime: a root image
// under runAsNonRoot waits with CreateContainerConfigError and the kubelet's message
// (told in a Failed event, nothing created) while its non-root sibling image runs;
// the sandbox and the containers get their share of the pod's namespaces and sysctls.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { PodStatus } from "@bosun/api";
import { ContainerBackoff, INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { SecurityContextHook } from "../src/pod/hooks/security-context.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

const NODE = "secctx-node";
const NONROOT_IMAGE = "example.com/nonroot:1";

const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE, NONROOT_IMAGE]);
runtime.imageUsers.set(NONROOT_IMAGE, "65532:65532");
const statuses = new Map<string, PodStatus>();
const events: (PodEventRecord & { uid: string })[] = [];
const pods = new PodManager({
  runtime,
  nodeName: NODE,
  infraImage: PAUSE_IMAGE,
  hostIP: () => "10.0.0.1",
  backoff: new ContainerBackoff(),
  reportStatus: (pod, status) => statuses.set(pod.uid, status),
  reportEvent: (pod, ev) => events.push({ ...ev, uid: pod.uid }),
  resyncIntervalMs: 200,
  hooks: [new SecurityContextHook({ runtime, seccompDir: "/nonexistent", appArmorEnabled: async () => false })],
});
await pods.start();
after(() => pods.stop());

const created = (uid: string, name: string) => runtime.byLabel(LABEL_POD_UID, uid).filter((c) => c.spec.labels[LABEL_CONTAINER_NAME] === name);

test("runAsNonRoot: the root image's container waits with the kubelet's message and is never created; the non-root image's runs", async () => {
  const pod = testPod("strict", NODE, [{ name: "root" }, { name: "nonroot", image: NONROOT_IMAGE, imagePullPolicy: "Never" }], { securityContext: { runAsNonRoot: true } });
  const uid = pod.metadata.uid ?? "";
  pods.applyComplete([pod]);
  const message = `container has runAsNonRoot and image will run as root (pod: "strict_default(${uid})", container: root)`;
  const status = await waitFor("the root container waiting", () => {
    const s = statuses.get(uid);
    const root = s?.containerStatuses?.find((c) => c.name === "root");
    const nonroot = s?.containerStatuses?.find((c) => c.name === "nonroot");
    return root?.state?.waiting?.reason === "CreateContainerConfigError" && nonroot?.state?.running ? s : undefined;
  });
  assert.equal(status.containerStatuses?.find((c) => c.name === "root")?.state?.waiting?.message, message);
  assert.deepEqual(created(uid, "root"), [], "nothing is created for it");
  assert.equal(created(uid, "nonroot")[0]?.spec.user, undefined, "the image's own user runs");
  assert.ok(events.some((e) => e.uid === uid && e.reason === "Failed" && e.message === `Error: ${message}` && e.fieldPath === "spec.containers{root}"));
});

test("namespaces and sysctls: host PID and IPC for the sandbox and the containers, network sysctls on the sandbox", async () => {
  const pod = testPod("hosted", NODE, [{ name: "app", securityContext: { capabilities: { drop: ["NET_RAW"] } } }], {
    hostPID: true,
    hostIPC: true,
    securityContext: { sysctls: [{ name: "net.ipv4.ping_group_range", value: "0 0" }] },
  });
  const uid = pod.metadata.uid ?? "";
  pods.applyComplete([pod]);
  await waitFor("the app running", () => statuses.get(uid)?.containerStatuses?.[0]?.state?.running);
  const infra = created(uid, INFRA_CONTAINER_NAME)[0]?.spec;
  assert.equal(infra?.pidMode, "host");
  assert.equal(infra?.ipcMode, "host");
  assert.deepEqual(infra?.sysctls, { "net.ipv4.ping_group_range": "0 0" });
  const app = created(uid, "app")[0]?.spec;
  assert.equal(app?.pidMode, "host");
  assert.equal(app?.ipcMode, "host");
  assert.deepEqual(app?.capDrop, ["NET_RAW"]);
  assert.equal(app?.sysctls, undefined, "network sysctls are the sandbox's");
});
