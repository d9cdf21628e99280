// The local-path provisioner and the binder together against a real apiserver and
// etcd, with a stand-in for the node's agent that runs helper pods by marking them
// Succeeded or Failed: the default class is made; a claim of it waits for its
// consumer, gets a directory and a volume on the node the scheduler chose, and is
// bound; deleting it removes the directory and the volume; what the provisioner
// cannot make is said in events.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  defaultStorageClassAnnotation,
  mustResource,
  selectedNodeAnnotation,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from "@bosun/api";
import { Informer, isNotFound } from "@bosun/client";
import {
  LocalPathProvisioner,
  PersistentVolumeBinder,
  PvProtectionController,
  PvcProtectionController,
  helperPodLabel,
  localPathProvisionerName,
} from "../src/index.js";
import { createNamespace, startHarness, waitFor, type Harness } from "./controller-harness.js";

const volumesRes = mustResource("persistentvolumes");
const claimsRes = mustResource("persistentvolumeclaims");
const podsRes = mustResource("pods");
const classesRes = mustResource("storageclasses");
const storagePath = "/var/lib/bosun-test/storage";

let h: Harness;
let agent: Informer<Pod>;
/** What the stand-in agent ran, as "action dir", and which directories' set-up it fails. */
const ran: string[] = [];
const failing = new Set<string>();

before(async () => {
  h = await startHarness((ctx) => [
    new PersistentVolumeBinder(ctx),
    new PvcProtectionController(ctx),
    new PvProtectionController(ctx),
    new LocalPathProvisioner(ctx, { storagePath, helperImage: "bosun.local/busybox:1", helperTimeoutMs: 10_000 }),
  ]);
  await h.client.create(mustResource("nodes"), { apiVersion: "v1", kind: "Node", metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1" } } });
  agent = new Informer<Pod>(h.client, podsRes, { namespace: "kube-system" });
  const run = async (pod: Pod) => {
    if (!pod.metadata.labels?.[helperPodLabel] || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return;
    const dir = pod.spec.containers[0]?.env?.find((e) => e.name === "VOL_DIR")?.value ?? "";
    ran.push(`${pod.metadata.labels[helperPodLabel]} ${dir}`);
    const fail = failing.has(dir);
    await h.client.update<Pod>(podsRes, {
      ...pod,
      status: {
        phase: fail ? "Failed" : "Succeeded",
        containerStatuses: [
          { name: "helper-pod", image: "bosun.local/busybox:1", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: fail ? 1 : 0, ...(fail ? { message: "mkdir: Permission denied" } : {}) } } },
        ],
      },
    }, { subresource: "status" });
  };
  agent.onAdd((p) => void run(p).catch((err) => console.error("stand-in agent:", err)));
  await agent.start();
});
after(async () => {
  await agent?.stop();
  await h?.stop();
});

function claim(ns: string, name: string, extra: Partial<NonNullable<PersistentVolumeClaim["spec"]>> = {}): PersistentVolumeClaim {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: ns }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...extra } };
}

const claimOf = (ns: string, name: string) => h.client.get<PersistentVolumeClaim>(claimsRes, name, ns);

async function gone(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return false;
  } catch (err) {
    return isNotFound(err);
  }
}

/** What the scheduler does for the first consumer: names the node on the claim. */
async function selectNode(ns: string, name: string, node: string): Promise<void> {
  await h.client.patch(claimsRes, name, { metadata: { annotations: { [selectedNodeAnnotation]: node } } }, { namespace: ns, type: "merge" });
}

test("the default class local-path is made, waits for the first consumer and deletes its volumes", async () => {
  const sc = await h.client.get<StorageClass>(classesRes, "local-path");
  assert.equal(sc.provisioner, localPathProvisionerName);
  assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
  assert.equal(sc.reclaimPolicy, "Delete");
  assert.equal(sc.metadata.annotations?.[defaultStorageClassAnnotation], "true");
});

test("a claim waits for its consumer, is provisioned on the chosen node and bound; deleting it removes the directory and the volume", async () => {
  const ns = await createNamespace(h.client, "local-path");
  const made = await h.client.create(claimsRes, claim(ns, "data"), ns);
  assert.equal(made.spec?.storageClassName, "local-path", "the default class");
  await waitFor("the WaitForFirstConsumer event", async () => h.recorder.messages(ns, "data", "WaitForFirstConsumer").length > 0);
  assert.equal((await claimOf(ns, "data")).status?.phase, "Pending");
  assert.deepEqual(ran, [], "nothing is made before a node is chosen");

  await selectNode(ns, "data", "node-1");
  const bound = await waitFor("the claim Bound", async () => {
    const c = await claimOf(ns, "data");
    return c.status?.phase === "Bound" ? c : undefined;
  });
  const volumeName = `pvc-${bound.metadata.uid}`;
  const dir = `${storagePath}/${volumeName}_${ns}_data`;
  assert.equal(bound.spec?.volumeName, volumeName);
  assert.equal(bound.metadata.annotations?.["volume.kubernetes.io/storage-provisioner"], localPathProvisionerName);
  assert.deepEqual(ran, [`create ${dir}`]);
  const pv = await h.client.get<PersistentVolume>(volumesRes, volumeName);
  assert.deepEqual(pv.spec?.hostPath, { path: dir, type: "DirectoryOrCreate" });
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-1"] }] }]);
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, "Delete");
  assert.equal(pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"], localPathProvisionerName);
  assert.deepEqual(pv.spec?.capacity, { storage: "1Gi" });
  assert.deepEqual(h.recorder.messages(ns, "data", "ProvisioningSucceeded"), [`Successfully provisioned volume ${volumeName}`]);
  await waitFor("the create helper pod deleted", () => gone(() => h.client.get(podsRes, `helper-pod-create-${volumeName}`, "kube-system")));

  await h.client.delete(claimsRes, "data", { namespace: ns });
  await waitFor("the volume deleted", () => gone(() => h.client.get(volumesRes, volumeName)));
  assert.deepEqual(ran, [`create ${dir}`, `teardown ${dir}`]);
  await waitFor("the teardown helper pod deleted", () => gone(() => h.client.get(podsRes, `helper-pod-teardown-${volumeName}`, "kube-system")));
});

test("what the provisioner cannot make is said in events, and no volume is made", async () => {
  const ns = await createNamespace(h.client, "local-path-bad");
  await h.client.create(classesRes, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-now" }, provisioner: localPathProvisionerName, volumeBindingMode: "Immediate" });
  await h.client.create(claimsRes, claim(ns, "now", { storageClassName: "local-now" }), ns);
  await waitFor("no node", async () => (h.recorder.messages(ns, "now", "ProvisioningFailed")[0] ?? "").startsWith('configuration error, no node was specified: StorageClass "local-now" must use volumeBindingMode WaitForFirstConsumer'));

  await h.client.create(claimsRes, claim(ns, "shared", { accessModes: ["ReadWriteMany"] }), ns);
  await selectNode(ns, "shared", "node-1");
  await waitFor("the access mode refused", async () => (h.recorder.messages(ns, "shared", "ProvisioningFailed")[0] ?? "").startsWith("access mode ReadWriteMany is not supported"));

  const broken = await h.client.create(claimsRes, claim(ns, "broken"), ns);
  failing.add(`${storagePath}/pvc-${broken.metadata.uid}_${ns}_broken`);
  await selectNode(ns, "broken", "node-1");
  await waitFor("the helper's failure reported", async () => (h.recorder.messages(ns, "broken", "ProvisioningFailed")[0] ?? "").includes("(exit code 1: mkdir: Permission denied)"));
  await h.client.create(claimsRes, claim(ns, "orphaned"), ns);
  await selectNode(ns, "orphaned", "node-gone");
  await waitFor("the vanished node forgotten", async () => (await claimOf(ns, "orphaned")).metadata.annotations?.[selectedNodeAnnotation] === undefined);
  assert.deepEqual(h.recorder.messages(ns, "orphaned", "ProvisioningFailed"), [`node "node-gone" chosen for the claim no longer exists; the claim's pod will be scheduled again`]);
  for (const name of ["now", "shared", "broken", "orphaned"]) assert.equal((await claimOf(ns, name)).status?.phase, "Pending");
  assert.ok(await gone(() => h.client.get(volumesRes, `pvc-${broken.metadata.uid}`)));
});
