// A host dies: its agent and containers vanish. The node turns NotReady and gets the
// unreachable taint; after the eviction timeout its pods are marked for deletion and
// the Deployment runs them on the other node. When the host comes back, the pods
// that were replaced are stopped there and leave the API.
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Node } from "@bosun/api";
import { mustResource } from "@bosun/api";
import {
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  parseTable,
  podsWithLabels,
  useCluster,
  waitForServingPods,
} from "../src/index.js";

const nodes = mustResource("nodes");

describe("node failure", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }], podEvictionTimeout: "8s" });

  e2eTest("pods of a dead node run on the other node after the eviction timeout", c, async (cl) => {
    await cl.client.create(deployments, deploymentManifest("survivor", { replicas: 4 }), "default");
    const before = await waitForServingPods(cl, "app=survivor", 4);
    const dead = cl.nodeName("b");
    const onDead = before.filter((p) => p.spec.nodeName === dead).map((p) => p.metadata.name);
    assert.ok(onDead.length > 0, "some pods ran on the node that dies");

    await cl.killHost("b");
    const node = await cl.waitFor(
      async (note) => {
        const n = await cl.client.get<Node>(nodes, dead);
        note({ conditions: n.status?.conditions, taints: n.spec?.taints });
        const unknown = n.status?.conditions?.some((x) => x.type === "Ready" && x.status === "Unknown");
        const tainted = n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute");
        return unknown && tainted ? n : undefined;
      },
      { timeoutMs: 60_000, what: `${dead} to be Ready=Unknown with the unreachable taint` },
    );
    assert.ok(node);
    const table = expectSuccess("bosun get nodes", await cl.bosun(["get", "nodes"]));
    assert.match(parseTable(table.stdout).find((r) => r.NAME === dead)?.STATUS ?? "", /NotReady/, table.stdout);

    const alive = cl.nodeName("a");
    await cl.waitFor(
      async (note) => {
        const pods = await podsWithLabels(cl, "app=survivor");
        const serving = pods.filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp && p.spec.nodeName === alive);
        note(pods.map((p) => `${p.metadata.name} ${p.spec.nodeName} ${p.status?.phase}${p.metadata.deletionTimestamp ? " terminating" : ""}`));
        return serving.length === 4;
      },
      { timeoutMs: 90_000, what: `4 running pods of survivor on ${alive}` },
    );
    const evicted = await podsWithLabels(cl, "app=survivor");
    for (const name of onDead) {
      const p = evicted.find((x) => x.metadata.name === name);
      assert.ok(!p || p.metadata.deletionTimestamp, `${name} on the dead node is marked for deletion or gone`);
    }

    // The host returns: the replaced pods are stopped there and leave the API.
    await cl.restartAgent("b");
    const after = await waitForServingPods(cl, "app=survivor", 4, 90_000);
    assert.ok(after.every((p) => !onDead.includes(p.metadata.name)), "the evicted pods did not come back");
    await cl.waitFor(
      async () => {
        const n = await cl.client.get<Node>(nodes, dead);
        return !(n.spec?.taints ?? []).some((t) => t.key === "node.kubernetes.io/unreachable");
      },
      { timeoutMs: 30_000, what: `the unreachable taint to leave ${dead}` },
    );
  });
});
