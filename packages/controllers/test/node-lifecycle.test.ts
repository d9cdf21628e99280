import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeList, KubeObject, Node, ResourceInfo } from "@bosun/api";
import { ApiError } from "@bosun/client";
import { NodeLifecycleController, unknownConditions, type NodeLifecycleApi } from "../src/index.js";

function readyNode(name: string, heartbeat: string, resourceVersion = "1"): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, resourceVersion },
    status: {
      conditions: [
        { type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat },
        { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", lastHeartbeatTime: heartbeat },
      ],
    },
  };
}

/** Nodes in memory; update is compare-and-swap on resourceVersion like the real API. */
class FakeNodes {
  nodes = new Map<string, Node>();
  updates: Node[] = [];
  private rv = 100;

  put(node: Node): void {
    this.nodes.set(node.metadata.name!, { ...node, metadata: { ...node.metadata, resourceVersion: String(++this.rv) } });
  }

  api(): NodeLifecycleApi {
    const self = this;
    return {
      async list<T extends KubeObject>(_res: ResourceInfo): Promise<KubeList<T>> {
        return { apiVersion: "v1", kind: "NodeList", metadata: {}, items: [...self.nodes.values()] as unknown as T[] };
      },
      async update<T extends KubeObject>(_res: ResourceInfo, obj: T): Promise<T> {
        const current = self.nodes.get(obj.metadata.name!);
        if (current?.metadata.resourceVersion !== obj.metadata.resourceVersion) {
          throw new ApiError({ apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code: 409, reason: "Conflict", message: "conflict" });
        }
        self.updates.push(obj as unknown as Node);
        self.put(obj as unknown as Node);
        return self.nodes.get(obj.metadata.name!) as unknown as T;
      },
    };
  }
}

test("a node whose heartbeat stops changing for longer than the grace period turns Ready=Unknown", async () => {
  const fake = new FakeNodes();
  fake.put(readyNode("n1", "2025-01-01T00:00:00.000Z"));
  let now = 1_000_000;
  const controller = new NodeLifecycleController({ client: fake.api(), gracePeriodMs: 15_000, now: () => now });

  await controller.reconcile(); // first sight: starts the clock, never marks at once
  now += 14_000;
  await controller.reconcile();
  assert.equal(fake.updates.length, 0, "within the grace period nothing is written");

  now += 2_000;
  await controller.reconcile();
  assert.equal(fake.updates.length, 1);
  const conditions = fake.nodes.get("n1")!.status!.conditions!;
  const ready = conditions.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "Unknown");
  assert.equal(ready.reason, "NodeStatusUnknown");
  assert.equal(ready.message, "Kubelet stopped posting node status.");
  assert.equal(ready.lastHeartbeatTime, "2025-01-01T00:00:00.000Z", "the last heartbeat is kept");
  assert.equal(conditions.find((c) => c.type === "MemoryPressure")!.status, "Unknown");

  now += 5_000;
  await controller.reconcile();
  assert.equal(fake.updates.length, 1, "an Unknown node is not written again");
});

test("a node that keeps heartbeating stays Ready, whatever its clock says", async () => {
  const fake = new FakeNodes();
  // A heartbeat time far in the past (skewed agent or master clock) is not staleness.
  fake.put(readyNode("n1", "2000-01-01T00:00:00.000Z"));
  let now = 0;
  const controller = new NodeLifecycleController({ client: fake.api(), gracePeriodMs: 15_000, now: () => now });
  for (let i = 1; i <= 10; i++) {
    await controller.reconcile();
    now += 5_000;
    fake.put(readyNode("n1", `2000-01-01T00:00:${String(i * 5).padStart(2, "0")}.000Z`));
  }
  assert.equal(fake.updates.length, 0);
});

test("a heartbeat that lands between read and write wins: the stale write is a conflict and is dropped", async () => {
  const fake = new FakeNodes();
  fake.put(readyNode("n1", "2025-01-01T00:00:00.000Z"));
  let now = 0;
  const api = fake.api();
  const racing: NodeLifecycleApi = {
    list: api.list,
    async update(res, obj, opts) {
      fake.put(readyNode("n1", "2025-01-01T00:01:00.000Z")); // the agent's heartbeat arrives first
      return api.update(res, obj, opts);
    },
  };
  const controller = new NodeLifecycleController({ client: racing, gracePeriodMs: 1_000, now: () => now });
  await controller.reconcile();
  now += 5_000;
  await controller.reconcile();
  assert.equal(fake.nodes.get("n1")!.status!.conditions![0]!.status, "True");
});

test("unknownConditions adds Ready=Unknown to a node that never posted status", () => {
  const conditions = unknownConditions(undefined, "2025-01-01T00:00:00.000Z");
  assert.deepEqual(conditions, [
    {
      type: "Ready",
      status: "Unknown",
      reason: "NodeStatusNeverUpdated",
      message: "Kubelet never posted node status.",
      lastTransitionTime: "2025-01-01T00:00:00.000Z",
    },
  ]);
});
