// A PodDisruptionBudget holds a drain (issue 11, E2E on one host): a Deployment of 2
// on node a with a budget of minAvailable 2; the real kubectl's drain of node a is
// refused by the eviction API with Kubernetes' 429 and retries every 5 seconds until
// its --timeout; once the Deployment is scaled to 3 (the third pod on node b), the
// budget allows one disruption at a time and the drain goes through, each evicted
// pod replaced on node b before the next may go.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type PodDisruptionBudget } from "@bosun/api";
import { deploymentManifest, e2eTest, podsWithLabels, useCluster, waitForServingPods, type Cluster } from "../src/index.js";
import { useKubectls } from "../src/kubectl.js";

const pdbs = mustResource("poddisruptionbudgets");
const name = "guarded";
const selector = `app=${name}`;

function budget(cl: Cluster): Promise<PodDisruptionBudget> {
  return cl.client.get<PodDisruptionBudget>(pdbs, name, "default");
}

/** Waits until the disruption controller's status says `ok`. */
function budgetStatus(cl: Cluster, ok: (s: NonNullable<PodDisruptionBudget["status"]>) => boolean, what: string): Promise<PodDisruptionBudget> {
  return cl.waitFor(
    async (note) => {
      const pdb = await budget(cl);
      note(pdb.status);
      return pdb.status && ok(pdb.status) ? pdb : undefined;
    },
    { timeoutMs: 120_000, what },
  );
}

describe("disruption budgets: the eviction API and drain", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }] });
  const kubectl = useKubectls(c);

  e2eTest(
    "a budget of minAvailable 2 blocks kubectl drain with 429 until a scale-up to 3 lets it through",
    c,
    async (cl) => {
      const k = await kubectl("1.33");
      const nodeA = cl.nodeName("a");
      const nodeB = cl.nodeName("b");
      // Both pods on node a: node b is cordoned while they are placed.
      await k.ok(["cordon", nodeB]);
      await k.ok(["apply", "-f", k.manifestFile(`${name}.json`, JSON.stringify(deploymentManifest(name, { replicas: 2 })))]);
      const first = await waitForServingPods(cl, selector, 2);
      assert.deepEqual(first.map((p) => p.spec.nodeName), [nodeA, nodeA]);
      const manifest = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name }, spec: { minAvailable: 2, selector: { matchLabels: { app: name } } } };
      await k.ok(["apply", "-f", k.manifestFile(`${name}-pdb.json`, JSON.stringify(manifest))]);
      await budgetStatus(cl, (s) => s.currentHealthy === 2 && s.observedGeneration === 1, "the budget to count 2 healthy pods");
      assert.match(await k.ok(["get", "pdb", name]), new RegExp(`^NAME\\s+MIN AVAILABLE\\s+MAX UNAVAILABLE\\s+ALLOWED DISRUPTIONS\\s+AGE\\n${name}\\s+2\\s+N/A\\s+0\\s+`));
      await k.ok(["uncordon", nodeB]);

      // The drain cordons node a and is refused: every eviction would break the budget.
      const blocked = await k.run(["drain", nodeA, "--ignore-daemonsets", "--timeout=20s"], { timeoutMs: 90_000 });
      assert.equal(blocked.code, 1, blocked.stdout + blocked.stderr);
      for (const pod of first) {
        assert.ok(
          blocked.stderr.includes(
            `error when evicting pods/"${pod.metadata.name}" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`,
          ),
          blocked.stderr,
        );
      }
      assert.match(blocked.stderr, /global timeout reached: 20s/);
      const kept = await podsWithLabels(cl, selector);
      assert.deepEqual(
        kept.map((p) => [p.metadata.name, p.metadata.deletionTimestamp]).sort(),
        first.map((p) => [p.metadata.name, undefined]).sort(),
        "no pod was evicted",
      );

      // A third replica, on node b (node a is cordoned), makes room for one disruption at a time.
      await k.ok(["scale", `deployment/${name}`, "--replicas=3"]);
      await budgetStatus(cl, (s) => s.currentHealthy === 3 && s.disruptionsAllowed === 1, "the budget to allow one disruption");
      const drained = await k.run(["drain", nodeA, "--ignore-daemonsets", "--timeout=240s"], { timeoutMs: 300_000 });
      assert.equal(drained.code, 0, drained.stdout + drained.stderr);
      assert.match(drained.stdout, new RegExp(`node/${nodeA} drained`));
      for (const pod of first) assert.match(drained.stdout, new RegExp(`pod/${pod.metadata.name} evicted`));
      const after = await waitForServingPods(cl, selector, 3, 180_000);
      assert.deepEqual(after.map((p) => p.spec.nodeName), [nodeB, nodeB, nodeB], "every pod now runs on node b");
      await k.ok(["uncordon", nodeA]);
    },
    600_000,
  );
});
