// The pod worker's plug points, with a recording hook: what each point sees, that a
// waiting hook holds the whole pod back without touching what runs, and that a
// pod's hooks release what they made once its containers are gone.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { Container, Pod, PodStatus } from "@bosun/api";
import {
  ContainerBackoff,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  PodManager,
  type ContainerCreateSpec,
  type HookWait,
  type PodEventRecord,
  type PodHook,
  type PodIdentity,
} from "../src/index.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

const NODE = "hooks-node";

class RecordingHook implements PodHook {
  readonly name = "recording";
  wait: HookWait | undefined;
  readonly calls: string[] = [];
  readonly destroyed: PodIdentity[] = [];

  async prepare(pod: Pod): Promise<HookWait | undefined> {
    this.calls.push(`prepare ${pod.metadata.name}`);
    return this.wait;
  }

  sandboxSpec(pod: Pod, spec: ContainerCreateSpec): void {
    this.calls.push(`sandbox ${pod.metadata.name}`);
    spec.env.push("SANDBOX_HOOK=yes");
  }

  containerSpec(pod: Pod, container: Container, spec: ContainerCreateSpec): void {
    this.calls.push(`container ${pod.metadata.name}/${container.name}`);
    spec.env.push("CONTAINER_HOOK=yes");
  }

  async destroy(pod: PodIdentity): Promise<void> {
    this.calls.push(`destroy ${pod.namespace}/${pod.name}`);
    this.destroyed.push(pod);
  }
}

const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
const hook = new RecordingHook();
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
  hooks: [hook],
});
await pods.start();
after(() => pods.stop());

const containersOf = (pod: Pod) => runtime.byLabel(LABEL_POD_UID, pod.metadata.uid ?? "");

test("a waiting hook holds the sandbox back and says why once; then each point runs in order", async () => {
  hook.wait = { reason: "VolumeNotReady", message: "the volume is not there yet", retryAfterMs: 100 };
  const pod = testPod("held", NODE, [{}]);
  pods.applyComplete([pod]);
  await waitFor("a status", () => statuses.get(pod.metadata.uid ?? ""));
  await waitFor("retried", () => hook.calls.filter((c) => c === "prepare held").length >= 3);
  assert.equal(containersOf(pod).length, 0, "nothing is created while a hook waits");
  assert.equal(statuses.get(pod.metadata.uid ?? "")?.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating");
  const told = events.filter((e) => e.reason === "VolumeNotReady");
  assert.deepEqual(told, [{ uid: pod.metadata.uid, type: "Warning", reason: "VolumeNotReady", message: "the volume is not there yet", fieldPath: "" }]);

  hook.calls.length = 0;
  hook.wait = undefined;
  await waitFor("Running", () => statuses.get(pod.metadata.uid ?? "")?.phase === "Running");
  assert.deepEqual(hook.calls.slice(0, 3), ["prepare held", "sandbox held", "container held/c0"]);
  const infra = containersOf(pod).find((c) => c.spec.labels[LABEL_CONTAINER_NAME] === "POD");
  const app = containersOf(pod).find((c) => c.spec.labels[LABEL_CONTAINER_NAME] === "c0");
  assert.ok(infra?.spec.env.includes("SANDBOX_HOOK=yes"));
  assert.ok(app?.spec.env.includes("CONTAINER_HOOK=yes"));
});

test("a running sandbox is never asked again; a wait does not touch a running pod", async () => {
  const pod = testPod("steady", NODE, [{}]);
  pods.applyUpdate(pod);
  await waitFor("Running", () => statuses.get(pod.metadata.uid ?? "")?.phase === "Running");
  const before = containersOf(pod).map((c) => c.id);
  hook.wait = { reason: "NetworkNotReady", message: "gone", retryAfterMs: 100 };
  hook.calls.length = 0;
  pods.syncAll();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(containersOf(pod).map((c) => c.id), before);
  assert.ok(!hook.calls.includes("prepare steady"), "prepare runs before a sandbox is made, not on every sync");
  hook.wait = undefined;
});

test("the hooks release what they made once the pod's containers are all removed", async () => {
  const pod = testPod("leaving", NODE, [{}], { terminationGracePeriodSeconds: 0 });
  pods.applyUpdate(pod);
  await waitFor("Running", () => statuses.get(pod.metadata.uid ?? "")?.phase === "Running");
  pods.applyRemove(pod.metadata.uid ?? "");
  const gone = await waitFor("destroyed", () => hook.destroyed.find((d) => d.uid === pod.metadata.uid));
  assert.deepEqual(gone, { uid: pod.metadata.uid, name: "leaving", namespace: "default" });
  assert.equal(containersOf(pod).length, 0, "destroy runs after the containers are gone");
});
