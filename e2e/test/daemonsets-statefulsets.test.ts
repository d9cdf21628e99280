// A DaemonSet runs one pod on every node, including a node that joins later; a
// StatefulSet of 3 creates web-0, web-1 and web-2 in order, each after the one
// before is Running and Ready; draining a node moves a Deployment's pods away and
// leaves the DaemonSet's pod in place.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type DaemonSet, type Node, type Pod, type StatefulSet } from "@bosun/api";
import {
  PodWatcher,
  daemonsets,
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  idleScript,
  isServing,
  parseTable,
  podsWithLabels,
  shContainer,
  statefulsets,
  useCluster,
  waitForServingPods,
} from "../src/index.js";

describe("daemonsets and statefulsets", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }] });

  e2eTest("a DaemonSet puts one pod on each node and on a node that joins later", c, async (cl) => {
    const labels = { app: "agentd" };
    const ds: DaemonSet = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "agentd", namespace: "default" },
      spec: {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [shContainer("d", idleScript("agentd"))] } },
      },
    };
    await cl.client.create(daemonsets, ds, "default");
    const two = await waitForServingPods(cl, "app=agentd", 2);
    assert.deepEqual(two.map((p) => p.spec.nodeName).sort(), [cl.nodeName("a"), cl.nodeName("b")].sort());

    const joined = await cl.addAgent({ name: "c" });
    const three = await waitForServingPods(cl, "app=agentd", 3);
    assert.deepEqual(three.map((p) => p.spec.nodeName).sort(), [cl.nodeName("a"), cl.nodeName("b"), joined].sort());
    const table = await cl.waitFor(
      async (note) => {
        const r = expectSuccess("bosun get ds", await cl.bosun(["get", "ds", "agentd"]));
        note(r.stdout);
        const row = parseTable(r.stdout)[0];
        return row?.DESIRED === "3" && row.READY === "3" ? row : undefined;
      },
      { timeoutMs: 30_000, what: "bosun get ds to show DESIRED 3 READY 3", intervalMs: 500 },
    );
    assert.equal(table.CURRENT, "3");
  });

  e2eTest("a StatefulSet of 3 creates web-0, web-1, web-2 in order", c, async (cl) => {
    const labels = { app: "web" };
    // For each pod, whether its predecessor was serving when the pod first appeared.
    const predecessorServing = new Map<string, boolean>();
    const watcher = new PodWatcher(cl, "app=web", (pods, event) => {
      const name = event.object.metadata.name!;
      if (event.type !== "ADDED" || predecessorServing.has(name)) return;
      const ordinal = Number(name.split("-").pop());
      const before = pods.find((p: Pod) => p.metadata.name === `web-${ordinal - 1}`);
      predecessorServing.set(name, ordinal === 0 || (before !== undefined && isServing(before)));
    });
    await watcher.start();
    try {
      const sts: StatefulSet = {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "web", namespace: "default" },
        spec: {
          replicas: 3,
          serviceName: "web",
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 5, containers: [shContainer("web", idleScript("web"))] } },
        },
      };
      await cl.client.create(statefulsets, sts, "default");
      const pods = await waitForServingPods(cl, "app=web", 3);
      assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ["web-0", "web-1", "web-2"]);
    } finally {
      await watcher.stop();
    }
    assert.deepEqual(watcher.addedOrder, ["web-0", "web-1", "web-2"], "created in ordinal order");
    assert.deepEqual(Object.fromEntries(predecessorServing), { "web-0": true, "web-1": true, "web-2": true }, "each waited for the one before");
    const table = expectSuccess("bosun get sts", await cl.bosun(["get", "sts", "web"]));
    assert.equal(parseTable(table.stdout)[0]?.READY, "3/3", table.stdout);
  });

  e2eTest("drain evicts a node's pods, which their Deployment runs elsewhere, and leaves DaemonSet pods", c, async (cl) => {
    // Runs after the DaemonSet test: node c exists and runs an agentd pod.
    const target = cl.nodeName("c");
    await cl.client.create(deployments, deploymentManifest("drained", { replicas: 3 }), "default");
    const before = await waitForServingPods(cl, "app=drained", 3);
    assert.ok(before.some((p) => p.spec.nodeName === target), "the spread put a Deployment pod on the node to drain");

    const refused = await cl.bosun(["drain", target, "--timeout=60s"]);
    assert.notEqual(refused.code, 0, "drain without --ignore-daemonsets refuses a node with DaemonSet pods");
    assert.match(refused.stderr, /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\)/, refused.stderr);

    const drained = expectSuccess("bosun drain", await cl.bosun(["drain", target, "--ignore-daemonsets", "--timeout=90s"], { timeoutMs: 120_000 }));
    assert.match(drained.stdout, new RegExp(`node/${target} drained`), drained.stdout);
    const node = await cl.client.get<Node>(mustResource("nodes"), target);
    assert.equal(node.spec?.unschedulable, true, "drain cordons the node");
    const moved = await waitForServingPods(cl, "app=drained", 3);
    assert.ok(moved.every((p) => p.spec.nodeName !== target), "no Deployment pod is left on the drained node");
    const daemon = (await podsWithLabels(cl, "app=agentd")).filter((p) => p.spec.nodeName === target);
    assert.equal(daemon.filter(isServing).length, 1, "the DaemonSet pod stays on the drained node");
    const nodes = expectSuccess("bosun get nodes", await cl.bosun(["get", "nodes"]));
    assert.equal(parseTable(nodes.stdout).find((r) => r.NAME === target)?.STATUS, "Ready,SchedulingDisabled", nodes.stdout);

    assert.match(expectSuccess("bosun uncordon", await cl.bosun(["uncordon", target])).stdout, new RegExp(`node/${target} uncordoned`));
    const back = await cl.client.get<Node>(mustResource("nodes"), target);
    assert.ok(!back.spec?.unschedulable, "uncordon makes the node schedulable again");
  });
});
