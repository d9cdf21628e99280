// The node lifecycle controller against a real apiserver over a real etcd: taints
// come and go with heartbeats and cordoning, and the pods of a silent node are
// marked not Ready and then deleted (gracefully: they stay Terminating, as no agent
// runs here to stop them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type Node, type NodeCondition, type Pod, type Taint } from "@bosun/api";
import { ApiClient, sleep } from "@bosun/client";
import { startTestApiServer } from "@bosun/apiserver/testing";
import { startNodeLifecycleController } from "../src/index.js";
import { waitFor } from "./controller-harness.js";
import { FakeRecorder } from "./node-lifecycle-fakes.js";

const nodes = mustResource("nodes");
const pods = mustResource("pods");
const unreachable = "node.kubernetes.io/unreachable";

function readyCondition(status: NodeCondition["status"]): NodeCondition {
  // Millisecond heartbeats, so every beat is a visible change.
  const now = new Date().toISOString();
  return { type: "Ready", status, reason: "KubeletReady", lastHeartbeatTime: now, lastTransitionTime: now };
}

function keysOf(taints: Taint[] | undefined): string[] {
  return (taints ?? []).map((t) => `${t.key}:${t.effect}`);
}

test("taints follow heartbeats and cordoning; a silent node's pods are marked not Ready and then deleted", async () => {
  const server = await startTestApiServer();
  const client = new ApiClient({ server: server.url });
  const recorder = new FakeRecorder();
  const beating = new Set(["alive", "dying"]);
  let heartbeats: NodeJS.Timeout | undefined;
  let controller: { stop(): Promise<void> } | undefined;
  try {
    await client.create<Node>(nodes, { apiVersion: "v1", kind: "Node", metadata: { name: "alive" } });
    await client.create<Node>(nodes, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "dying" },
      spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] },
    });
    const beat = async () => {
      for (const name of beating) {
        await client.patch<Node>(nodes, name, { status: { conditions: [readyCondition("True")] } }, { type: "merge", subresource: "status" });
      }
    };
    await beat();
    heartbeats = setInterval(() => void beat().catch(() => undefined), 100);

    for (const [name, tolerations] of [
      ["web", undefined],
      ["daemon", [{ key: unreachable, operator: "Exists" as const, effect: "NoExecute" as const }]],
    ] as const) {
      await client.create<Pod>(pods, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default" },
        spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], ...(tolerations ? { tolerations: [...tolerations] } : {}) },
      });
      await client.bind("default", name, "dying");
      const pod = await client.get<Pod>(pods, name, "default");
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      await client.update<Pod>(
        pods,
        { ...pod, status: { ...pod.status, phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }] } },
        { subresource: "status" },
      );
    }

    controller = startNodeLifecycleController({ client, gracePeriodMs: 1_000, podEvictionTimeoutMs: 2_000, intervalMs: 100, recorder });

    // Cordoning taints, uncordoning untaints.
    await client.patch<Node>(nodes, "alive", { spec: { unschedulable: true } }, { type: "merge" });
    await waitFor("the unschedulable taint", async () =>
      keysOf((await client.get<Node>(nodes, "alive")).spec?.taints).includes("node.kubernetes.io/unschedulable:NoSchedule"),
    );
    await client.patch<Node>(nodes, "alive", { spec: { unschedulable: false } }, { type: "merge" });
    await waitFor("the unschedulable taint to go", async () => keysOf((await client.get<Node>(nodes, "alive")).spec?.taints).length === 0);

    // The agent of "dying" goes silent.
    beating.delete("dying");
    const tainted = await waitFor("the unreachable taints", async () => {
      const node = await client.get<Node>(nodes, "dying");
      return keysOf(node.spec?.taints).length === 3 ? node : undefined;
    });
    assert.equal(tainted.status?.conditions?.find((c) => c.type === "Ready")?.status, "Unknown");
    assert.deepEqual(keysOf(tainted.spec?.taints), ["dedicated:NoSchedule", `${unreachable}:NoSchedule`, `${unreachable}:NoExecute`]);
    assert.ok(tainted.spec!.taints!.slice(1).every((t) => !!t.timeAdded));
    await waitFor("the NodeNotReady event", async () => recorder.reasons("dying").length > 0);
    assert.deepEqual(recorder.reasons("dying"), ["NodeNotReady"]);
    assert.deepEqual(keysOf((await client.get<Node>(nodes, "alive")).spec?.taints), [], "a node that heartbeats stays untainted");

    await waitFor("the pods to be marked not Ready", async () => {
      const list = await client.list<Pod>(pods, { namespace: "default" });
      return list.items.every((p) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "False");
    });

    const evicted = await waitFor("web to be marked for deletion", async () => {
      const pod = await client.get<Pod>(pods, "web", "default");
      return pod.metadata.deletionTimestamp ? pod : undefined;
    });
    assert.ok(evicted.spec.nodeName === "dying" && evicted.metadata.deletionGracePeriodSeconds! > 0, "a graceful delete: Terminating");
    const taintedAtMs = Date.parse(tainted.spec!.taints![2]!.timeAdded!);
    // The event is recorded right after the delete, so the test may see the delete first.
    const marked = await waitFor("the TaintManagerEviction event", async () => recorder.events.find((e) => e.reason === "TaintManagerEviction"));
    assert.equal(marked.message, "Marking for deletion Pod default/web");
    assert.ok(Date.now() - taintedAtMs >= 1_000, "not before the eviction timeout (timeAdded has second precision)");

    await sleep(500);
    assert.equal((await client.get<Pod>(pods, "daemon", "default")).metadata.deletionTimestamp, undefined, "the tolerating pod stays");
    assert.deepEqual(recorder.reasons("daemon"), ["NodeNotReady"]);

    // The agent comes back: the health taints go, the user's stays.
    beating.add("dying");
    await waitFor("the health taints to go", async () => {
      const node = await client.get<Node>(nodes, "dying");
      return keysOf(node.spec?.taints).join() === "dedicated:NoSchedule";
    });
  } finally {
    clearInterval(heartbeats);
    await controller?.stop();
    await server.stop();
  }
});
