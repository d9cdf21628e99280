// The PolicyPeers picture: every pod with an IP that has not finished, with only what
// policies select by; a change that policies cannot see (a status condition) sends
// nothing, one they can (a label, an IP) sends the new picture.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import type { PolicyPeersMessage } from "@bosun/proto";
import { PolicyPeersFeed } from "../src/dispatcher/policy-peers.js";
import { SnapshotStream } from "../src/dispatcher/snapshot-stream.js";
import { FakeCache } from "./fakes.js";

function pod(name: string, ip: string | undefined, labels: Record<string, string> = {}, phase = "Running"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "shop", uid: `uid-${name}`, labels },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox", ports: [{ name: "http", containerPort: 8080 }, { containerPort: 9000 }], env: [{ name: "SECRET", value: "never sent" }] }] },
    status: { phase: phase as "Running", ...(ip ? { podIP: ip } : {}) },
  };
}

test("the picture carries the pods that have an IP and have not finished, and only what policies select by", async () => {
  const pods = new FakeCache<Pod>();
  const feed = new PolicyPeersFeed(pods, async () => undefined);
  pods.set(pod("web", "10.244.1.5", { app: "web" }));
  pods.set(pod("pending", undefined));
  pods.set(pod("done", "10.244.1.6", {}, "Succeeded"));
  assert.deepEqual(feed.snapshot("n2"), {
    pods: [{ namespace: "shop", name: "web", ip: "10.244.1.5", labels: { app: "web" }, ports: [{ name: "http", port: 8080, protocol: "TCP" }], nodeName: "n1" }],
  });
  assert.doesNotMatch(JSON.stringify(feed.snapshot("n2")), /never sent/, "no spec leaves the master");
});

test("a stream sends a new picture when a label or an IP changes, and nothing for changes policies cannot see", async () => {
  const pods = new FakeCache<Pod>();
  const feed = new PolicyPeersFeed(pods, async () => undefined);
  pods.set(pod("web", "10.244.1.5", { app: "web" }));
  const sent: PolicyPeersMessage[] = [];
  const stream = new SnapshotStream(feed, "n2", (msg) => sent.push(msg));
  stream.start();
  assert.equal(sent.length, 1);
  const ready = pod("web", "10.244.1.5", { app: "web" });
  ready.status!.conditions = [{ type: "Ready", status: "True" }];
  pods.set(ready);
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 1, "a condition is not a policy fact");
  pods.set(pod("web", "10.244.1.5", { app: "web", tier: "front" }));
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1]?.pods[0]?.labels, { app: "web", tier: "front" });
  stream.close();
});
