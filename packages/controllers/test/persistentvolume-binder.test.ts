// The PersistentVolume binder against a real apiserver and etcd: a new volume becomes
// Available; a claim binds to the smallest volume of its class that is large enough
// and offers its access modes, both sides written as Kubernetes writes them; a claim
// nothing fits stays Pending with an event saying why, and binds once a volume
// comes; a claim that names its volume gets it; a deleted claim leaves its volume
// Released (Retain) or deletes it (Delete).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { findMatchingVolume } from "@bosun/api";
import { mustResource, type PersistentVolume, type PersistentVolumeAccessMode, type PersistentVolumeClaim } from "@bosun/api";
import { isNotFound } from "@bosun/client";
import { PersistentVolumeBinder, PvProtectionController, PvcProtectionController, bindCompletedAnnotation, boundByControllerAnnotation } from "../src/index.js";
import { createNamespace, startHarness, waitFor, type Harness } from "./controller-harness.js";

const volumes = mustResource("persistentvolumes");
const claims = mustResource("persistentvolumeclaims");

let h: Harness;
before(async () => {
  // With the protection controllers, as the controller manager runs them: claims and
  // volumes carry their finalizers, and a deleted one goes once they let it.
  h = await startHarness((ctx) => [new PersistentVolumeBinder(ctx), new PvcProtectionController(ctx), new PvProtectionController(ctx)]);
});
after(async () => h?.stop());

function volume(name: string, size: string, opts: { modes?: PersistentVolumeAccessMode[]; className?: string; policy?: "Retain" | "Delete"; labels?: Record<string, string> } = {}): PersistentVolume {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      capacity: { storage: size },
      accessModes: opts.modes ?? ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: opts.policy ?? "Retain",
      ...(opts.className ? { storageClassName: opts.className } : {}),
      hostPath: { path: `/tmp/bosun-pv-test/${name}` },
    },
  };
}

function claim(ns: string, name: string, size: string, extra: Partial<NonNullable<PersistentVolumeClaim["spec"]>> = {}): PersistentVolumeClaim {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: ns }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, storageClassName: "", ...extra } };
}

const phaseOf = async (name: string) => (await h.client.get<PersistentVolume>(volumes, name)).status?.phase;
const claimOf = (ns: string, name: string) => h.client.get<PersistentVolumeClaim>(claims, name, ns);

test("the smallest volume that fits binds, on both sides; a claim nothing fits waits with a reason, and binds when a volume comes", async () => {
  const ns = await createNamespace(h.client, "pv-bind");
  await h.client.create(volumes, volume("small", "1Gi"));
  await h.client.create(volumes, volume("large", "10Gi"));
  await h.client.create(volumes, volume("rox", "2Gi", { modes: ["ReadOnlyMany"] }));
  await h.client.create(volumes, volume("classy", "2Gi", { className: "fast" }));
  await waitFor("the volumes Available", async () => (await Promise.all(["small", "large", "rox", "classy"].map(phaseOf))).every((p) => p === "Available"));

  await h.client.create(claims, claim(ns, "data", "2Gi"), ns);
  const bound = await waitFor("the claim Bound", async () => {
    const c = await claimOf(ns, "data");
    return c.status?.phase === "Bound" ? c : undefined;
  });
  assert.equal(bound.spec?.volumeName, "large", "rox lacks ReadWriteOnce, classy has another class, small is too small");
  assert.equal(bound.metadata.annotations?.[bindCompletedAnnotation], "yes");
  assert.equal(bound.metadata.annotations?.[boundByControllerAnnotation], "yes");
  assert.deepEqual(bound.status?.capacity, { storage: "10Gi" });
  const large = await h.client.get<PersistentVolume>(volumes, "large");
  assert.equal(large.status?.phase, "Bound");
  assert.deepEqual([large.spec?.claimRef?.namespace, large.spec?.claimRef?.name, large.spec?.claimRef?.uid], [ns, "data", bound.metadata.uid]);

  await h.client.create(claims, claim(ns, "huge", "50Gi"), ns);
  await waitFor("the Pending event", async () => (h.recorder.messages(ns, "huge", "FailedBinding")[0] ?? "").includes("no persistent volumes available for this claim and no storage class is set"));
  assert.equal((await claimOf(ns, "huge")).status?.phase, "Pending");
  await h.client.create(volumes, volume("giant", "100Gi"));
  await waitFor("huge bound to giant once it exists", async () => (await claimOf(ns, "huge")).spec?.volumeName === "giant");

  await h.client.create(claims, claim(ns, "nameless-class", "1Gi", { storageClassName: "missing" }), ns);
  await waitFor("a class that does not exist is named", async () => (h.recorder.messages(ns, "nameless-class", "ProvisioningFailed")[0] ?? "") === 'storageclass.storage.k8s.io "missing" not found');
});

test("a claim that names its volume gets it; deleting claims releases (Retain) or deletes (Delete) their volumes", async () => {
  const ns = await createNamespace(h.client, "pv-release");
  await h.client.create(volumes, volume("kept", "1Gi"));
  await h.client.create(volumes, volume("dropped", "1Gi", { policy: "Delete", labels: { test: "release" } }));
  await h.client.create(claims, claim(ns, "wants-kept", "1Gi", { volumeName: "kept" }), ns);
  await waitFor("wants-kept bound to kept", async () => (await claimOf(ns, "wants-kept")).status?.phase === "Bound");
  assert.equal((await claimOf(ns, "wants-kept")).metadata.annotations?.[boundByControllerAnnotation], undefined, "the user named the volume");
  // The first test's volumes are there too: a selector keeps this claim to its own.
  await h.client.create(claims, claim(ns, "any", "1Gi", { selector: { matchLabels: { test: "release" } } }), ns);
  await waitFor("any bound to dropped", async () => (await claimOf(ns, "any")).spec?.volumeName === "dropped");

  await h.client.delete(claims, "wants-kept", { namespace: ns });
  await h.client.delete(claims, "any", { namespace: ns });
  await waitFor("kept Released", async () => (await phaseOf("kept")) === "Released");
  await waitFor("dropped deleted", async () => {
    try {
      await h.client.get(volumes, "dropped");
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });
  assert.equal(h.recorder.events.filter((e) => e.object.metadata.name === "kept" && e.reason === "VolumeReleased").length, 1);
});

test("matching: selectors, volume modes and pre-bound volumes", () => {
  const c = { ...claim("ns", "c", "1Gi"), metadata: { name: "c", namespace: "ns", uid: "u1" } };
  const available = (v: PersistentVolume): PersistentVolume => ({ ...v, status: { phase: "Available" } });
  const fast = available(volume("fast", "1Gi", { labels: { tier: "fast" } }));
  const slow = available(volume("slow", "1Gi", { labels: { tier: "slow" } }));
  assert.equal(findMatchingVolume({ ...c, spec: { ...c.spec, selector: { matchLabels: { tier: "slow" } } } }, [fast, slow])?.metadata.name, "slow");
  const preBound = { ...volume("mine", "5Gi"), spec: { ...volume("mine", "5Gi").spec, claimRef: { namespace: "ns", name: "c" } }, status: { phase: "Available" as const } };
  assert.equal(findMatchingVolume(c, [fast, preBound])?.metadata.name, "mine", "a volume pre-bound to the claim wins");
  const other = { ...preBound, spec: { ...preBound.spec, claimRef: { namespace: "ns", name: "someone-else" } } };
  assert.equal(findMatchingVolume(c, [other]), undefined);
});
