import { test } from "node:test";
import assert from "node:assert/strict";
import type { Node } from "@bosun/api";
import type { NetworkMessage } from "@bosun/proto";
import { NetworkFeed, networkFor } from "../src/dispatcher/network.js";
import { SnapshotStream } from "../src/dispatcher/snapshot-stream.js";
import { FakeCache, nextTurn, node } from "./fakes.js";

test("a node's picture: its own range, the cluster CIDR, and every other node it can route to, by name", () => {
  const nodes = [
    node("zeta", { podCIDR: "10.244.9.0/24", internalIp: "10.0.0.9" }),
    node("self", { podCIDR: "10.244.1.0/24", internalIp: "10.0.0.1" }),
    node("alpha", { podCIDR: "10.244.2.0/24", internalIp: "10.0.0.2" }),
    node("waiting", { internalIp: "10.0.0.3" }),
    node("no-address", { podCIDR: "10.244.4.0/24" }),
  ];
  assert.deepEqual(networkFor("self", nodes, "10.244.0.0/16"), {
    podCidr: "10.244.1.0/24",
    clusterCidr: "10.244.0.0/16",
    peers: [
      { nodeName: "alpha", podCidr: "10.244.2.0/24", internalIp: "10.0.0.2" },
      { nodeName: "zeta", podCidr: "10.244.9.0/24", internalIp: "10.0.0.9" },
    ],
  });
  assert.equal(networkFor("waiting", nodes, "10.244.0.0/16").podCidr, "", "empty until allocated");
  assert.equal(networkFor("unknown", nodes, "10.244.0.0/16").peers.length, 3);
});

test("changes in one turn go out as one message, and a picture equal to the last is not sent again", async () => {
  const cache = new FakeCache<Node>();
  cache.set(node("self", { internalIp: "10.0.0.1" }));
  const feed = new NetworkFeed(cache, "10.244.0.0/16", async () => {});
  const sent: NetworkMessage[] = [];
  const stream = new SnapshotStream(feed, "self", (msg) => sent.push(msg));
  stream.start();
  assert.equal(sent.length, 1, "the picture at once");

  cache.set(node("a", { podCIDR: "10.244.2.0/24", internalIp: "10.0.0.2" }));
  cache.set(node("b", { podCIDR: "10.244.3.0/24", internalIp: "10.0.0.3" }));
  await nextTurn();
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1]!.peers.map((p) => p.nodeName), ["a", "b"]);

  // A new node without a range changes nothing this node routes.
  cache.set(node("c", { internalIp: "10.0.0.4" }));
  await nextTurn();
  assert.equal(sent.length, 2);

  stream.close();
  cache.set(node("self", { podCIDR: "10.244.1.0/24", internalIp: "10.0.0.1" }));
  await nextTurn();
  assert.equal(sent.length, 2, "nothing after close");
});
