// The pod worker makes each container's environment before creating it, against a
// fake runtime and an in-memory source of ConfigMaps and Secrets: a container
// whose required key is missing waits with CreateContainerConfigError (told in
// its status and events, nothing created) and starts once the key is there; the
// created container gets the resolved variables, its command expanded, and the
// sandbox's address.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, PodStatus } from "@bosun/api";
import { ContainerBackoff, LABEL_CONTAINER_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { FakeEnvObjects } from "./support/env-objects.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";
import { testPod } from "./support/pods.js";

const NODE = "env-node";

const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
const objects = new FakeEnvObjects();
const statuses = new Map<string, PodStatus>();
const events: (PodEventRecord & { uid: string })[] = [];
const deps = {
  runtime,
  infraImage: PAUSE_IMAGE,
  hostIP: () => "192.0.2.10",
  reportStatus: (pod: { uid: string }, status: PodStatus) => statuses.set(pod.uid, status),
  reportEvent: (pod: { uid: string }, ev: PodEventRecord) => events.push({ ...ev, uid: pod.uid }),
  resyncIntervalMs: 200,
};
const pods = new PodManager({
  ...deps,
  nodeName: NODE,
  backoff: new ContainerBackoff(),
  envObjects: objects,
  nodeAllocatable: () => ({ cpu: "2", memory: "4Gi" }),
});
await pods.start();
// An agent that knows no API server: it can read no ConfigMap or Secret.
const offline = new PodManager({ ...deps, nodeName: `${NODE}-offline`, backoff: new ContainerBackoff() });
await offline.start();
after(async () => {
  await pods.stop();
  await offline.stop();
});

const uidOf = (pod: Pod) => pod.metadata.uid ?? "";
const app = (pod: Pod) => runtime.byLabel(LABEL_POD_UID, uidOf(pod)).find((c) => c.spec.labels[LABEL_CONTAINER_NAME] === "c0");
const waitingOf = (pod: Pod) => statuses.get(uidOf(pod))?.containerStatuses?.[0]?.state?.waiting;

test("a missing key keeps the container waiting with CreateContainerConfigError; it starts once the key is added", async () => {
  objects.putConfigMap("default", "app-config", { other: "x" });
  objects.putSecret("default", "app-secret", { token: "t0ken" });
  const pod = testPod("needs-key", NODE, [
    {
      envFrom: [{ prefix: "CFG_", configMapRef: { name: "app-config" } }],
      env: [
        { name: "GREETING", valueFrom: { configMapKeyRef: { name: "app-config", key: "greeting" } } },
        { name: "TOKEN", valueFrom: { secretKeyRef: { name: "app-secret", key: "token" } } },
        { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
        { name: "MESSAGE", value: "$(GREETING) from $(POD_IP)" },
        { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
      ],
      command: ["sh", "-c", "echo $(MESSAGE); sleep 3600"],
    },
  ]);
  pods.applyComplete([pod]);
  const message = "couldn't find key greeting in ConfigMap default/app-config";
  const waiting = await waitFor("CreateContainerConfigError", () => (waitingOf(pod)?.reason === "CreateContainerConfigError" ? waitingOf(pod) : undefined));
  assert.deepEqual(waiting, { reason: "CreateContainerConfigError", message });
  assert.equal(statuses.get(uidOf(pod))?.phase, "Pending");
  assert.equal(app(pod), undefined, "no container is created while its environment cannot be made");
  assert.ok(
    events.some((e) => e.uid === uidOf(pod) && e.type === "Warning" && e.reason === "Failed" && e.message === `Error: ${message}` && e.fieldPath === "spec.containers{c0}"),
    JSON.stringify(events),
  );

  // Retried at the next sync, as the kubelet does: the key is there now.
  objects.putConfigMap("default", "app-config", { other: "x", greeting: "hello" });
  await waitFor("Running", () => statuses.get(uidOf(pod))?.phase === "Running");
  const created = app(pod);
  assert.ok(created);
  const infraIP = runtime.byLabel(LABEL_POD_UID, uidOf(pod)).find((c) => c.spec.labels[LABEL_CONTAINER_NAME] === "POD")?.ipAddress;
  assert.ok(infraIP, "the sandbox has an address");
  assert.deepEqual(created.spec.env, [
    "CFG_other=x",
    "CFG_greeting=hello",
    "GREETING=hello",
    "TOKEN=t0ken",
    `POD_IP=${infraIP}`,
    `MESSAGE=hello from ${infraIP}`,
    "MEM_MI=4096",
  ]);
  assert.deepEqual(created.spec.entrypoint, ["sh", "-c", `echo hello from ${infraIP}; sleep 3600`]);
});

test("a missing ConfigMap or Secret is named in the status; optional ones are skipped", async () => {
  const missing = testPod("needs-map", NODE, [{ envFrom: [{ configMapRef: { name: "nowhere" } }] }]);
  const missingSecret = testPod("needs-secret", NODE, [{ env: [{ name: "S", valueFrom: { secretKeyRef: { name: "vault", key: "k" } } }] }]);
  const optional = testPod("optional-only", NODE, [
    {
      envFrom: [{ secretRef: { name: "nowhere", optional: true } }],
      env: [
        { name: "A", valueFrom: { configMapKeyRef: { name: "nowhere", key: "k", optional: true } } },
        { name: "B", value: "b" },
      ],
    },
  ]);
  for (const p of [missing, missingSecret, optional]) pods.applyUpdate(p);
  await waitFor("configmap not found", () => waitingOf(missing)?.message === 'configmap "nowhere" not found');
  await waitFor("secret not found", () => waitingOf(missingSecret)?.message === 'secret "vault" not found');
  assert.equal(waitingOf(missingSecret)?.reason, "CreateContainerConfigError");
  await waitFor("Running", () => statuses.get(uidOf(optional))?.phase === "Running");
  assert.deepEqual(app(optional)?.spec.env, ["B=b"]);
});

test("an API that cannot be read keeps the container waiting with what went wrong", async () => {
  const pod = testPod("api-down", NODE, [{ env: [{ name: "T", valueFrom: { secretKeyRef: { name: "app-secret", key: "token" } } }] }]);
  objects.failure = new Error('secrets "app-secret" is forbidden: User "system:node:env-node" cannot get resource "secrets"');
  try {
    pods.applyUpdate(pod);
    await waitFor("the API's error", () => waitingOf(pod)?.message === objects.failure?.message);
    assert.equal(waitingOf(pod)?.reason, "CreateContainerConfigError");
  } finally {
    objects.failure = undefined;
  }
  await waitFor("Running once readable", () => statuses.get(uidOf(pod))?.phase === "Running");
  assert.deepEqual(app(pod)?.spec.env, ["T=t0ken"]);
});

test("an agent without an API client says so for every ConfigMap or Secret, and runs plain variables", async () => {
  const needs = testPod("offline-needs", `${NODE}-offline`, [{ envFrom: [{ configMapRef: { name: "app-config", optional: true } }] }]);
  const plain = testPod("offline-plain", `${NODE}-offline`, [{ env: [{ name: "NODE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }] }]);
  offline.applyComplete([needs, plain]);
  await waitFor("no kubeClient", () => waitingOf(needs)?.message === "couldn't get configMap default/app-config, no kubeClient defined");
  await waitFor("Running", () => statuses.get(uidOf(plain))?.phase === "Running");
  assert.deepEqual(app(plain)?.spec.env, [`NODE=${NODE}-offline`]);
});
