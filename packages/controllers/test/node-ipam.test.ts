// The node IPAM controller against a real apiserver: every node gets a range of the
// cluster CIDR that no other node holds, also with two allocators racing (two
// masters during a leader handover); an exhausted cluster CIDR is reported as
// CIDRNotAvailable and never answered with a duplicate; a deleted node's range is
// given to the next node that needs one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cidrContains, mustResource, nodePodCidrs, parseCidr, type KubeObject, type Node, type ResourceInfo } from "@bosun/api";
import { startTestApiServer } from "@bosun/apiserver/testing";
import { ApiClient, SharedInformers, type PatchOptions } from "@bosun/client";
import { NodeIpamController, cidrNotAvailableReason, type NodeIpamOptions } from "../src/index.js";
import { RecordingRecorder, waitFor } from "./controller-harness.js";

const nodes = mustResource("nodes");

function node(name: string, podCIDR?: string): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, spec: podCIDR ? { podCIDR } : {} };
}

async function allocatorAgainst(url: string, opts: NodeIpamOptions) {
  const client = new ApiClient({ server: url });
  const informers = new SharedInformers(client);
  const recorder = new RecordingRecorder();
  const controller = new NodeIpamController({ client, informers, recorder }, opts);
  await informers.start();
  await controller.run();
  return {
    recorder,
    async stop() {
      await controller.stop();
      await informers.stop();
    },
  };
}

async function podCidrs(client: ApiClient): Promise<Map<string, string>> {
  const list = await client.list<Node>(nodes);
  return new Map(list.items.map((n) => [n.metadata.name ?? "", nodePodCidrs(n)[0] ?? ""]));
}

function assertDistinctRangesIn(ranges: Map<string, string>, clusterCidr: string): void {
  const cluster = parseCidr(clusterCidr);
  for (const [name, cidr] of ranges) assert.ok(cidr && cidrContains(cluster, parseCidr(cidr)), `${name} has ${cidr || "no range"}`);
  assert.equal(new Set(ranges.values()).size, ranges.size, `a range was given twice: ${JSON.stringify([...ranges])}`);
}

test("nodes get distinct ranges of the cluster CIDR, around ranges nodes already hold", async () => {
  const server = await startTestApiServer();
  const client = new ApiClient({ server: server.url });
  // Set by hand before the allocator runs: it must go around it.
  await client.create(nodes, node("pinned", "10.244.0.0/24"));
  const allocator = await allocatorAgainst(server.url, { clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 24 });
  try {
    for (const name of ["a", "b", "c"]) await client.create(nodes, node(name));
    const ranges = await waitFor("every node to have a pod CIDR", async () => {
      const r = await podCidrs(client);
      return [...r.values()].every((c) => c !== "") ? r : undefined;
    });
    assert.equal(ranges.get("pinned"), "10.244.0.0/24");
    assertDistinctRangesIn(ranges, "10.244.0.0/16");
    const a = await client.get<Node>(nodes, "a");
    assert.equal(a.spec?.podCIDR, a.spec?.podCIDRs?.[0], "podCIDR and podCIDRs agree");
  } finally {
    await allocator.stop();
    await server.stop();
  }
});

test("two allocators racing (a leader handover) never give one range twice", async () => {
  const server = await startTestApiServer();
  const client = new ApiClient({ server: server.url });
  const opts = { clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 24 };
  const first = await allocatorAgainst(server.url, opts);
  let second: Awaited<ReturnType<typeof allocatorAgainst>> | undefined;
  try {
    const names = Array.from({ length: 24 }, (_, i) => `node-${i}`);
    await Promise.all(names.map((name) => client.create(nodes, node(name))));
    // The second starts while the first is still allocating, and takes the nodes in
    // another order (its initial list sorts them by name): they want the same
    // ranges for different nodes.
    second = await allocatorAgainst(server.url, opts);
    const ranges = await waitFor("every node to have a pod CIDR", async () => {
      const r = await podCidrs(client);
      return r.size === names.length && [...r.values()].every((c) => c !== "") ? r : undefined;
    });
    assertDistinctRangesIn(ranges, opts.clusterCidr);
  } finally {
    await first.stop();
    await second?.stop();
    await server.stop();
  }
});

test("a range another writer takes between the allocator's choice and its write is left to it; the node gets the next", async () => {
  const server = await startTestApiServer();
  const rival = new ApiClient({ server: server.url });
  // The allocator's client lets a rival master claim, for another node, exactly the
  // range the allocator is about to write: the race a leader handover can produce.
  class OvertakenClient extends ApiClient {
    private overtaken = false;
    override async patch<T extends KubeObject>(res: ResourceInfo, name: string, patch: unknown, opts?: PatchOptions): Promise<T> {
      const wanted = (patch as { spec?: { podCIDR?: string } }).spec?.podCIDR;
      if (wanted && !this.overtaken) {
        this.overtaken = true;
        await rival.create(nodes, node("rival", wanted));
      }
      return super.patch<T>(res, name, patch, opts);
    }
  }
  const client = new OvertakenClient({ server: server.url });
  const informers = new SharedInformers(client);
  const controller = new NodeIpamController({ client, informers, recorder: new RecordingRecorder() }, { clusterCidr: "10.244.0.0/16", nodeCidrMaskSize: 24 });
  await informers.start();
  await controller.run();
  try {
    await rival.create(nodes, node("late"));
    const ranges = await waitFor("both nodes to have a pod CIDR", async () => {
      const r = await podCidrs(rival);
      return r.get("late") && r.get("rival") ? r : undefined;
    });
    assert.equal(ranges.get("rival"), "10.244.0.0/24", "the rival kept the range it took");
    assert.equal(ranges.get("late"), "10.244.1.0/24", "the allocator moved on to the next range");
  } finally {
    await controller.stop();
    await informers.stop();
    await server.stop();
  }
});

test("an exhausted cluster CIDR is reported as CIDRNotAvailable; a deleted node's range goes to the node waiting", async () => {
  const server = await startTestApiServer();
  const client = new ApiClient({ server: server.url });
  // Two ranges of /30 in a /29.
  const opts = { clusterCidr: "10.250.0.0/29", nodeCidrMaskSize: 30 };
  const allocator = await allocatorAgainst(server.url, opts);
  try {
    await client.create(nodes, node("one"));
    await client.create(nodes, node("two"));
    await waitFor("both nodes to have a range", async () => [...(await podCidrs(client)).values()].every((c) => c !== ""));
    await client.create(nodes, node("three"));
    const reported = await waitFor("CIDRNotAvailable about node three", async () =>
      allocator.recorder.events.find((e) => e.object.metadata.name === "three" && e.reason === cidrNotAvailableReason),
    );
    assert.equal(reported.type, "Warning");
    assert.match(reported.message, /no pod CIDR is left for node "three": all 2 ranges of \/30 in the cluster CIDR 10.250.0.0\/29 are allocated/);
    assert.equal(nodePodCidrs(await client.get<Node>(nodes, "three")).length, 0, "no range given twice");

    const freed = nodePodCidrs(await client.get<Node>(nodes, "one"))[0];
    await client.delete(nodes, "one");
    const ranges = await waitFor("node three to get the freed range", async () => {
      const r = await podCidrs(client);
      return r.get("three") ? r : undefined;
    });
    assert.equal(ranges.get("three"), freed);
    assertDistinctRangesIn(ranges, opts.clusterCidr);
  } finally {
    await allocator.stop();
    await server.stop();
  }
});
