// The pvc-protection and pv-protection controllers: what counts as a pod using a
// claim and a volume in use; and against a real apiserver and etcd, with the binder
// as the controller manager runs them together: a claim a pod uses stays Terminating
// until the pod finishes or goes; a Bound volume stays Terminating until its claim is
// gone and the binder has released it; other finalizers survive; a claim or volume
// that lost its finalizer before being deleted gets it back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  mustResource,
  printerFor,
  pvcProtectionFinalizer,
  pvProtectionFinalizer,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
} from "@bosun/api";
import { isNotFound, type ApiClient } from "@bosun/client";
import { PersistentVolumeBinder, PvProtectionController, PvcProtectionController, podUsesClaim, volumeInUse } from "../src/index.js";
import { createNamespace, finishDeletion, setPodPhase, setPodRunning, startHarness, waitFor, type Harness } from "./controller-harness.js";

const pods = mustResource("pods");
const claims = mustResource("persistentvolumeclaims");
const volumes = mustResource("persistentvolumes");

function pod(ns: string, name: string, claimNames: string[], nodeName?: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, uid: `uid-${name}` },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: "app", image: "busybox:1", volumeMounts: claimNames.map((c) => ({ name: c, mountPath: `/data/${c}` })) }],
      volumes: claimNames.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })),
    },
  };
}

function claim(ns: string, name: string, extra: { volumeName?: string; finalizers?: string[] } = {}): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: ns, ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "", ...(extra.volumeName ? { volumeName: extra.volumeName } : {}) },
  };
}

function volume(name: string): PersistentVolume {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", hostPath: { path: `/tmp/bosun-pv-protection/${name}` } },
  };
}

async function gone(client: ApiClient, res: typeof claims, name: string, namespace?: string): Promise<boolean> {
  try {
    await client.get(res, name, namespace);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

test("a pod uses a claim while it is on a node, names it in a volume and has not finished; a volume is in use while Bound", () => {
  const running: Pod = { ...pod("ns", "p", ["data"], "node-1"), status: { phase: "Running" } };
  assert.equal(podUsesClaim(running, "ns", "data"), true);
  assert.equal(podUsesClaim({ ...running, status: { phase: "Pending" } }, "ns", "data"), true, "on its node, not started yet: it will use it");
  const unscheduled: Pod = { ...pod("ns", "p", ["data"]), status: { phase: "Pending" } };
  assert.equal(podUsesClaim(unscheduled, "ns", "data"), false, "not scheduled: the scheduler will not place it on a claim being deleted");
  assert.equal(podUsesClaim(running, "ns", "other"), false);
  assert.equal(podUsesClaim(running, "elsewhere", "data"), false, "claims are namespaced");
  assert.equal(podUsesClaim({ ...running, status: { phase: "Succeeded" } }, "ns", "data"), false);
  assert.equal(podUsesClaim({ ...running, status: { phase: "Failed" } }, "ns", "data"), false);
  const deleting = { ...running, metadata: { ...running.metadata, deletionTimestamp: "2024-05-01T12:00:00Z", deletionGracePeriodSeconds: 30 } };
  assert.equal(podUsesClaim(deleting, "ns", "data"), true, "stopping within its grace period: its containers may still write");
  const shutDown = { ...deleting, metadata: { ...deleting.metadata, deletionGracePeriodSeconds: 0 } };
  assert.equal(podUsesClaim(shutDown, "ns", "data"), false, "stopped, only waiting for other finalizers");

  const pv = volume("v");
  assert.equal(volumeInUse({ ...pv, status: { phase: "Bound" } }), true);
  for (const phase of ["Pending", "Available", "Released", "Failed"] as const) assert.equal(volumeInUse({ ...pv, status: { phase } }), false, phase);
});

let h: Harness;
before(async () => {
  h = await startHarness((ctx) => [new PersistentVolumeBinder(ctx), new PvcProtectionController(ctx), new PvProtectionController(ctx)]);
});
after(async () => h?.stop());

test("a claim a pod uses stays Terminating until the pod finishes; one no pod uses goes at once", async () => {
  const ns = await createNamespace(h.client, "pvc-protection-finish");
  const used = await h.client.create<PersistentVolumeClaim>(claims, claim(ns, "used"), ns);
  assert.deepEqual(used.metadata.finalizers, [pvcProtectionFinalizer], "the apiserver protects every new claim");
  await h.client.create(claims, claim(ns, "unused"), ns);
  const user = await setPodRunning(h.client, await h.client.create<Pod>(pods, pod(ns, "user", ["used"], "node-1"), ns));

  await h.client.delete(claims, "used", { namespace: ns });
  await h.client.delete(claims, "unused", { namespace: ns });
  // One worker takes keys in the order they came: once "unused" is gone, "used" was decided.
  await waitFor("the unused claim gone", () => gone(h.client, claims, "unused", ns));
  const held = await h.client.get<PersistentVolumeClaim>(claims, "used", ns);
  assert.ok(held.metadata.deletionTimestamp);
  assert.deepEqual(held.metadata.finalizers, [pvcProtectionFinalizer]);
  assert.equal(printerFor("PersistentVolumeClaim").cells(held, Date.now())[1], "Terminating", "kubectl get pvc says so");

  await setPodPhase(h.client, user, "Succeeded");
  await waitFor("the claim gone once its pod finished", () => gone(h.client, claims, "used", ns));
});

test("a claim stays while its pod stops within its grace period, and goes with the pod; other finalizers stay", async () => {
  const ns = await createNamespace(h.client, "pvc-protection-delete");
  await h.client.create(claims, claim(ns, "shared", { finalizers: ["example.com/keep"] }), ns);
  await h.client.create(claims, claim(ns, "marker"), ns);
  const user = await setPodRunning(h.client, await h.client.create<Pod>(pods, pod(ns, "user", ["shared"], "node-1"), ns));
  await h.client.delete(pods, "user", { namespace: ns });
  const stopping = await h.client.get<Pod>(pods, "user", ns);
  assert.ok(stopping.metadata.deletionTimestamp, "a bound pod is deleted gracefully");

  await h.client.delete(claims, "shared", { namespace: ns });
  await h.client.delete(claims, "marker", { namespace: ns });
  await waitFor("the marker claim gone", () => gone(h.client, claims, "marker", ns));
  assert.deepEqual((await h.client.get<PersistentVolumeClaim>(claims, "shared", ns)).metadata.finalizers, ["example.com/keep", pvcProtectionFinalizer]);

  await finishDeletion(h.client, user);
  const kept = await waitFor("pvc-protection removed once the pod is gone", async () => {
    const c = await h.client.get<PersistentVolumeClaim>(claims, "shared", ns);
    return c.metadata.finalizers?.includes(pvcProtectionFinalizer) ? undefined : c;
  });
  assert.deepEqual(kept.metadata.finalizers, ["example.com/keep"], "another controller's finalizer is its own to remove");
  assert.ok(kept.metadata.deletionTimestamp);
});

test("a Bound volume stays Terminating until its claim is gone and the binder released it; an unbound one goes at once", async () => {
  const ns = await createNamespace(h.client, "pv-protection");
  const pv = await h.client.create<PersistentVolume>(volumes, volume("held"));
  assert.deepEqual(pv.metadata.finalizers, [pvProtectionFinalizer], "the apiserver protects every new volume");
  await h.client.create(volumes, volume("free"));
  await h.client.create(claims, claim(ns, "data", { volumeName: "held" }), ns);
  await waitFor("held Bound", async () => (await h.client.get<PersistentVolume>(volumes, "held")).status?.phase === "Bound");
  await waitFor("free Available", async () => (await h.client.get<PersistentVolume>(volumes, "free")).status?.phase === "Available");

  await h.client.delete(volumes, "held");
  await h.client.delete(volumes, "free");
  await waitFor("the unbound volume gone", () => gone(h.client, volumes, "free"));
  const terminating = await h.client.get<PersistentVolume>(volumes, "held");
  assert.equal(terminating.status?.phase, "Bound");
  assert.deepEqual(terminating.metadata.finalizers, [pvProtectionFinalizer]);
  assert.equal(printerFor("PersistentVolume").cells(terminating, Date.now())[4], "Terminating");
  assert.equal((await h.client.get<PersistentVolumeClaim>(claims, "data", ns)).status?.phase, "Bound", "the claim keeps its volume meanwhile");

  await h.client.delete(claims, "data", { namespace: ns });
  await waitFor("the volume gone once its claim is and the binder released it", () => gone(h.client, volumes, "held"));
  assert.equal(h.recorder.events.filter((e) => e.object.metadata.name === "held" && e.reason === "VolumeReleased").length, 1, "released first, then let go");
});

test("a claim or volume without its finalizer (made before the apiserver added it) gets it back", async () => {
  const ns = await createNamespace(h.client, "protection-upgrade");
  await h.client.create(claims, claim(ns, "old"), ns);
  await h.client.create(volumes, volume("old-volume"));
  await h.client.patch(claims, "old", { metadata: { finalizers: null } }, { namespace: ns, type: "merge" });
  await h.client.patch(volumes, "old-volume", { metadata: { finalizers: null } }, { type: "merge" });
  await waitFor("the claim protected again", async () => (await h.client.get<PersistentVolumeClaim>(claims, "old", ns)).metadata.finalizers?.includes(pvcProtectionFinalizer));
  await waitFor("the volume protected again", async () => (await h.client.get<PersistentVolume>(volumes, "old-volume")).metadata.finalizers?.includes(pvProtectionFinalizer));
});
