// The runtime is the agent's database: killing the agent or the master must not
// touch running pods, and each side picks up where it left off when it comes back.
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Pod } from "@bosun/api";
import {
  docker,
  e2eTest,
  expectSuccess,
  formatResult,
  idleScript,
  parseTable,
  podContainers,
  podManifest,
  pods,
  restartCount,
  runningContainer,
  shContainer,
  useCluster,
  waitForPod,
  waitForRunning,
  type ContainerInfo,
} from "../src/index.js";

function runningIds(containers: ContainerInfo[]): string[] {
  return containers.filter((x) => x.running).map((x) => x.id).sort();
}

function statusIds(pod: Pod): string[] {
  return (pod.status?.containerStatuses ?? []).map((s) => s.containerID ?? "").sort();
}

describe("agent and master restarts", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("an agent killed with SIGKILL and restarted adopts its containers", c, async (cl) => {
    await cl.client.create(pods, podManifest("survivor", [shContainer("app", idleScript("survivor"))]));
    const earlier = await waitForRunning(cl, "survivor");
    const uid = earlier.metadata.uid!;
    const idsBefore = runningIds(await podContainers(uid));
    assert.equal(idsBefore.length, 2, "infra and app containers run");

    await cl.kill("a", "SIGKILL");
    assert.deepEqual(runningIds(await podContainers(uid)), idsBefore, "the pod keeps running while its agent is down");

    await cl.restartAgent("a");
    // A pod created after the restart runs only once the agent has worked through its
    // complete assignment set, which also holds the survivor.
    await cl.client.create(pods, podManifest("after-agent-restart", [shContainer("app", idleScript("later"))]));
    await waitForRunning(cl, "after-agent-restart");

    const containers = await podContainers(uid);
    assert.deepEqual(runningIds(containers), idsBefore, "same container IDs after the agent restart");
    assert.equal(containers.length, idsBefore.length, `no extra containers: ${JSON.stringify(containers.map((x) => x.name))}`);
    const later = await waitForRunning(cl, "survivor");
    assert.equal(restartCount(later, "app"), restartCount(earlier, "app"), "restartCount unchanged");
    assert.deepEqual(statusIds(later), statusIds(earlier), "reported containerIDs unchanged");
  });

  e2eTest("a master killed with SIGKILL and restarted: pods keep running, the CLI and status updates resume", c, async (cl) => {
    const earlier = await waitForRunning(cl, "survivor");
    const uid = earlier.metadata.uid!;
    const idsBefore = runningIds(await podContainers(uid));
    const restartsBefore = restartCount(earlier, "app");

    await cl.kill("master", "SIGKILL");
    const down = await cl.bosun(["get", "pods"], { timeoutMs: 30_000 });
    assert.notEqual(down.code, 0, formatResult("bosun get pods with the master down", down));
    assert.notEqual(down.stderr.trim(), "", "the CLI says why it failed");
    assert.deepEqual(runningIds(await podContainers(uid)), idsBefore, "pods keep running while the master is down");

    await cl.restartMaster();
    const listed = await cl.waitFor(
      async (note) => {
        const r = await cl.bosun(["get", "pods"]);
        note(`exit ${r.code}: ${r.stderr.trim()}`);
        return r.code === 0 ? r : undefined;
      },
      { timeoutMs: 30_000, what: "bosun get pods to work again after the master restart", intervalMs: 1000 },
    );
    const row = parseTable(listed.stdout).find((r) => r.NAME === "survivor");
    assert.ok(row && row.STATUS === "Running", listed.stdout);
    await cl.waitForNodesReady();
    assert.deepEqual(runningIds(await podContainers(uid)), idsBefore, "same container IDs after the master restart");

    // Status updates resume: a new pod reaches Running, and an outside kill shows up.
    await cl.client.create(pods, podManifest("after-master-restart", [shContainer("app", idleScript("later"))]));
    await waitForRunning(cl, "after-master-restart");

    const app = await runningContainer(uid, "app");
    assert.ok(app, "the survivor's app container runs");
    expectSuccess("docker kill", await docker(["kill", app.id]));
    await waitForPod(
      cl,
      "survivor",
      (p) => restartCount(p, "app") > restartsBefore && p.status?.phase === "Running",
      `to report restartCount above ${restartsBefore} after docker kill`,
    );
  });
});
