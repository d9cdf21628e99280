// A StatefulSet's claims against a real apiserver and etcd, with the garbage
// collector and the pvc-protection controller (which lets a claim no pod uses go)
// running beside the StatefulSet controller. No binder, scheduler or
// agent run: claims stay Pending and pods unbound, which is all the controller
// needs. Each pod's claims are made before it and mounted by it, an existing claim
// is reused as it is, a claim being deleted holds its pod back, and the retention
// policy's owners take claims away with the set or with a scaled-away pod.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type OwnerReference, type PersistentVolumeClaim, type Pod, type StatefulSet } from "@bosun/api";
import { isNotFound } from "@bosun/client";
import { GarbageCollectorController, PvcProtectionController, StatefulSetController, type Controller } from "../src/index.js";
import { createNamespace, listPods, modify, setPodRunning, settle, startHarness, waitFor, type Harness } from "./controller-harness.js";

const statefulsets = mustResource("statefulsets");
const claims = mustResource("persistentvolumeclaims");
const pods = mustResource("pods");

let h: Harness;

before(async () => {
  h = await startHarness((ctx) => {
    const controllers: Controller[] = [
      new StatefulSetController(ctx),
      new GarbageCollectorController(ctx, { resyncMs: 2_000 }),
      new PvcProtectionController(ctx),
    ];
    return {
      name: "statefulset+gc",
      run: async () => void (await Promise.all(controllers.map((c) => c.run()))),
      stop: async () => void (await Promise.all(controllers.map((c) => c.stop()))),
    };
  });
});

after(async () => {
  await h?.stop();
});

function statefulSet(ns: string, name: string, replicas: number, extra: Partial<StatefulSet["spec"]> = {}): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: "main", image: "bosun.local/busybox:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: { name: "data", labels: { tier: "storage" } },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "" },
        },
      ],
      ...extra,
    },
  };
}

function claim(ns: string, name: string, extra: Partial<PersistentVolumeClaim["metadata"]> = {}): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: ns, ...extra },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } }, storageClassName: "" },
  };
}

async function getClaim(ns: string, name: string): Promise<PersistentVolumeClaim | undefined> {
  try {
    return await h.client.get<PersistentVolumeClaim>(claims, name, ns);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function waitForClaim(ns: string, name: string, ok: (c: PersistentVolumeClaim) => boolean = () => true): Promise<PersistentVolumeClaim> {
  return waitFor(`claim ${ns}/${name}`, async () => {
    const c = await getClaim(ns, name);
    return c && ok(c) ? c : undefined;
  });
}

async function waitForPod(ns: string, name: string, ok: (p: Pod) => boolean = () => true): Promise<Pod> {
  return waitFor(`pod ${ns}/${name}`, async () => {
    const pod = (await listPods(h.client, ns)).find((p) => p.metadata.name === name);
    return pod && ok(pod) ? pod : undefined;
  });
}

const ownerKinds = (c: PersistentVolumeClaim | undefined) => (c?.metadata.ownerReferences ?? []).map((r: OwnerReference) => `${r.kind}/${r.name}`);

test("each pod's claim is made before the pod, named <template>-<set>-<ordinal>, labelled with the selector, and mounted", async () => {
  const ns = await createNamespace(h.client, "sts-claims");
  await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "web", 2), ns);

  const web0 = await waitForPod(ns, "web-0");
  const data0 = await waitForClaim(ns, "data-web-0");
  assert.deepEqual(data0.metadata.labels, { tier: "storage", app: "web" });
  assert.deepEqual(data0.spec?.resources?.requests, { storage: "1Gi" });
  assert.deepEqual(data0.metadata.ownerReferences ?? [], [], "Retain/Retain: the claim outlives everything");
  assert.deepEqual(web0.spec.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-web-0" } }]);

  await setPodRunning(h.client, web0);
  const web1 = await waitForPod(ns, "web-1");
  assert.deepEqual(web1.spec.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-web-1" } }]);
  await waitForClaim(ns, "data-web-1");
  const messages = h.recorder.events.filter((e) => e.object.metadata.namespace === ns && e.reason === "SuccessfulCreate").map((e) => e.message);
  assert.deepEqual(messages, [
    "create Claim data-web-0 Pod web-0 in StatefulSet web success",
    "create Pod web-0 in StatefulSet web successful",
    "create Claim data-web-1 Pod web-1 in StatefulSet web success",
    "create Pod web-1 in StatefulSet web successful",
  ]);

  // A replacement pod mounts the very claim its predecessor had.
  await h.client.delete(pods, "web-1", { namespace: ns, gracePeriodSeconds: 0 });
  const again = await waitForPod(ns, "web-1", (p) => p.metadata.uid !== web1.metadata.uid);
  assert.deepEqual(again.spec.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-web-1" } }]);
  assert.equal(h.recorder.messages(ns, "web", "SuccessfulCreate").filter((m) => m.startsWith("create Claim")).length, 2, "no claim made twice");
  // Claims the informer had not seen yet are read, not reported as failures.
  assert.deepEqual(h.recorder.events.filter((e) => e.object.metadata.namespace === ns && e.type === "Warning").map((e) => e.message), []);
});

test("a claim that exists is used as it is, never overwritten", async () => {
  const ns = await createNamespace(h.client, "sts-reuse");
  const mine = await h.client.create<PersistentVolumeClaim>(claims, claim(ns, "data-db-0", { labels: { owner: "me" } }), ns);
  await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "db", 1), ns);
  const db0 = await waitForPod(ns, "db-0");
  assert.deepEqual(db0.spec.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-db-0" } }]);
  await settle();
  const after = await getClaim(ns, "data-db-0");
  assert.equal(after?.metadata.resourceVersion, mine.metadata.resourceVersion, "the claim was not written");
  assert.deepEqual(after?.spec?.resources?.requests, { storage: "5Gi" });
  assert.deepEqual(h.recorder.messages(ns, "db", "SuccessfulCreate"), ["create Pod db-0 in StatefulSet db successful"]);
});

test("a claim being deleted holds its pod back until it is gone, then a new claim is made", async () => {
  const ns = await createNamespace(h.client, "sts-deleting");
  const hold = "example.com/hold";
  await h.client.create<PersistentVolumeClaim>(claims, claim(ns, "data-db-0", { finalizers: [hold] }), ns);
  await h.client.delete(claims, "data-db-0", { namespace: ns });
  await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "db", 1), ns);

  await waitFor("a FailedCreate event naming the claim", async () =>
    h.recorder.messages(ns, "db", "FailedCreate").includes("create Pod db-0 in StatefulSet db failed error: pvc data-db-0 is being deleted"),
  );
  assert.deepEqual(
    (await listPods(h.client, ns)).map((p) => p.metadata.name),
    [],
    "no pod on a claim that is going away",
  );
  await modify<PersistentVolumeClaim>(h.client, claims, ns, "data-db-0", (c) => {
    c.metadata.finalizers = [];
  });
  await waitForPod(ns, "db-0");
  const fresh = await waitForClaim(ns, "data-db-0");
  assert.deepEqual(fresh.spec?.resources?.requests, { storage: "1Gi" }, "made again from the template");
});

test("whenDeleted Delete: the set owns its claims, and they go with it", async () => {
  const ns = await createNamespace(h.client, "sts-when-deleted");
  const set = await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "web", 1, { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" } }), ns);
  await waitForPod(ns, "web-0");
  const owned = await waitForClaim(ns, "data-web-0", (c) => ownerKinds(c).length > 0);
  assert.deepEqual(owned.metadata.ownerReferences, [
    { apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: set.metadata.uid, controller: true, blockOwnerDeletion: true },
  ]);
  await h.client.delete(statefulsets, "web", { namespace: ns });
  await waitFor("the claim to be collected with its set", async () => (await getClaim(ns, "data-web-0")) === undefined);
});

test("whenScaled Delete: a scaled-away pod owns its claim, which goes with it; a policy change moves the owners", async () => {
  const ns = await createNamespace(h.client, "sts-when-scaled");
  await h.client.create<StatefulSet>(
    statefulsets,
    statefulSet(ns, "web", 3, { podManagementPolicy: "Parallel", persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } }),
    ns,
  );
  for (const i of [0, 1, 2]) await setPodRunning(h.client, await waitForPod(ns, `web-${i}`));
  for (const i of [0, 1, 2]) assert.deepEqual(ownerKinds(await waitForClaim(ns, `data-web-${i}`)), [], "in the replicas: no owner");

  await modify<StatefulSet>(h.client, statefulsets, ns, "web", (s) => {
    s.spec.replicas = 1;
  });
  await waitFor("data-web-1 and data-web-2 collected with their pods", async () => {
    const left = await Promise.all([1, 2].map((i) => getClaim(ns, `data-web-${i}`)));
    return left.every((c) => c === undefined);
  });
  assert.deepEqual(ownerKinds(await getClaim(ns, "data-web-0")), [], "the claim of a pod that stays keeps no owner");

  // Delete on deletion as well: the claims that stay are now the set's.
  await modify<StatefulSet>(h.client, statefulsets, ns, "web", (s) => {
    s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Delete", whenScaled: "Delete" };
  });
  await waitForClaim(ns, "data-web-0", (c) => ownerKinds(c).join() === "StatefulSet/web");
  await modify<StatefulSet>(h.client, statefulsets, ns, "web", (s) => {
    s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Retain", whenScaled: "Retain" };
  });
  await waitForClaim(ns, "data-web-0", (c) => ownerKinds(c).length === 0);
});

test("a claim an earlier pod of the name still owns keeps the new pod waiting until the collector deletes it", async () => {
  const ns = await createNamespace(h.client, "sts-stale");
  // What a scaled-away web-1 leaves when the set grows again before the collector ran: a claim
  // owned by a pod that is gone. The finalizer holds it so the waiting can be seen.
  const hold = "example.com/hold";
  const earlier: OwnerReference = { apiVersion: "v1", kind: "Pod", name: "web-1", uid: "0b5e1c9e-0000-4000-8000-000000000001", controller: true, blockOwnerDeletion: true };
  await h.client.create<PersistentVolumeClaim>(claims, claim(ns, "data-web-1", { ownerReferences: [earlier], finalizers: [hold] }), ns);
  await h.client.create<StatefulSet>(
    statefulsets,
    statefulSet(ns, "web", 2, { podManagementPolicy: "Parallel", persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } }),
    ns,
  );
  await waitForPod(ns, "web-0");
  await waitForClaim(ns, "data-web-1", (c) => !!c.metadata.deletionTimestamp);
  await settle();
  assert.deepEqual((await listPods(h.client, ns)).map((p) => p.metadata.name), ["web-0"], "web-1 waits for its stale claim to go");
  await modify<PersistentVolumeClaim>(h.client, claims, ns, "data-web-1", (c) => {
    c.metadata.finalizers = [];
  });
  const web1 = await waitForPod(ns, "web-1");
  assert.deepEqual(web1.spec.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "data-web-1" } }]);
  const fresh = await waitForClaim(ns, "data-web-1");
  assert.deepEqual(fresh.spec?.resources?.requests, { storage: "1Gi" });
  assert.deepEqual(ownerKinds(fresh), []);
});
