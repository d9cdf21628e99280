// The StatefulSet controller against a real apiserver and etcd. No scheduler and no
// agent run: the test binds pods and writes their status where it needs pods on a
// node, Running and Ready, and removes gracefully deleted pods as an agent would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type ControllerRevision, type Pod, type StatefulSet } from "@bosun/api";
import { StatefulSetController, controllerRefOf } from "../src/index.js";
import {
  createNamespace,
  finishDeletion,
  listPods,
  modify,
  setPodPhase,
  setPodRunning,
  settle,
  startHarness,
  waitFor,
  type Harness,
} from "./controller-harness.js";

const statefulsets = mustResource("statefulsets");
const pods = mustResource("pods");
const controllerRevisions = mustResource("controllerrevisions");

let h: Harness;

before(async () => {
  h = await startHarness((ctx) => new StatefulSetController(ctx));
});

after(async () => {
  await h.stop();
});

function statefulSet(ns: string, name: string, replicas: number, extra: Partial<StatefulSet["spec"]> = {}, gracePeriod = 0): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      serviceName: "nginx",
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: gracePeriod,
          containers: [{ name: "main", image: "bosun.local/busybox:1", command: ["sleep", "3600"] }],
        },
      },
      ...extra,
    },
  };
}

async function getPod(ns: string, name: string): Promise<Pod | undefined> {
  return (await listPods(h.client, ns)).find((p) => p.metadata.name === name);
}

async function names(ns: string): Promise<string[]> {
  return (await listPods(h.client, ns)).map((p) => p.metadata.name ?? "").sort();
}

async function waitForPod(ns: string, name: string, ok: (p: Pod) => boolean = () => true): Promise<Pod> {
  return waitFor(`pod ${ns}/${name}`, async () => {
    const pod = await getPod(ns, name);
    return pod && ok(pod) ? pod : undefined;
  });
}

async function getSet(ns: string, name: string): Promise<StatefulSet> {
  return h.client.get<StatefulSet>(statefulsets, name, ns);
}

const revisionOf = (p: Pod | undefined) => p?.metadata.labels?.["controller-revision-hash"];

/** Brings up an OrderedReady set of `replicas` Running and Ready pods. */
async function readySet(ns: string, name: string, replicas: number, extra: Partial<StatefulSet["spec"]> = {}, gracePeriod = 0): Promise<StatefulSet> {
  await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, name, replicas, extra, gracePeriod), ns);
  for (let i = 0; i < replicas; i++) await setPodRunning(h.client, await waitForPod(ns, `${name}-${i}`));
  return waitFor(`${name} ready`, async () => {
    const set = await getSet(ns, name);
    return set.status?.readyReplicas === replicas ? set : undefined;
  });
}

test("OrderedReady creates web-0, web-1, web-2 in order, each once the one before is Running and Ready", async () => {
  const ns = await createNamespace(h.client, "sts-ordered");
  const set = await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "web", 3), ns);

  const web0 = await waitForPod(ns, "web-0");
  await settle();
  assert.deepEqual(await names(ns), ["web-0"], "web-1 waits for web-0");
  assert.equal(web0.spec.hostname, "web-0");
  assert.equal(web0.spec.subdomain, "nginx");
  assert.equal(web0.metadata.labels?.["statefulset.kubernetes.io/pod-name"], "web-0");
  assert.equal(web0.metadata.labels?.["apps.kubernetes.io/pod-index"], "0");
  assert.equal(web0.metadata.labels?.app, "web");
  assert.match(revisionOf(web0) ?? "", /^web-[a-z0-9]+$/);
  assert.equal(controllerRefOf(web0)?.uid, set.metadata.uid);

  // Running but not Ready is not enough.
  await setPodRunning(h.client, web0, false);
  await settle();
  assert.deepEqual(await names(ns), ["web-0"]);
  await setPodRunning(h.client, web0, true);
  const web1 = await waitForPod(ns, "web-1");
  await settle();
  assert.deepEqual(await names(ns), ["web-0", "web-1"]);
  await setPodRunning(h.client, web1);
  await setPodRunning(h.client, await waitForPod(ns, "web-2"));

  const status = await waitFor("status of 3 ready replicas", async () => {
    const s = (await getSet(ns, "web")).status;
    return s?.readyReplicas === 3 ? s : undefined;
  });
  assert.equal(status.replicas, 3);
  assert.equal(status.availableReplicas, 3);
  assert.equal(status.currentReplicas, 3);
  assert.equal(status.updatedReplicas, 3);
  assert.equal(status.currentRevision, revisionOf(web0));
  assert.equal(status.updateRevision, revisionOf(web0));
  assert.equal(status.observedGeneration, 1);
  assert.deepEqual(h.recorder.messages(ns, "web", "SuccessfulCreate"), [
    "create Pod web-0 in StatefulSet web successful",
    "create Pod web-1 in StatefulSet web successful",
    "create Pod web-2 in StatefulSet web successful",
  ]);
});

test("OrderedReady scales down from the highest ordinal, waiting for each pod to be gone", async () => {
  const ns = await createNamespace(h.client, "sts-scaledown");
  // Bound pods with a grace period: deletion waits for the "agent" (this test).
  await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "db", 3, {}, 30), ns);
  for (let i = 0; i < 3; i++) {
    const pod = await waitForPod(ns, `db-${i}`);
    await h.client.bind(ns, pod.metadata.name ?? "", "node-1");
    await setPodRunning(h.client, pod);
  }
  await waitFor("3 ready", async () => (await getSet(ns, "db")).status?.readyReplicas === 3);

  await modify<StatefulSet>(h.client, statefulsets, ns, "db", (s) => {
    s.spec.replicas = 1;
  });
  const db2 = await waitForPod(ns, "db-2", (p) => !!p.metadata.deletionTimestamp);
  await settle();
  assert.equal((await getPod(ns, "db-1"))?.metadata.deletionTimestamp, undefined, "db-1 waits until db-2 is gone");
  await finishDeletion(h.client, db2);
  const db1 = await waitForPod(ns, "db-1", (p) => !!p.metadata.deletionTimestamp);
  await finishDeletion(h.client, db1);
  await waitFor("only db-0 left", async () => (await names(ns)).join() === "db-0");
  assert.deepEqual(h.recorder.messages(ns, "db", "SuccessfulDelete"), [
    "delete Pod db-2 in StatefulSet db successful",
    "delete Pod db-1 in StatefulSet db successful",
  ]);
  const status = await waitFor("status of 1 replica", async () => {
    const s = (await getSet(ns, "db")).status;
    return s?.replicas === 1 ? s : undefined;
  });
  assert.equal(status.readyReplicas, 1);
  assert.equal(status.observedGeneration, 2);
});

test("Parallel creates and deletes every pod at once", async () => {
  const ns = await createNamespace(h.client, "sts-parallel");
  await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "cache", 3, { podManagementPolicy: "Parallel" }), ns);
  await waitFor("3 pods without any being ready", async () => (await names(ns)).join() === "cache-0,cache-1,cache-2");
  await modify<StatefulSet>(h.client, statefulsets, ns, "cache", (s) => {
    s.spec.replicas = 0;
  });
  await waitFor("no pods", async () => (await names(ns)).length === 0);
});

test("a failed pod is deleted and created again under the same name", async () => {
  const ns = await createNamespace(h.client, "sts-failed");
  await readySet(ns, "web", 2);
  const web1 = (await getPod(ns, "web-1"))!;
  await setPodPhase(h.client, web1, "Failed");
  const again = await waitForPod(ns, "web-1", (p) => p.metadata.uid !== web1.metadata.uid);
  assert.equal(again.status?.phase, "Pending");
  assert.deepEqual(h.recorder.messages(ns, "web", "RecreatingFailedPod"), [`StatefulSet ${ns}/web is recreating failed Pod web-1`]);
});

test("RollingUpdate replaces pods from the highest ordinal down, one at a time, each once all are Running and Ready", async () => {
  const ns = await createNamespace(h.client, "sts-rolling");
  const before = await readySet(ns, "web", 3);
  const oldRevision = before.status?.currentRevision;
  await modify<StatefulSet>(h.client, statefulsets, ns, "web", (s) => {
    s.spec.template.spec.containers[0]!.image = "bosun.local/busybox:2";
  });
  const set = await waitFor("the update revision in status", async () => {
    const s = await getSet(ns, "web");
    return s.status?.updateRevision !== oldRevision ? s : undefined;
  });
  const newRevision = set.status?.updateRevision;
  assert.equal(set.status?.currentRevision, oldRevision, "the old revision stays current during the update");

  for (const ordinal of [2, 1, 0]) {
    const fresh = await waitForPod(ns, `web-${ordinal}`, (p) => revisionOf(p) === newRevision);
    assert.equal(fresh.spec.containers[0]!.image, "bosun.local/busybox:2");
    await settle();
    for (const lower of [0, 1, 2].filter((o) => o < ordinal)) {
      assert.equal(revisionOf(await getPod(ns, `web-${lower}`)), oldRevision, `web-${lower} waits for web-${ordinal} to be ready`);
    }
    await setPodRunning(h.client, fresh);
  }
  const done = await waitFor("the update to complete", async () => {
    const s = (await getSet(ns, "web")).status;
    return s !== undefined && s.currentRevision === newRevision && s.readyReplicas === 3 ? s : undefined;
  });
  assert.equal(done.updatedReplicas, 3);
  assert.equal(done.currentReplicas, 3);
  assert.equal(done.observedGeneration, 2);
  assert.deepEqual(h.recorder.messages(ns, "web", "SuccessfulDelete"), [
    "delete Pod web-2 in StatefulSet web successful",
    "delete Pod web-1 in StatefulSet web successful",
    "delete Pod web-0 in StatefulSet web successful",
  ]);
});

test("a partition holds lower ordinals at the current revision, even when one is deleted", async () => {
  const ns = await createNamespace(h.client, "sts-partition");
  const before = await readySet(ns, "web", 3, { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } });
  const oldRevision = before.status?.currentRevision;
  await modify<StatefulSet>(h.client, statefulsets, ns, "web", (s) => {
    s.spec.template.spec.containers[0]!.image = "bosun.local/busybox:2";
  });
  const web2 = await waitForPod(ns, "web-2", (p) => revisionOf(p) !== oldRevision);
  await setPodRunning(h.client, web2);
  await waitFor("status with one updated pod", async () => {
    const s = (await getSet(ns, "web")).status;
    return s?.updatedReplicas === 1 && s.readyReplicas === 3 ? s : undefined;
  });
  await settle();
  assert.equal(revisionOf(await getPod(ns, "web-1")), oldRevision);
  assert.equal(revisionOf(await getPod(ns, "web-0")), oldRevision);
  assert.equal((await getSet(ns, "web")).status?.currentRevision, oldRevision, "a partitioned update is not complete");

  const web0 = (await getPod(ns, "web-0"))!;
  await h.client.delete(pods, "web-0", { namespace: ns });
  const back = await waitForPod(ns, "web-0", (p) => p.metadata.uid !== web0.metadata.uid);
  assert.equal(revisionOf(back), oldRevision);
  assert.equal(back.spec.containers[0]!.image, "bosun.local/busybox:1");
});

test("OnDelete never updates on its own; a deleted pod comes back with the new template", async () => {
  const ns = await createNamespace(h.client, "sts-ondelete");
  const before = await readySet(ns, "web", 2, { updateStrategy: { type: "OnDelete" } });
  const oldRevision = before.status?.currentRevision;
  await modify<StatefulSet>(h.client, statefulsets, ns, "web", (s) => {
    s.spec.template.spec.containers[0]!.image = "bosun.local/busybox:2";
  });
  await waitFor("the new generation observed", async () => (await getSet(ns, "web")).status?.observedGeneration === 2);
  await settle();
  for (const name of ["web-0", "web-1"]) assert.equal(revisionOf(await getPod(ns, name)), oldRevision);

  const web1 = (await getPod(ns, "web-1"))!;
  await h.client.delete(pods, "web-1", { namespace: ns });
  const back = await waitForPod(ns, "web-1", (p) => p.metadata.uid !== web1.metadata.uid);
  assert.equal(back.spec.containers[0]!.image, "bosun.local/busybox:2");
  assert.notEqual(revisionOf(back), oldRevision);
});

test("orphans with a member's name and matching labels are adopted; others are left; pods that stop matching are released", async () => {
  const ns = await createNamespace(h.client, "sts-adopt");
  const orphan = (name: string): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: { app: "web" } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
  });
  const web0 = await h.client.create<Pod>(pods, orphan("web-0"), ns);
  await h.client.create<Pod>(pods, orphan("other-0"), ns);
  const set = await h.client.create<StatefulSet>(statefulsets, statefulSet(ns, "web", 1, { updateStrategy: { type: "OnDelete" } }), ns);

  const adopted = await waitForPod(ns, "web-0", (p) => controllerRefOf(p)?.uid === set.metadata.uid);
  assert.equal(adopted.metadata.uid, web0.metadata.uid, "the orphan itself is adopted, not replaced");
  // In order, as Kubernetes does, the identity labels come once the pod is Running and Ready.
  await setPodRunning(h.client, adopted);
  const labelled = await waitForPod(ns, "web-0", (p) => p.metadata.labels?.["statefulset.kubernetes.io/pod-name"] === "web-0");
  assert.equal(labelled.metadata.labels?.["apps.kubernetes.io/pod-index"], "0");
  assert.deepEqual(h.recorder.messages(ns, "web", "SuccessfulUpdate"), ["update Pod web-0 in StatefulSet web successful"]);
  await settle();
  assert.equal(controllerRefOf((await getPod(ns, "other-0"))!), undefined, "a pod without a member's name is not adopted");
  assert.deepEqual(h.recorder.messages(ns, "web", "SuccessfulCreate"), []);

  await modify<Pod>(h.client, pods, ns, "web-0", (p) => {
    p.metadata.labels = { app: "retired" };
  });
  const released = await waitForPod(ns, "web-0", (p) => controllerRefOf(p) === undefined);
  assert.equal(released.metadata.uid, web0.metadata.uid);
  // The released pod still holds the name, so the set cannot create its own web-0 (as in Kubernetes).
  await waitFor("a FailedCreate event", async () =>
    h.recorder.messages(ns, "web", "FailedCreate").some((m) => m.startsWith("create Pod web-0 in StatefulSet web failed error:") && m.includes("already exists")),
  );
});

test("history: status and pods name ControllerRevisions; a template brought back reuses its revision; the limit prunes the rest", async () => {
  const ns = await createNamespace(h.client, "sts-history");
  const before = await readySet(ns, "web", 1, { revisionHistoryLimit: 1 });
  const revisions = async () => (await h.client.list<ControllerRevision>(controllerRevisions, { namespace: ns })).items.sort((a, b) => a.revision - b.revision);
  const [first] = await revisions();
  assert.equal(first!.metadata.name, before.status?.currentRevision);
  assert.equal(first!.metadata.name, before.status?.updateRevision);
  assert.equal(revisionOf(await getPod(ns, "web-0")), first!.metadata.name);
  assert.ok(first!.metadata.labels?.["controller.kubernetes.io/hash"], "revisions carry their hash");
  assert.equal(before.status?.collisionCount, 0);

  const rollTo = async (image: string) => {
    await modify<StatefulSet>(h.client, statefulsets, ns, "web", (s) => {
      s.spec.template.spec.containers[0]!.image = image;
    });
    const pod = await waitForPod(ns, "web-0", (p) => p.spec.containers[0]!.image === image);
    await setPodRunning(h.client, pod);
    return waitFor(`the update to ${image}`, async () => {
      const s = await getSet(ns, "web");
      return s.status?.currentRevision === revisionOf(pod) && s.status?.updateRevision === revisionOf(pod) ? s : undefined;
    });
  };
  const second = await rollTo("bosun.local/busybox:2");
  assert.notEqual(second.status?.updateRevision, first!.metadata.name);

  // Back to the first template (what rollout undo does): the first revision is renumbered, not copied.
  const third = await rollTo("bosun.local/busybox:1");
  assert.equal(third.status?.updateRevision, first!.metadata.name);
  const renumbered = (await revisions()).find((r) => r.metadata.uid === first!.metadata.uid);
  assert.equal(renumbered?.revision, 3);

  // A new template: with revisionHistoryLimit 1, of the two revisions no pod runs the older goes.
  const fourth = await rollTo("bosun.local/busybox:3");
  const left = await waitFor("the second revision pruned", async () => {
    const list = await revisions();
    return list.length === 2 ? list : undefined;
  });
  assert.deepEqual(
    left.map((r) => [r.metadata.name, r.revision]),
    [
      [first!.metadata.name, 3],
      [fourth.status?.updateRevision, 4],
    ],
  );
});
