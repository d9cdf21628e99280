// Affinity, spreading and scheduling gates on three agents sharing this host's Docker
// engine (zone z1: a and b, zone z2: c): required and preferred node affinity,
// anti-affinity keeping a Deployment's replicas apart (and a replica that fits
// nowhere saying why in Kubernetes' words), a zone spread with maxSkew 1, and a
// gated pod held until its gate is removed.
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Deployment, Pod } from "@bosun/api";
import {
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  getPod,
  idleScript,
  parseTable,
  podManifest,
  pods,
  podsWithLabels,
  shContainer,
  useCluster,
  waitForPod,
  waitForRunning,
  waitForServingPods,
  type Cluster,
} from "../src/index.js";

const zones: Record<string, string> = { a: "z1", b: "z1", c: "z2" };

function unschedulableCondition(pod: Pod) {
  return pod.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False" && x.reason === "Unschedulable");
}

async function deleteDeployment(cl: Cluster, name: string): Promise<void> {
  await cl.client.delete(deployments, name, { namespace: "default" });
  await cl.waitFor(async () => ((await podsWithLabels(cl, `app=${name}`)).length === 0 ? true : undefined), {
    timeoutMs: 60_000,
    what: `the pods of deployment ${name} to be gone`,
    intervalMs: 500,
  });
}

describe("affinity, topology spread and scheduling gates on three nodes", () => {
  const c = useCluster({
    agents: Object.entries(zones).map(([name, zone]) => ({
      name,
      labels: { "topology.kubernetes.io/zone": zone, ...(name === "b" ? { disk: "ssd" } : {}) },
      capacityCpu: "2",
      capacityMemory: "2Gi",
    })),
  });

  e2eTest("required node affinity picks the node, preferred node affinity wins the score, impossible affinity says why", c, async (cl) => {
    await cl.client.create(
      pods,
      podManifest("needs-ssd", [shContainer("app", idleScript("ssd"))], {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] }] },
          },
        },
      }),
    );
    await cl.client.create(
      pods,
      podManifest("likes-z2", [shContainer("app", idleScript("z2"))], {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, preference: { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["z2"] }] } },
            ],
          },
        },
      }),
    );
    await cl.client.create(
      pods,
      podManifest("needs-gpu", [shContainer("app", idleScript("gpu"))], {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }] },
          },
        },
      }),
    );
    assert.equal((await waitForRunning(cl, "needs-ssd")).spec.nodeName, cl.nodeName("b"));
    assert.equal((await waitForRunning(cl, "likes-z2")).spec.nodeName, cl.nodeName("c"));
    const stuck = await waitForPod(cl, "needs-gpu", (p) => unschedulableCondition(p) !== undefined, "to be PodScheduled=False, Unschedulable");
    assert.equal(
      unschedulableCondition(stuck)?.message,
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    for (const name of ["needs-ssd", "likes-z2", "needs-gpu"]) await cl.client.delete(pods, name, { namespace: "default", gracePeriodSeconds: 0 });
  });

  e2eTest("required pod anti-affinity keeps replicas on different nodes; one too many stays Pending and says why", c, async (cl) => {
    const deployment: Deployment = deploymentManifest("apart", { replicas: 3 });
    deployment.spec!.template.spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "apart" } } }],
      },
    };
    await cl.client.create(deployments, deployment);
    const three = await waitForServingPods(cl, "app=apart", 3);
    assert.deepEqual(three.map((p) => p.spec.nodeName).sort(), [...cl.nodeNames].sort(), "one replica on each node");

    await cl.client.patch(deployments, "apart", { spec: { replicas: 4 } }, { namespace: "default", type: "merge" });
    const pending = await cl.waitFor(
      async (note) => {
        const all = await podsWithLabels(cl, "app=apart");
        note(all.map((p) => `${p.metadata.name} ${p.spec.nodeName ?? "-"} ${JSON.stringify(p.status?.conditions)}`));
        return all.find((p) => unschedulableCondition(p) !== undefined);
      },
      { timeoutMs: 60_000, what: "the fourth replica to be PodScheduled=False", intervalMs: 500 },
    );
    const message = unschedulableCondition(pending)?.message ?? "";
    assert.ok(message.startsWith("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."), message);
    assert.equal(pending.spec.nodeName, undefined);
    const described = expectSuccess("bosun describe pod", await cl.bosun(["describe", "pod", pending.metadata.name!]));
    assert.ok(described.stdout.includes("didn't match pod anti-affinity rules"), described.stdout);
    await deleteDeployment(cl, "apart");
  });

  e2eTest("a zone spread with maxSkew 1 puts two of four replicas in each zone", c, async (cl) => {
    const deployment: Deployment = deploymentManifest("zonal", { replicas: 4 });
    deployment.spec!.template.spec.topologySpreadConstraints = [
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "zonal" } } },
    ];
    await cl.client.create(deployments, deployment);
    const four = await waitForServingPods(cl, "app=zonal", 4);
    const perZone: Record<string, number> = {};
    for (const p of four) {
      const agent = Object.keys(zones).find((a) => cl.nodeName(a) === p.spec.nodeName)!;
      perZone[zones[agent]!] = (perZone[zones[agent]!] ?? 0) + 1;
    }
    assert.deepEqual(perZone, { z1: 2, z2: 2 }, JSON.stringify(four.map((p) => p.spec.nodeName)));
    await deleteDeployment(cl, "zonal");
  });

  e2eTest("a pod with a scheduling gate waits, SchedulingGated, until the gate is removed", c, async (cl) => {
    await cl.client.create(pods, podManifest("gated", [shContainer("app", idleScript("gated"))], { schedulingGates: [{ name: "example.com/approval" }] }));
    const created = await getPod(cl, "gated");
    const cond = created?.status?.conditions?.find((x) => x.type === "PodScheduled");
    assert.deepEqual(
      { status: cond?.status, reason: cond?.reason, message: cond?.message },
      { status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" },
    );
    // A pod created after it is scheduled: the scheduler has seen the gated one and left it alone.
    await cl.client.create(pods, podManifest("after-gated", [shContainer("app", idleScript("after"))]));
    await waitForRunning(cl, "after-gated");
    const held = await getPod(cl, "gated");
    assert.equal(held?.spec.nodeName, undefined);
    assert.equal(held?.status?.conditions?.find((x) => x.type === "PodScheduled")?.reason, "SchedulingGated");
    const table = expectSuccess("bosun get pods", await cl.bosun(["get", "pods"]));
    assert.equal(parseTable(table.stdout).find((r) => r.NAME === "gated")?.STATUS, "SchedulingGated", table.stdout);

    await cl.client.patch(pods, "gated", { spec: { schedulingGates: [] } }, { namespace: "default", type: "merge" });
    const running = await waitForRunning(cl, "gated");
    assert.ok(cl.nodeNames.includes(running.spec.nodeName!), running.spec.nodeName);
    assert.equal(running.status?.conditions?.find((x) => x.type === "PodScheduled")?.status, "True");
    for (const name of ["gated", "after-gated"]) await cl.client.delete(pods, name, { namespace: "default", gracePeriodSeconds: 0 });
  });
});
