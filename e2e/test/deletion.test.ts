// Graceful deletion: a process that ignores SIGTERM is killed once its grace period
// ends; one that exits on SIGTERM is gone at once. Either way its containers leave
// Docker and the pod leaves the API.
import assert from "node:assert/strict";
import { describe } from "node:test";
import {
  e2eTest,
  expectSuccess,
  getPod,
  podContainers,
  podManifest,
  pods,
  shContainer,
  useCluster,
  waitForRunning,
  type Cluster,
} from "../src/index.js";

/** What the agent may take beyond the grace period: API round trips, docker stop and rm. */
const MARGIN_MS = 10_000;

describe("pod deletion", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  /** Polls until no container of the pod is left and the pod is gone; answers the ms taken. */
  async function timeUntilGone(cl: Cluster, name: string, uid: string, since: number, budgetMs: number): Promise<number> {
    await cl.waitFor(
      async (note) => {
        const left = await podContainers(uid);
        const pod = await getPod(cl, name);
        note({ containers: left.map((x) => `${x.name} running=${x.running}`), pod: pod ? "still in the API" : "gone" });
        return left.length === 0 && pod === undefined;
      },
      { timeoutMs: budgetMs, what: `pod ${name}'s containers to leave Docker and the pod to leave the API`, intervalMs: 100 },
    );
    return Date.now() - since;
  }

  e2eTest("a process ignoring SIGTERM is gone within its grace period plus a margin", c, async (cl) => {
    const grace = 5;
    // sh is PID 1 and has no TERM trap, so SIGTERM does nothing: only the SIGKILL at
    // the end of the grace period stops it.
    await cl.client.create(pods, podManifest("stubborn", [shContainer("app", "echo started; while true; do sleep 1; done")], { terminationGracePeriodSeconds: grace }));
    const pod = await waitForRunning(cl, "stubborn");
    const uid = pod.metadata.uid!;
    assert.ok((await podContainers(uid)).length >= 2, "the infra and app containers exist before the delete");

    const start = Date.now();
    await cl.client.delete(pods, "stubborn", { namespace: "default" });
    const elapsed = await timeUntilGone(cl, "stubborn", uid, start, grace * 1000 + MARGIN_MS);
    process.stderr.write(`[e2e] stubborn pod (grace ${grace}s) gone after ${elapsed} ms\n`);
    assert.ok(elapsed <= grace * 1000 + MARGIN_MS, `gone after ${elapsed} ms`);
    // The agent must give the process its grace period rather than kill it at once.
    assert.ok(elapsed >= (grace - 1) * 1000, `gone after only ${elapsed} ms: the grace period of ${grace}s was not honoured`);
  });

  e2eTest("a process that exits on SIGTERM is gone promptly, and bosun delete waits for it", c, async (cl) => {
    await cl.client.create(
      pods,
      podManifest("polite", [shContainer("app", "trap 'echo bye; exit 0' TERM; echo started; while true; do sleep 1; done")], { terminationGracePeriodSeconds: 30 }),
    );
    const pod = await waitForRunning(cl, "polite");
    const uid = pod.metadata.uid!;

    const start = Date.now();
    const r = expectSuccess("bosun delete pod/polite", await cl.bosun(["delete", "pod/polite"]));
    const cliMs = Date.now() - start;
    assert.match(r.stdout, /pod "?polite"? deleted/, r.stdout);
    // `bosun delete` waits until the object is gone, so by now it must be.
    assert.equal(await getPod(cl, "polite"), undefined, "bosun delete returned while the pod still exists");
    const elapsed = await timeUntilGone(cl, "polite", uid, start, 8_000);
    process.stderr.write(`[e2e] polite pod (grace 30s) gone after ${elapsed} ms (bosun delete returned after ${cliMs} ms)\n`);
    assert.ok(elapsed < 8_000, `gone after ${elapsed} ms, far from its 30 s grace period`);
  });
});
