// A StatefulSet's storage on a real master and agent (issue 10, E2E 6): a set of 3
// with a volumeClaimTemplate that names no class, so the default StorageClass
// local-path provisions each claim "data-web-<ordinal>" on the node; each pod
// writes its hostname into its volume once, and its replacement, after the pod is
// deleted, reads back its own ordinal's data. Scaling to 1 keeps the claims of
// ordinals 1 and 2 Bound, and scaling up again finds their data; with whenScaled
// Delete a scaled-away pod's claim goes with it. `bosun describe` shows the
// claim template as kubectl's Volume Claims section.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type PersistentVolumeClaim, type Pod, type Service, type StatefulSet } from "@bosun/api";
import { isNotFound } from "@bosun/client";
import { e2eTest, expectSuccess, getPod, shContainer, statefulsets, useCluster, waitForServingPods, isServing, type Cluster } from "../src/index.js";

const claims = mustResource("persistentvolumeclaims");
const services = mustResource("services");

/** Writes the pod's hostname into its volume unless a pod of its ordinal already did, then idles. */
const keeper = "f=/data/owner; [ -f $f ] || hostname > $f; trap 'exit 0' TERM; while true; do sleep 1; done";

function headlessService(name: string): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { clusterIP: "None", selector: { app: name }, ports: [{ name: "none", port: 80 }] },
  };
}

function statefulSet(name: string, replicas: number, extra: Partial<StatefulSet["spec"]> = {}): StatefulSet {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [shContainer("keeper", keeper, { volumeMounts: [{ name: "data", mountPath: "/data" }] })],
        },
      },
      // No storageClassName: the default class, local-path, provisions the claims.
      volumeClaimTemplates: [
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
        },
      ],
      ...extra,
    },
  };
}

async function getClaim(cl: Cluster, name: string): Promise<PersistentVolumeClaim | undefined> {
  try {
    return await cl.client.get<PersistentVolumeClaim>(claims, name, "default");
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function waitForBound(cl: Cluster, name: string): Promise<PersistentVolumeClaim> {
  return cl.waitFor(
    async (note) => {
      const claim = await getClaim(cl, name);
      note(claim ? { phase: claim.status?.phase, volumeName: claim.spec?.volumeName, deleting: claim.metadata.deletionTimestamp } : "not found");
      return claim?.status?.phase === "Bound" ? claim : undefined;
    },
    { timeoutMs: 60_000, what: `claim ${name} to be Bound` },
  );
}

/** What the pod's volume says about who wrote it first. */
async function owner(cl: Cluster, pod: string): Promise<string> {
  return expectSuccess(`kubectl exec ${pod}`, await cl.kubectl(["exec", pod, "--", "cat", "/data/owner"])).stdout.trim();
}

async function scale(cl: Cluster, name: string, replicas: number): Promise<void> {
  await cl.client.patch<StatefulSet>(statefulsets, name, { spec: { replicas } }, { namespace: "default", type: "merge" });
}

/** Deletes the pod and waits for its replacement (same name, new uid) to serve. */
async function replace(cl: Cluster, name: string): Promise<Pod> {
  const before = await getPod(cl, name);
  assert.ok(before, `pod ${name} exists`);
  await cl.client.delete(mustResource("pods"), name, { namespace: "default" });
  return cl.waitFor(
    async (note) => {
      const pod = await getPod(cl, name);
      note(pod ? { uid: pod.metadata.uid, phase: pod.status?.phase, deleting: pod.metadata.deletionTimestamp } : "not found");
      return pod && pod.metadata.uid !== before.metadata.uid && isServing(pod) ? pod : undefined;
    },
    { timeoutMs: 120_000, what: `a new ${name} serving after the old one was deleted` },
  );
}

describe("statefulset storage", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest(
    "each pod keeps its own claim's data across deletion; scaling down keeps the claims, scaling up finds them",
    c,
    async (cl) => {
      await cl.client.create(services, headlessService("web"), "default");
      await cl.client.create(statefulsets, statefulSet("web", 3), "default");
      const pods = await waitForServingPods(cl, "app=web", 3, 180_000);
      assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ["web-0", "web-1", "web-2"]);
      for (const i of [0, 1, 2]) {
        const claim = await waitForBound(cl, `data-web-${i}`);
        assert.equal(claim.spec?.storageClassName, "local-path", "the default class applies to a template that names none");
        assert.equal(claim.metadata.labels?.app, "web", "the claim carries the set's selector labels");
        assert.equal(await owner(cl, `web-${i}`), `web-${i}`);
      }

      for (const i of [0, 1, 2]) {
        const again = await replace(cl, `web-${i}`);
        assert.deepEqual(
          again.spec.volumes?.find((v) => v.name === "data"),
          { name: "data", persistentVolumeClaim: { claimName: `data-web-${i}` } },
        );
        assert.equal(await owner(cl, `web-${i}`), `web-${i}`, `the new web-${i} reads what the first web-${i} wrote`);
      }

      const described = expectSuccess("bosun describe statefulset", await cl.bosun(["describe", "statefulset", "web"])).stdout;
      assert.match(described, /\nVolume Claims:\n {2}Name: +data\n {2}StorageClass: *\n {2}Labels: +<none>\n {2}Annotations: +<none>\n {2}Capacity: +64Mi\n {2}Access Modes: +\[ReadWriteOnce\]\n/, described);

      await scale(cl, "web", 1);
      await waitForServingPods(cl, "app=web", 1, 120_000);
      for (const i of [1, 2]) await waitForBound(cl, `data-web-${i}`);

      await scale(cl, "web", 3);
      await waitForServingPods(cl, "app=web", 3, 180_000);
      for (const i of [1, 2]) assert.equal(await owner(cl, `web-${i}`), `web-${i}`, `web-${i} finds its kept claim's data`);
    },
    480_000,
  );

  e2eTest("whenScaled Delete: the claim of a scaled-away pod goes with the pod", c, async (cl) => {
    await cl.client.create(
      statefulsets,
      statefulSet("cache", 2, { podManagementPolicy: "Parallel", persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" } }),
      "default",
    );
    await waitForServingPods(cl, "app=cache", 2, 180_000);
    for (const i of [0, 1]) await waitForBound(cl, `data-cache-${i}`);

    await scale(cl, "cache", 1);
    await waitForServingPods(cl, "app=cache", 1, 120_000);
    await cl.waitFor(
      async (note) => {
        const claim = await getClaim(cl, "data-cache-1");
        note(claim ? { phase: claim.status?.phase, owners: claim.metadata.ownerReferences, deleting: claim.metadata.deletionTimestamp, finalizers: claim.metadata.finalizers } : "gone");
        return claim === undefined;
      },
      { timeoutMs: 60_000, what: "claim data-cache-1 to be deleted with its pod" },
    );
    const kept = await getClaim(cl, "data-cache-0");
    assert.equal(kept?.status?.phase, "Bound", "the claim of the pod that stays is kept");
    assert.deepEqual(kept?.metadata.ownerReferences ?? [], []);
  });
});
