// Health checks run by the agent: a liveness probe that starts failing restarts the
// container (with Unhealthy and Killing events), and a readiness probe that fails
// takes the pod out of its Deployment's available replicas without a restart.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { isPodReady, mustResource, type Deployment, type Event, type Pod } from "@bosun/api";
import {
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  podManifest,
  pods,
  restartCount,
  runningContainer,
  shContainer,
  useCluster,
  waitForPod,
  waitForServingPods,
  type Cluster,
} from "../src/index.js";

const events = mustResource("events");

async function podEvents(cl: Cluster, pod: Pod): Promise<Event[]> {
  const list = await cl.client.list<Event>(events, { namespace: "default", fieldSelector: `involvedObject.name=${pod.metadata.name}` });
  return list.items;
}

async function availableReplicas(cl: Cluster, name: string): Promise<number | undefined> {
  return (await cl.client.get<Deployment>(deployments, name, "default")).status?.availableReplicas;
}

describe("probes", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("a liveness probe that starts failing restarts the container", c, async (cl) => {
    // Healthy for a few seconds, then the file the probe reads is gone.
    const script = "trap 'exit 0' TERM; touch /tmp/healthy; sleep 6; rm -f /tmp/healthy; while true; do sleep 1; done";
    await cl.client.create(
      pods,
      podManifest("liveness", [
        shContainer("app", script, {
          livenessProbe: { exec: { command: ["cat", "/tmp/healthy"] }, periodSeconds: 1, failureThreshold: 2 },
        }),
      ]),
    );
    const restarted = await waitForPod(cl, "liveness", (p) => restartCount(p, "app") >= 1, "to restart its container", 90_000);
    assert.equal(restarted.status?.containerStatuses?.[0]?.lastState?.terminated !== undefined, true, "the killed container is the last state");
    const seen = await cl.waitFor(
      async (note) => {
        const list = await podEvents(cl, restarted);
        note(list.map((e) => `${e.reason}: ${e.message}`));
        const unhealthy = list.find((e) => e.reason === "Unhealthy" && /^Liveness probe failed/.test(e.message ?? ""));
        const killing = list.find((e) => e.reason === "Killing" && /failed liveness probe, will be restarted/.test(e.message ?? ""));
        return unhealthy && killing ? { unhealthy, killing } : undefined;
      },
      { timeoutMs: 30_000, what: "Unhealthy and Killing events for the liveness pod" },
    );
    assert.equal(seen.unhealthy.type, "Warning");
    const described = expectSuccess("bosun describe pod", await cl.bosun(["describe", "pod", "liveness"]));
    assert.match(described.stdout, /Liveness probe failed/, described.stdout);
  });

  e2eTest("a failing readiness probe takes the pod out of availableReplicas without restarting it", c, async (cl) => {
    const script = "trap 'exit 0' TERM; touch /tmp/ready; while true; do sleep 1; done";
    const manifest = deploymentManifest("ready", {
      replicas: 2,
      container: shContainer("app", script, {
        readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1 },
      }),
    });
    await cl.client.create(deployments, manifest, "default");
    const [victim] = await waitForServingPods(cl, "app=ready", 2);
    await cl.waitFor(async () => (await availableReplicas(cl, "ready")) === 2, { timeoutMs: 30_000, what: "availableReplicas 2" });

    const container = await runningContainer(victim!.metadata.uid!, "app");
    assert.ok(container, "the victim's container runs");
    expectSuccess("docker exec rm /tmp/ready", await cl.docker(["exec", container.id, "rm", "/tmp/ready"]));

    await waitForPod(cl, victim!.metadata.name!, (p) => !isPodReady(p), "to become not Ready", 30_000);
    await cl.waitFor(
      async (note) => {
        const n = await availableReplicas(cl, "ready");
        note({ availableReplicas: n });
        return n === 1;
      },
      { timeoutMs: 30_000, what: "availableReplicas to drop to 1" },
    );
    const after = await cl.client.get<Pod>(pods, victim!.metadata.name!, "default");
    assert.equal(restartCount(after, "app"), 0, "readiness failures never restart");
    assert.equal(after.status?.containerStatuses?.[0]?.ready, false);

    // And back: the file returns, the pod is ready and available again.
    expectSuccess("docker exec touch /tmp/ready", await cl.docker(["exec", container.id, "touch", "/tmp/ready"]));
    await cl.waitFor(async () => (await availableReplicas(cl, "ready")) === 2, { timeoutMs: 30_000, what: "availableReplicas back to 2" });
  });
});
