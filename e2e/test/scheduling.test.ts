// Scheduling across two agents sharing this host's Docker engine: nodeSelector picks
// the node, and a pod that fits nowhere says why in Kubernetes' words.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { sleep } from "@bosun/client";
import {
  e2eTest,
  expectSuccess,
  getPod,
  idleScript,
  parseTable,
  podContainers,
  podManifest,
  pods,
  shContainer,
  useCluster,
  waitForPod,
  waitForRunning,
} from "../src/index.js";

describe("scheduling on two nodes", () => {
  const c = useCluster({
    agents: [
      { name: "a", labels: { zone: "a" }, capacityCpu: "2", capacityMemory: "2Gi" },
      { name: "b", labels: { zone: "b" }, capacityCpu: "2", capacityMemory: "2Gi" },
    ],
  });

  e2eTest("pods with a nodeSelector land on the node with that label", c, async (cl) => {
    for (const zone of ["b", "a"]) {
      await cl.client.create(pods, podManifest(`in-zone-${zone}`, [shContainer("app", idleScript(zone))], { nodeSelector: { zone } }));
    }
    const wide = await cl.waitFor(
      async (note) => {
        const r = expectSuccess("bosun get pods -o wide", await cl.bosun(["get", "pods", "-o", "wide"]));
        note(r.stdout);
        const rows = parseTable(r.stdout).filter((row) => row.NAME?.startsWith("in-zone-"));
        return rows.length === 2 && rows.every((row) => row.STATUS === "Running") ? rows : undefined;
      },
      { timeoutMs: 60_000, what: "both in-zone pods to show Running in bosun get pods -o wide", intervalMs: 1000 },
    );
    for (const zone of ["a", "b"]) {
      const name = `in-zone-${zone}`;
      const node = cl.nodeName(zone);
      const pod = await waitForRunning(cl, name);
      assert.equal(pod.spec.nodeName, node, `${name}.spec.nodeName`);
      assert.equal(wide.find((r) => r.NAME === name)?.NODE, node, `NODE column of ${name}: ${JSON.stringify(wide)}`);
      const containers = await podContainers(pod.metadata.uid!);
      assert.ok(containers.length > 0 && containers.every((x) => x.labels["bosun.io/node-name"] === node), `${name}'s containers belong to ${node}`);
    }
  });

  e2eTest("a pod requesting more memory than any node has stays Pending and says why", c, async (cl) => {
    // The pod may preempt, but nothing of lower priority runs: Kubernetes' PostFilter says so after the filters' reasons.
    const expected = "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.";
    await cl.client.create(
      pods,
      podManifest("too-big", [shContainer("app", idleScript("never"), { resources: { requests: { memory: "64Gi" } } })]),
    );
    const pod = await waitForPod(
      cl,
      "too-big",
      (p) => p.status?.conditions?.some((x) => x.type === "PodScheduled" && x.status === "False") === true,
      "to have PodScheduled=False",
    );
    const cond = pod.status!.conditions!.find((x) => x.type === "PodScheduled")!;
    assert.equal(cond.reason, "Unschedulable");
    assert.equal(cond.message, expected);
    assert.equal(pod.status?.phase, "Pending");

    // Still Pending a while later: the retry must not bind it anywhere.
    await sleep(3000);
    const later = await getPod(cl, "too-big");
    assert.equal(later?.status?.phase, "Pending");
    assert.equal(later?.spec.nodeName, undefined);
    assert.deepEqual(await podContainers(pod.metadata.uid!), [], "no containers for an unscheduled pod");

    const described = expectSuccess("bosun describe pod too-big", await cl.bosun(["describe", "pod", "too-big"]));
    assert.ok(described.stdout.includes(expected), `describe shows the reason:\n${described.stdout}`);
    assert.match(described.stdout, /^Status:\s+Pending$/m, described.stdout);
    const got = expectSuccess("bosun get pods", await cl.bosun(["get", "pods"]));
    assert.equal(parseTable(got.stdout).find((r) => r.NAME === "too-big")?.STATUS, "Pending", got.stdout);
  });
});
