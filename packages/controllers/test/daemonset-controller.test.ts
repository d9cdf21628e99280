// The DaemonSet controller against a real apiserver and etcd. The test plays the
// agents: it creates Node objects as registering agents would and writes pod status.
// No scheduler runs, so pods stay unbound and are found on the node their affinity
// names (targetNodeName), as the controller finds them.
// Node objects are cluster-wide, so each test labels its own nodes and selects them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type ControllerRevision, type DaemonSet, type Node, type Pod, type Taint } from "@bosun/api";
import { DaemonSetController, controllerRefOf } from "../src/index.js";
import { targetNodeName, withNodeNameAffinity } from "../src/daemonset/node-affinity.js";
import {
  createNamespace,
  listPods,
  modify,
  setPodPhase,
  setPodRunning,
  settle,
  startHarness,
  waitFor,
  type Harness,
} from "./controller-harness.js";

const daemonsets = mustResource("daemonsets");
const nodes = mustResource("nodes");
const pods = mustResource("pods");
const controllerRevisions = mustResource("controllerrevisions");

let h: Harness;

before(async () => {
  h = await startHarness((ctx) => new DaemonSetController(ctx));
});

after(async () => {
  await h.stop();
});

async function createNode(name: string, labels: Record<string, string>, taints: Taint[] = []): Promise<Node> {
  return h.client.create<Node>(nodes, { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { taints } });
}

function daemonSet(ns: string, name: string, suite: string, extra: Partial<DaemonSet["spec"]> = {}, gracePeriod = 0): DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { suite },
          terminationGracePeriodSeconds: gracePeriod,
          containers: [{ name: "main", image: "bosun.local/busybox:1", command: ["sleep", "3600"] }],
        },
      },
      ...extra,
    },
  };
}

/** The DaemonSet's live pods (not being deleted). */
async function livePods(ns: string): Promise<Pod[]> {
  return (await listPods(h.client, ns)).filter((p) => !p.metadata.deletionTimestamp);
}

async function podsOnNodes(ns: string, count: number): Promise<Pod[]> {
  return waitFor(`${count} daemon pods in ${ns}`, async () => {
    const live = await livePods(ns);
    return live.length === count ? live : undefined;
  });
}

async function markAllRunning(ns: string): Promise<void> {
  for (const pod of await livePods(ns)) if (pod.status?.phase !== "Running") await setPodRunning(h.client, pod);
}

async function getDs(ns: string, name: string): Promise<DaemonSet> {
  return h.client.get<DaemonSet>(daemonsets, name, ns);
}

test("one pod per eligible node, meant for it by node affinity, and one more for a node that joins later", async () => {
  const ns = await createNamespace(h.client, "ds-basic");
  await createNode("basic-1", { suite: "basic" });
  await createNode("basic-2", { suite: "basic" });
  await createNode("basic-other", { suite: "elsewhere" });
  const ds = await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "basic"), ns);

  const created = await podsOnNodes(ns, 2);
  assert.deepEqual(created.map((p) => targetNodeName(p)).sort(), ["basic-1", "basic-2"]);
  for (const pod of created) {
    assert.equal(pod.spec.nodeName, undefined, "the scheduler binds daemon pods");
    assert.deepEqual(pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
      { matchFields: [{ key: "metadata.name", operator: "In", values: [targetNodeName(pod)] }] },
    ]);
    assert.match(pod.metadata.name ?? "", /^agent-[a-z0-9]{5}$/);
    assert.equal(controllerRefOf(pod)?.uid, ds.metadata.uid);
    assert.ok(pod.metadata.labels?.["controller-revision-hash"], "pods carry the template hash");
    assert.equal(pod.metadata.labels?.["pod-template-generation"], String(ds.metadata.generation), "and the DaemonSet's generation, as Kubernetes' pods do");
    assert.equal(pod.metadata.labels?.app, "agent");
    const tolerated = (pod.spec.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
    for (const t of ["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unschedulable:NoSchedule"]) {
      assert.ok(tolerated.includes(t), `daemon pods tolerate ${t}`);
    }
    assert.equal(pod.spec.tolerations?.find((t) => t.key === "node.kubernetes.io/unreachable")?.tolerationSeconds, undefined);
  }
  const createdEvents = h.recorder.messages(ns, "agent", "SuccessfulCreate");
  assert.deepEqual(createdEvents.sort(), created.map((p) => `Created pod: ${p.metadata.name}`).sort());

  await markAllRunning(ns);
  const status = await waitFor("status of 2 ready nodes", async () => {
    const s = (await getDs(ns, "agent")).status;
    return s?.numberAvailable === 2 ? s : undefined;
  });
  assert.deepEqual(
    {
      desired: status.desiredNumberScheduled,
      current: status.currentNumberScheduled,
      misscheduled: status.numberMisscheduled,
      ready: status.numberReady,
      updated: status.updatedNumberScheduled,
      unavailable: status.numberUnavailable,
      observedGeneration: status.observedGeneration,
    },
    { desired: 2, current: 2, misscheduled: 0, ready: 2, updated: 2, unavailable: 0, observedGeneration: 1 },
  );

  await createNode("basic-3", { suite: "basic" });
  const after = await podsOnNodes(ns, 3);
  assert.deepEqual(after.map((p) => targetNodeName(p)).sort(), ["basic-1", "basic-2", "basic-3"]);
  await waitFor("desired 3", async () => (await getDs(ns, "agent")).status?.desiredNumberScheduled === 3);
});

test("pods leave nodes that stop matching or get an untolerated NoExecute taint; NoSchedule and cordons do not evict", async () => {
  const ns = await createNamespace(h.client, "ds-eligibility");
  for (const n of ["elig-1", "elig-2", "elig-3", "elig-4"]) await createNode(n, { suite: "elig" });
  await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "elig"), ns);
  await podsOnNodes(ns, 4);

  await modify<Node>(h.client, nodes, undefined, "elig-1", (n) => {
    n.metadata.labels = { suite: "retired" };
  });
  await modify<Node>(h.client, nodes, undefined, "elig-2", (n) => {
    n.spec = { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] };
  });
  await modify<Node>(h.client, nodes, undefined, "elig-3", (n) => {
    n.spec = { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] };
  });
  await modify<Node>(h.client, nodes, undefined, "elig-4", (n) => {
    n.spec = { unschedulable: true, taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }] };
  });
  const remaining = await waitFor("pods to leave elig-1 and elig-2", async () => {
    const live = await livePods(ns);
    return live.length === 2 ? live : undefined;
  });
  assert.deepEqual(remaining.map((p) => targetNodeName(p)).sort(), ["elig-3", "elig-4"]);
  assert.equal(h.recorder.messages(ns, "agent", "SuccessfulDelete").length, 2);
  const status = await waitFor("status after the changes", async () => {
    const s = (await getDs(ns, "agent")).status;
    return s?.desiredNumberScheduled === 1 && s.numberMisscheduled === 1 ? s : undefined;
  });
  // elig-3 (NoSchedule) keeps its pod but no longer counts as desired: misscheduled.
  assert.equal(status.currentNumberScheduled, 1);

  // The NoSchedule taint goes away: elig-3 counts again; label elig-1 back: it gets a new pod.
  await modify<Node>(h.client, nodes, undefined, "elig-3", (n) => {
    n.spec = { taints: [] };
  });
  await modify<Node>(h.client, nodes, undefined, "elig-1", (n) => {
    n.metadata.labels = { suite: "elig" };
  });
  const back = await podsOnNodes(ns, 3);
  assert.deepEqual(back.map((p) => targetNodeName(p)).sort(), ["elig-1", "elig-3", "elig-4"]);
  await waitFor("desired 3, none misscheduled", async () => {
    const s = (await getDs(ns, "agent")).status;
    return s?.desiredNumberScheduled === 3 && s.numberMisscheduled === 0;
  });
});

test("an extra pod on a node is deleted and the oldest kept; orphans are adopted", async () => {
  const ns = await createNamespace(h.client, "ds-extra");
  await createNode("extra-1", { suite: "extra" });
  await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "extra"), ns);
  const [original] = await podsOnNodes(ns, 1);
  // Creation times have second precision: make the intruder clearly younger.
  await settle(1100);
  const intruder = await h.client.create<Pod>(
    pods,
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "intruder", namespace: ns, labels: { app: "agent" } },
      // Meant for the node as a daemon pod is (a bound pod would be kept before an unbound one).
      spec: {
        affinity: withNodeNameAffinity(undefined, "extra-1"),
        terminationGracePeriodSeconds: 0,
        containers: [{ name: "main", image: "bosun.local/busybox:1" }],
      },
    },
    ns,
  );
  await waitFor("the intruder to be adopted and removed", async () => {
    const all = await listPods(h.client, ns);
    return all.length === 1 && all[0]!.metadata.uid === original!.metadata.uid;
  });
  assert.ok(h.recorder.messages(ns, "agent", "SuccessfulDelete").includes(`Deleted pod: ${intruder.metadata.name}`));
});

test("a failed daemon pod is deleted and replaced; a pod whose node is gone is removed at once", async () => {
  const ns = await createNamespace(h.client, "ds-failed");
  await createNode("failed-1", { suite: "failed" });
  await createNode("failed-2", { suite: "failed" });
  // A real grace period: the pod on the deleted node must be forced, nobody would confirm it.
  await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "failed", {}, 30), ns);
  const first = await podsOnNodes(ns, 2);
  const onOne = first.find((p) => targetNodeName(p) === "failed-1")!;
  const onTwo = first.find((p) => targetNodeName(p) === "failed-2")!;

  await setPodPhase(h.client, onOne, "Failed");
  const replacement = await waitFor("a replacement on failed-1", async () => {
    const all = await listPods(h.client, ns);
    return all.find((p) => targetNodeName(p) === "failed-1" && p.metadata.uid !== onOne.metadata.uid);
  });
  assert.equal(replacement.status?.phase, "Pending");
  assert.equal((await listPods(h.client, ns)).some((p) => p.metadata.uid === onOne.metadata.uid), false, "a failed pod goes at once");
  assert.deepEqual(h.recorder.messages(ns, "agent", "FailedDaemonPod"), [`Found failed daemon pod ${ns}/${onOne.metadata.name} on node failed-1, will try to kill it`]);

  await h.client.delete(nodes, "failed-2");
  await waitFor("the pod of the deleted node to be gone", async () => !(await listPods(h.client, ns)).some((p) => p.metadata.uid === onTwo.metadata.uid));
});

test("RollingUpdate replaces pods node by node within maxUnavailable", async () => {
  const ns = await createNamespace(h.client, "ds-rolling");
  for (const n of ["roll-1", "roll-2", "roll-3"]) await createNode(n, { suite: "roll" });
  await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "roll", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } } }), ns);
  await podsOnNodes(ns, 3);
  await markAllRunning(ns);
  const oldHash = (await livePods(ns))[0]!.metadata.labels?.["controller-revision-hash"];
  await waitFor("3 available", async () => (await getDs(ns, "agent")).status?.numberAvailable === 3);

  await modify<DaemonSet>(h.client, daemonsets, ns, "agent", (ds) => {
    ds.spec.template.spec.containers[0]!.image = "bosun.local/busybox:2";
  });
  const newHashOf = (p: Pod) => p.metadata.labels?.["controller-revision-hash"] !== oldHash;
  for (let step = 1; step <= 3; step++) {
    const fresh = await waitFor(`new pod number ${step}`, async () => {
      const live = await livePods(ns);
      const updated = live.filter(newHashOf);
      return live.length === 3 && updated.length === step ? updated : undefined;
    });
    // While the new pod is not ready, no other old pod may go.
    await settle();
    const live = await livePods(ns);
    assert.equal(live.filter(newHashOf).length, step, "one node at a time");
    assert.equal(live.length, 3);
    for (const pod of fresh) if (pod.status?.phase !== "Running") await setPodRunning(h.client, pod);
  }
  const done = await waitFor("the update to be complete", async () => {
    const ds = await getDs(ns, "agent");
    const s = ds.status;
    return s?.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s.observedGeneration === ds.metadata.generation ? ds : undefined;
  });
  assert.equal(done.metadata.generation, 2);
  for (const pod of await livePods(ns)) assert.equal(pod.spec.containers[0]!.image, "bosun.local/busybox:2");
});

test("maxUnavailable as a percentage rounds up", async () => {
  const ns = await createNamespace(h.client, "ds-percent");
  for (const n of ["pct-1", "pct-2", "pct-3"]) await createNode(n, { suite: "pct" });
  await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "pct", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "50%" } } }), ns);
  await podsOnNodes(ns, 3);
  await markAllRunning(ns);
  const oldHash = (await livePods(ns))[0]!.metadata.labels?.["controller-revision-hash"];
  await waitFor("3 available", async () => (await getDs(ns, "agent")).status?.numberAvailable === 3);
  await modify<DaemonSet>(h.client, daemonsets, ns, "agent", (ds) => {
    ds.spec.template.spec.containers[0]!.image = "bosun.local/busybox:2";
  });
  // 50% of 3 rounds up to 2.
  await waitFor("two new pods", async () => (await livePods(ns)).filter((p) => p.metadata.labels?.["controller-revision-hash"] !== oldHash).length === 2);
  await settle();
  assert.equal((await livePods(ns)).filter((p) => p.metadata.labels?.["controller-revision-hash"] === oldHash).length, 1);
});

test("RollingUpdate with maxSurge starts the new pod before the old one goes", async () => {
  const ns = await createNamespace(h.client, "ds-surge");
  await createNode("surge-1", { suite: "surge" });
  await h.client.create<DaemonSet>(
    daemonsets,
    daemonSet(ns, "agent", "surge", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }),
    ns,
  );
  const [old] = await podsOnNodes(ns, 1);
  await markAllRunning(ns);
  await waitFor("1 available", async () => (await getDs(ns, "agent")).status?.numberAvailable === 1);
  await modify<DaemonSet>(h.client, daemonsets, ns, "agent", (ds) => {
    ds.spec.template.spec.containers[0]!.image = "bosun.local/busybox:2";
  });
  const both = await podsOnNodes(ns, 2);
  assert.deepEqual(both.map((p) => targetNodeName(p)), ["surge-1", "surge-1"]);
  await settle();
  assert.ok((await livePods(ns)).some((p) => p.metadata.uid === old!.metadata.uid), "the old pod stays until the new one is available");
  const fresh = both.find((p) => p.metadata.uid !== old!.metadata.uid)!;
  await setPodRunning(h.client, fresh);
  const [last] = await waitFor("the old pod to go", async () => {
    const live = await livePods(ns);
    return live.length === 1 && live[0]!.metadata.uid === fresh.metadata.uid ? live : undefined;
  });
  assert.equal(last!.spec.containers[0]!.image, "bosun.local/busybox:2");
});

test("OnDelete leaves running pods alone; a deleted one comes back with the new template", async () => {
  const ns = await createNamespace(h.client, "ds-ondelete");
  for (const n of ["ondel-1", "ondel-2"]) await createNode(n, { suite: "ondel" });
  await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "ondel", { updateStrategy: { type: "OnDelete" } }), ns);
  const before = await podsOnNodes(ns, 2);
  await markAllRunning(ns);
  await modify<DaemonSet>(h.client, daemonsets, ns, "agent", (ds) => {
    ds.spec.template.spec.containers[0]!.image = "bosun.local/busybox:2";
  });
  await waitFor("status to see the new generation", async () => {
    const ds = await getDs(ns, "agent");
    return ds.status?.observedGeneration === 2 && ds.status.updatedNumberScheduled === 0;
  });
  await settle();
  assert.deepEqual((await livePods(ns)).map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort());

  const victim = before.find((p) => targetNodeName(p) === "ondel-1")!;
  await h.client.delete(pods, victim.metadata.name ?? "", { namespace: ns });
  const replacement = await waitFor("a new pod on ondel-1", async () =>
    (await livePods(ns)).find((p) => targetNodeName(p) === "ondel-1" && p.metadata.uid !== victim.metadata.uid),
  );
  assert.equal(replacement.spec.containers[0]!.image, "bosun.local/busybox:2");
  assert.ok((await livePods(ns)).some((p) => targetNodeName(p) === "ondel-2" && p.spec.containers[0]!.image === "bosun.local/busybox:1"));
});

test("history: a ControllerRevision per template names the pods' hash; a template brought back is renumbered; the limit prunes what no pod runs", async () => {
  const ns = await createNamespace(h.client, "ds-history");
  await createNode("hist-1", { suite: "hist" });
  await h.client.create<DaemonSet>(daemonsets, daemonSet(ns, "agent", "hist", { revisionHistoryLimit: 1 }), ns);
  const revisions = async () => (await h.client.list<ControllerRevision>(controllerRevisions, { namespace: ns })).items.sort((a, b) => a.revision - b.revision);
  const [first] = await podsOnNodes(ns, 1);
  const [one] = await waitFor("the first revision", async () => {
    const list = await revisions();
    return list.length === 1 ? list : undefined;
  });
  assert.equal(one!.revision, 1);
  assert.equal(one!.metadata.name, `agent-${first!.metadata.labels?.["controller-revision-hash"]}`);
  assert.equal(one!.metadata.labels?.["controller-revision-hash"], first!.metadata.labels?.["controller-revision-hash"]);
  assert.equal(one!.metadata.labels?.app, "agent", "the template's labels, which the selector matches");
  assert.equal(controllerRefOf(one!)?.kind, "DaemonSet");
  const data = one!.data as { spec: { template: Record<string, unknown> } };
  assert.equal(data.spec.template.$patch, "replace");
  assert.equal((data.spec.template.spec as Pod["spec"]).containers[0]!.image, "bosun.local/busybox:1");

  const setImage = (image: string) =>
    modify<DaemonSet>(h.client, daemonsets, ns, "agent", (ds) => {
      ds.spec.template.spec.containers[0]!.image = image;
    });
  const podWithImage = (image: string) =>
    waitFor(`the pod with ${image}`, async () => {
      const live = await livePods(ns);
      return live.length === 1 && live[0]!.spec.containers[0]!.image === image ? live[0] : undefined;
    });
  await setImage("bosun.local/busybox:2");
  const second = await podWithImage("bosun.local/busybox:2");
  const two = await waitFor("revision 2", async () => (await revisions()).find((r) => r.revision === 2));
  assert.equal(two.metadata.labels?.["controller-revision-hash"], second.metadata.labels?.["controller-revision-hash"]);

  // Back to the first template (what rollout undo does): its revision becomes number 3, no new one is made.
  await setImage("bosun.local/busybox:1");
  const third = await podWithImage("bosun.local/busybox:1");
  assert.equal(third.metadata.labels?.["controller-revision-hash"], first!.metadata.labels?.["controller-revision-hash"]);
  const renumbered = await waitFor("revision 1 renumbered to 3", async () => {
    const list = await revisions();
    return list.some((r) => r.metadata.uid === one!.metadata.uid && r.revision === 3) ? list : undefined;
  });
  assert.deepEqual(renumbered.map((r) => r.revision), [2, 3]);

  // A third template: with revisionHistoryLimit 1 and no pod left on revision 2, the oldest goes.
  await setImage("bosun.local/busybox:3");
  await podWithImage("bosun.local/busybox:3");
  const pruned = await waitFor("revision 2 pruned", async () => {
    const list = await revisions();
    return list.length === 2 && !list.some((r) => r.metadata.uid === two.metadata.uid) ? list : undefined;
  });
  assert.deepEqual(pruned.map((r) => r.revision), [3, 4]);
});
