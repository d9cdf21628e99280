// Priority and preemption on one full node: PriorityClasses give pods their
// priority; a pod whose class says Never waits rather than preempt; a
// higher-priority pod preempts the lower one (nominated to the node, the victim
// marked DisruptionTarget and deleted with a Preempted event) and then runs.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type Event, type Pod, type PriorityClass, type WatchEvent } from "@bosun/api";
import {
  e2eTest,
  expectSuccess,
  getPod,
  idleScript,
  podManifest,
  pods,
  shContainer,
  useCluster,
  waitForPod,
  waitForRunning,
  type Cluster,
} from "../src/index.js";

const priorityClasses = mustResource("priorityclasses");
const events = mustResource("events");

function priorityClass(name: string, value: number, preemptionPolicy?: PriorityClass["preemptionPolicy"]): PriorityClass {
  return {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value,
    ...(preemptionPolicy ? { preemptionPolicy } : {}),
  };
}

/** A pod of the class that asks for `cpu` of the node's one cpu, so two of them do not fit. */
function classedPod(name: string, priorityClassName: string, cpu: string): Pod {
  return podManifest(name, [shContainer("app", idleScript(name), { resources: { requests: { cpu } } })], { priorityClassName });
}

/** Every version of the pods the API sends from now on, until stop(). */
function recordPods(cl: Cluster): { seen: Pod[]; stop(): void } {
  const abort = new AbortController();
  const seen: Pod[] = [];
  void (async () => {
    try {
      for await (const ev of cl.client.watch<Pod>(pods, { namespace: "default", signal: abort.signal }) as AsyncIterable<WatchEvent<Pod>>) {
        if (ev.type === "ADDED" || ev.type === "MODIFIED" || ev.type === "DELETED") seen.push(ev.object);
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return { seen, stop: () => abort.abort() };
}

async function eventsOf(cl: Cluster, name: string): Promise<Event[]> {
  return (await cl.client.list<Event>(events, { namespace: "default", fieldSelector: `involvedObject.name=${name}` })).items;
}

describe("priority and preemption", () => {
  const c = useCluster({ agents: [{ name: "a", capacityCpu: "1", capacityMemory: "2Gi" }] });

  e2eTest("on a full node a Never pod waits, and a higher-priority pod preempts the lower one", c, async (cl) => {
    const node = cl.nodeName("a");
    const classes = expectSuccess("kubectl get priorityclasses", await cl.kubectl(["get", "priorityclasses"])).stdout;
    assert.match(classes, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY/m, classes);
    assert.match(classes, /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m, classes);

    await cl.client.create(priorityClasses, priorityClass("e2e-low", 10));
    await cl.client.create(priorityClasses, priorityClass("e2e-high", 1000));
    await cl.client.create(priorityClasses, priorityClass("e2e-high-never", 1000, "Never"));

    await cl.client.create(pods, classedPod("low", "e2e-low", "700m"));
    const low = await waitForRunning(cl, "low");
    assert.equal(low.spec.nodeName, node);
    assert.deepEqual([low.spec.priority, low.spec.preemptionPolicy], [10, "PreemptLowerPriority"]);

    // Same priority as the preemptor below, but it may not preempt: it waits and says why.
    await cl.client.create(pods, classedPod("patient", "e2e-high-never", "600m"));
    const scheduledCondition = (p: Pod) => p.status?.conditions?.find((x) => x.type === "PodScheduled");
    const patient = await waitForPod(cl, "patient", (p) => scheduledCondition(p)?.status === "False", "to be unschedulable");
    assert.deepEqual([patient.spec.priority, patient.spec.preemptionPolicy], [1000, "Never"]);
    assert.equal(
      scheduledCondition(patient)?.message,
      "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
    );
    const untouched = await getPod(cl, "low");
    assert.equal(untouched?.metadata.deletionTimestamp, undefined, "a Never pod preempts nothing");

    const watch = recordPods(cl);
    try {
      await cl.client.create(pods, classedPod("high", "e2e-high", "600m"));
      const high = await waitForRunning(cl, "high", 120_000);
      assert.equal(high.spec.nodeName, node);
      const nominated = watch.seen.find((p) => p.metadata.name === "high" && p.status?.nominatedNodeName);
      assert.equal(nominated?.status?.nominatedNodeName, node, "the preemptor was nominated to the node");
      const disrupted = watch.seen.find((p) => p.metadata.name === "low" && p.status?.conditions?.some((x) => x.type === "DisruptionTarget"));
      const condition = disrupted?.status?.conditions?.find((x) => x.type === "DisruptionTarget");
      assert.deepEqual(
        { status: condition?.status, reason: condition?.reason, message: condition?.message },
        { status: "True", reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod" },
      );
    } finally {
      watch.stop();
    }
    await cl.waitFor(async () => ((await getPod(cl, "low")) === undefined ? true : undefined), { timeoutMs: 60_000, what: "the victim to be gone" });
    const preempted = await cl.waitFor(
      async (note) => {
        const list = await eventsOf(cl, "low");
        note(list.map((e) => `${e.reason}: ${e.message}`));
        return list.find((e) => e.reason === "Preempted");
      },
      { timeoutMs: 30_000, what: "a Preempted event for the victim" },
    );
    const highUid = (await getPod(cl, "high"))?.metadata.uid;
    assert.equal(preempted.message, `Preempted by pod ${highUid} on node ${node}`);

    // The Never pod is still waiting: the node is full of a pod as important as it.
    const stillPending = await getPod(cl, "patient");
    assert.equal(stillPending?.spec.nodeName, undefined);
    assert.equal(stillPending?.status?.phase, "Pending");

    for (const name of ["high", "patient"]) await cl.client.delete(pods, name, { namespace: "default", gracePeriodSeconds: 0 });
    for (const name of ["e2e-low", "e2e-high", "e2e-high-never"]) await cl.client.delete(priorityClasses, name);
  });
});
