// No two nodes hold overlapping pod CIDRs: the apiserver keeps an index of the ranges
// in etcd, written in the same transaction as the node, so a second claim on a range
// is refused (422, naming the holder) however the writers race, and a deleted node
// frees its range. At start the index is repaired from the nodes.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { mustResource, type KubeObject, type Node } from "@bosun/api";
import { apiServerForSuite, call } from "../src/testing/index.js";
import { Store } from "../src/storage/store.js";

const nodes = "/api/v1/nodes";
const indexPrefix = "/registry-podcidrs/";

interface StatusBody {
  code: number;
  reason: string;
  message: string;
}

function node(name: string, podCIDR?: string): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, spec: podCIDR ? { podCIDR } : {} };
}

function setPodCidr(url: string, name: string, cidr: string) {
  return call<Node & StatusBody>(url, "PATCH", `${nodes}/${name}`, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, "application/merge-patch+json");
}

/** What the index records: range -> holding node. */
async function indexEntries(etcd: Etcd3, prefix = indexPrefix): Promise<Record<string, string>> {
  const kvs = await etcd.getAll().prefix(prefix).json();
  return Object.fromEntries(Object.values(kvs).map((v) => [(v as { value: string }).value, (v as { name: string }).name]));
}

describe("the pod CIDR index", () => {
  const api = apiServerForSuite();
  let etcdClient: Etcd3 | undefined;
  const etcd = () => (etcdClient ??= new Etcd3({ hosts: api.server.etcd.endpoint }));

  test("a node's range is recorded with it and freed when the node is deleted", async () => {
    const created = await call<Node>(api.url, "POST", nodes, node("keeper", "10.244.1.0/24"));
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.spec, { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"] });
    assert.deepEqual(await indexEntries(etcd()), { "10.244.1.0/24": "keeper" });

    // Status writes and other spec changes leave the range where it is.
    assert.equal((await call(api.url, "PATCH", `${nodes}/keeper/status`, { status: { addresses: [{ type: "InternalIP", address: "10.0.0.1" }] } }, "application/merge-patch+json")).status, 200);
    assert.equal((await call(api.url, "PATCH", `${nodes}/keeper`, { spec: { unschedulable: true } }, "application/merge-patch+json")).status, 200);
    assert.deepEqual(await indexEntries(etcd()), { "10.244.1.0/24": "keeper" });

    assert.equal((await call(api.url, "DELETE", `${nodes}/keeper`)).status, 200);
    assert.deepEqual(await indexEntries(etcd()), {});
    assert.equal((await call(api.url, "POST", nodes, node("successor", "10.244.1.0/24"))).status, 201, "the freed range can be given again");
    assert.equal((await call(api.url, "DELETE", `${nodes}/successor`)).status, 200);
  });

  test("a range another node holds, or one overlapping it, is refused with the holder's name and nothing written", async () => {
    assert.equal((await call(api.url, "POST", nodes, node("holder", "10.244.2.0/24"))).status, 201);
    const duplicate = await call<StatusBody>(api.url, "POST", nodes, node("copycat", "10.244.2.0/24"));
    assert.equal(duplicate.status, 422);
    assert.equal(duplicate.body.reason, "Invalid");
    assert.equal(
      duplicate.body.message,
      'Node "copycat" is invalid: spec.podCIDRs[0]: Invalid value: "10.244.2.0/24": already allocated to node "holder"',
    );
    assert.equal((await call(api.url, "GET", `${nodes}/copycat`)).status, 404);

    assert.equal((await call(api.url, "POST", nodes, node("later"))).status, 201);
    for (const [cidr, message] of [
      ["10.244.2.0/24", 'already allocated to node "holder"'],
      ["10.244.2.0/23", 'overlaps 10.244.2.0/24, allocated to node "holder"'],
      ["10.244.2.128/25", 'overlaps 10.244.2.0/24, allocated to node "holder"'],
      ["10.0.0.0/8", 'overlaps 10.244.2.0/24, allocated to node "holder"'],
    ] as const) {
      const res = await setPodCidr(api.url, "later", cidr);
      assert.equal(res.status, 422, cidr);
      assert.equal(res.body.message, `Node "later" is invalid: spec.podCIDRs[0]: Invalid value: "${cidr}": ${message}`);
    }
    const later = await call<Node>(api.url, "GET", `${nodes}/later`);
    assert.deepEqual(later.body.spec, {});
    assert.equal((await setPodCidr(api.url, "later", "10.244.3.0/24")).status, 200, "a free neighbour is fine");
    assert.deepEqual(await indexEntries(etcd()), { "10.244.2.0/24": "holder", "10.244.3.0/24": "later" });
  });

  test("a range is set once: changing or removing it is forbidden, and the index stays", async () => {
    assert.equal((await call(api.url, "POST", nodes, node("fixed", "10.244.4.0/24"))).status, 201);
    const changed = await setPodCidr(api.url, "fixed", "10.244.5.0/24");
    assert.equal(changed.status, 422);
    assert.match(changed.body.message, /spec\.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid/);
    const removed = await call<StatusBody>(api.url, "PATCH", `${nodes}/fixed`, { spec: { podCIDR: null, podCIDRs: null } }, "application/merge-patch+json");
    assert.equal(removed.status, 422);
    const entries = await indexEntries(etcd());
    assert.equal(entries["10.244.4.0/24"], "fixed");
    assert.equal(entries["10.244.5.0/24"], undefined);
  });

  test("of many writers racing for one range, exactly one gets it", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `racer-${i}`);
    for (const name of names) assert.equal((await call(api.url, "POST", nodes, node(name))).status, 201);
    const replies = await Promise.all(names.map((name) => setPodCidr(api.url, name, "10.244.100.0/24")));
    const winners = names.filter((_, i) => replies[i]!.status === 200);
    assert.equal(winners.length, 1, `winners: ${winners.join(", ")}`);
    const losers = replies.filter((r) => r.status !== 200);
    assert.ok(losers.every((r) => r.status === 422 && r.body.message.includes(`already allocated to node "${winners[0]}"`)));
    assert.equal((await indexEntries(etcd()))["10.244.100.0/24"], winners[0]);

    // Creates race the same way.
    const creates = await Promise.all(["c1", "c2", "c3", "c4"].map((name) => call(api.url, "POST", nodes, node(name, "10.244.102.0/23"))));
    assert.deepEqual(creates.map((r) => r.status).sort(), [201, 422, 422, 422]);
  });

  test("at start the index is repaired: ranges of unindexed nodes recorded, stale keys removed", async () => {
    const prefix = "/repair";
    const store = new Store(etcd(), prefix);
    const nodesInfo = mustResource("nodes");
    const raw = (name: string, uid: string, podCIDR?: string): KubeObject =>
      ({ ...node(name), metadata: { name, uid }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} }) as KubeObject;
    // Written as an older apiserver would have: nodes without index keys.
    for (const n of [raw("old-a", "uid-a", "10.244.7.0/24"), raw("old-b", "uid-b", "10.244.7.0/24"), raw("old-c", "uid-c")]) {
      await etcd().put(store.keys.objectKey(nodesInfo, undefined, n.metadata.name!)).value(JSON.stringify(n));
    }
    // A key whose node is long gone, and one naming a node that holds another range.
    await etcd().put(`${prefix}-podcidrs/4/000010101111010000001000`).value(JSON.stringify({ name: "gone", uid: "uid-gone", value: "10.244.8.0/24" }));
    await etcd().put(`${prefix}-podcidrs/4/000010101111010000001001`).value(JSON.stringify({ name: "old-c", uid: "uid-c", value: "10.244.9.0/24" }));

    await store.repairIndexes();
    // Two nodes that already shared a range: the index records one of them (the other
    // is logged for the operator); the stale keys are gone.
    const repaired = await indexEntries(etcd(), `${prefix}-podcidrs/`);
    assert.deepEqual(Object.keys(repaired), ["10.244.7.0/24"]);
    assert.ok(["old-a", "old-b"].includes(repaired["10.244.7.0/24"]!));

    await store.repairIndexes();
    assert.deepEqual(await indexEntries(etcd(), `${prefix}-podcidrs/`), repaired, "a second repair changes nothing");
    etcdClient?.close();
  });
});
