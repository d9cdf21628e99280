// The real kubectl 1.33 and 1.27 running a Deployment's life on Bosun: scale (with
// its precondition), rollout status, history, undo, restart, pause and resume, and a
// node's cordon, drain and uncordon. Each row of the client table in
// docs/compatibility.md that this suite owns is checked at the end.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { mustResource, type Deployment, type Node, type ReplicaSet } from "@bosun/api";
import { sleep } from "@bosun/client";
import {
  deploymentManifest,
  deployments,
  e2eTest,
  podsWithLabels,
  replicasets,
  useCluster,
  waitForServingPods,
  type Cluster,
} from "../src/index.js";
import { Compatibility, runAll } from "../src/compatibility.js";
import { KUBECTL_VERSIONS, useKubectls, type Kubectl } from "../src/kubectl.js";

const nodes = mustResource("nodes");

async function getDeployment(cl: Cluster, name: string): Promise<Deployment> {
  return cl.client.get<Deployment>(deployments, name, "default");
}

async function replicaSetsOf(cl: Cluster, name: string): Promise<ReplicaSet[]> {
  return (await cl.client.list<ReplicaSet>(replicasets, { namespace: "default", labelSelector: `app=${name}` })).items;
}

/** `kubectl rollout status` until it succeeds; the Deployment is then wholly rolled out. */
async function rolloutStatus(cl: Cluster, k: Kubectl, name: string): Promise<string> {
  const out = await k.ok(["rollout", "status", `deployment/${name}`, "--timeout=150s"], { timeoutMs: 180_000 });
  assert.match(out, new RegExp(`deployment "${name}" successfully rolled out`), out);
  const d = await getDeployment(cl, name);
  const replicas = d.spec.replicas ?? 1;
  assert.equal(d.status?.observedGeneration, d.metadata.generation, "rollout status returned before the change was observed");
  assert.equal(d.status?.updatedReplicas, replicas, `rollout status returned with ${d.status?.updatedReplicas}/${replicas} updated`);
  assert.equal(d.status?.availableReplicas, replicas, `rollout status returned with ${d.status?.availableReplicas}/${replicas} available`);
  return out;
}

function historyRevisions(out: string): Array<[string, string]> {
  return out
    .split("\n")
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => {
      const [rev, ...cause] = l.trim().split(/\s+/);
      return [rev!, cause.join(" ")];
    });
}

describe("kubectl runs a Deployment's life", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const kubectl = useKubectls(c);
  const compat = new Compatibility("kubectl-workloads");

  for (const v of KUBECTL_VERSIONS) {
    e2eTest(`kubectl ${v}: scale and rollout status, history, undo, restart, pause and resume`, c, async (cl) => {
      const k = await kubectl(v);
      const name = `roll-${k.suffix}`;
      const deploy = `deployment/${name}`;
      const manifest = deploymentManifest(name, { replicas: 2 });
      await k.ok(["apply", "-f", k.manifestFile(`${name}.json`, JSON.stringify(manifest))]);
      await waitForServingPods(cl, `app=${name}`, 2);
      await runAll([
        () =>
          compat.kubectl("`scale`", v, async () => {
            assert.equal((await k.ok(["scale", deploy, "--replicas=3"])).trim(), `deployment.apps/${name} scaled`);
            await waitForServingPods(cl, `app=${name}`, 3);
            const stale = await k.expectExit(1, ["scale", deploy, "--current-replicas=2", "--replicas=1"]);
            assert.match(stale.stderr, /Expected replicas to be 2, was 3/, stale.stderr);
            assert.equal((await getDeployment(cl, name)).spec.replicas, 3, "a failed precondition scales nothing");
            await k.ok(["scale", deploy, "--current-replicas=3", "--replicas=2"]);
            await waitForServingPods(cl, `app=${name}`, 2);
            assert.equal((await replicaSetsOf(cl, name)).length, 1, "scaling makes no new ReplicaSet");
          }),
        () =>
          compat.kubectl("`rollout status`", v, async () => {
            await rolloutStatus(cl, k, name);
            // A change in flight: status waits for it and reports success only at the end.
            await k.ok(["patch", deploy, "--type=merge", "-p", JSON.stringify({ spec: { template: { metadata: { annotations: { "e2e.bosun.io/status": "1" } } } } })]);
            await rolloutStatus(cl, k, name);
            const watchless = await k.ok(["rollout", "status", deploy, "--watch=false"]);
            assert.match(watchless, new RegExp(`deployment "${name}" successfully rolled out`), watchless);
          }),
        () =>
          compat.kubectl("`rollout history`", v, async () => {
            const before = historyRevisions(await k.ok(["rollout", "history", deploy])).length;
            await k.ok([
              "patch",
              deploy,
              "--type=merge",
              "-p",
              JSON.stringify({
                metadata: { annotations: { "kubernetes.io/change-cause": "second change" } },
                spec: { template: { metadata: { annotations: { "e2e.bosun.io/rev": "two" } } } },
              }),
            ]);
            await rolloutStatus(cl, k, name);
            const out = await k.ok(["rollout", "history", deploy]);
            assert.match(out, /REVISION\s+CHANGE-CAUSE/, out);
            const revisions = historyRevisions(out);
            assert.equal(revisions.length, before + 1, out);
            assert.deepEqual(revisions.at(-1), [String(before + 1), "second change"], out);
            const one = await k.ok(["rollout", "history", deploy, `--revision=${before + 1}`]);
            assert.match(one, new RegExp(`with revision #${before + 1}`), one);
            assert.match(one, /Pod Template:/, one);
            assert.match(one, /e2e\.bosun\.io\/rev:\s+two/, one);
          }),
        () =>
          compat.kubectl("`rollout undo`", v, async () => {
            const revisionsBefore = historyRevisions(await k.ok(["rollout", "history", deploy]));
            const last = Number(revisionsBefore.at(-1)![0]);
            assert.equal((await k.ok(["rollout", "undo", deploy])).trim(), `deployment.apps/${name} rolled back`);
            await rolloutStatus(cl, k, name);
            let d = await getDeployment(cl, name);
            assert.equal(d.spec.template.metadata?.annotations?.["e2e.bosun.io/rev"], undefined, "the previous template is back");
            const after = historyRevisions(await k.ok(["rollout", "history", deploy])).map(([r]) => Number(r));
            assert.equal(Math.max(...after), last + 1, `undo makes the old revision the newest: ${after.join(", ")}`);
            assert.equal(after.length, revisionsBefore.length, "the revision rolled back to moves rather than repeats");
            assert.equal((await k.ok(["rollout", "undo", deploy, `--to-revision=${last}`])).trim(), `deployment.apps/${name} rolled back`);
            await rolloutStatus(cl, k, name);
            d = await getDeployment(cl, name);
            assert.equal(d.spec.template.metadata?.annotations?.["e2e.bosun.io/rev"], "two", "--to-revision brings that template back");
          }),
        () =>
          compat.kubectl("`rollout restart`", v, async () => {
            const before = new Set((await waitForServingPods(cl, `app=${name}`, 2)).map((p) => p.metadata.name));
            assert.equal((await k.ok(["rollout", "restart", deploy])).trim(), `deployment.apps/${name} restarted`);
            const d = await getDeployment(cl, name);
            assert.ok(d.spec.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"], "restart stamps the template");
            await rolloutStatus(cl, k, name);
            const after = await waitForServingPods(cl, `app=${name}`, 2);
            assert.ok(after.every((p) => !before.has(p.metadata.name)), "every pod was replaced");
          }),
        () =>
          compat.kubectl("`rollout pause`, `rollout resume`", v, async () => {
            assert.equal((await k.ok(["rollout", "pause", deploy])).trim(), `deployment.apps/${name} paused`);
            assert.equal((await getDeployment(cl, name)).spec.paused, true);
            const sets = (await replicaSetsOf(cl, name)).length;
            await k.ok(["patch", deploy, "--type=merge", "-p", JSON.stringify({ spec: { template: { metadata: { annotations: { "e2e.bosun.io/paused": "yes" } } } } })]);
            await sleep(3000);
            assert.equal((await replicaSetsOf(cl, name)).length, sets, "a paused Deployment does not roll out a change");
            const again = await k.expectExit(1, ["rollout", "pause", deploy]);
            assert.match(again.stderr, /already paused/, again.stderr);
            assert.equal((await k.ok(["rollout", "resume", deploy])).trim(), `deployment.apps/${name} resumed`);
            assert.equal((await getDeployment(cl, name)).spec.paused ?? false, false);
            await rolloutStatus(cl, k, name);
            const pods = await waitForServingPods(cl, `app=${name}`, 2);
            assert.ok(pods.every((p) => p.metadata.annotations?.["e2e.bosun.io/paused"] === "yes"), "the change rolled out after resume");
          }),
      ]);
    });

    e2eTest(`kubectl ${v}: cordon, drain and uncordon the node`, c, async (cl) => {
      const k = await kubectl(v);
      await compat.kubectl("`cordon`, `uncordon`, `drain`", v, async () => {
        const node = cl.nodeName("a");
        const name = `drained-${k.suffix}`;
        await k.ok(["apply", "-f", k.manifestFile(`${name}.json`, JSON.stringify(deploymentManifest(name, { replicas: 2 })))]);
        const before = await waitForServingPods(cl, `app=${name}`, 2);
        try {
          assert.equal((await k.ok(["cordon", node])).trim(), `node/${node} cordoned`);
          assert.equal((await cl.client.get<Node>(nodes, node)).spec?.unschedulable, true);
          assert.match(await k.ok(["get", "node", node]), /Ready,SchedulingDisabled/);

          const drained = await k.run(["drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=120s"], { timeoutMs: 150_000 });
          const text = drained.stdout + drained.stderr;
          assert.equal(drained.code, 0, text);
          assert.match(text, new RegExp(`node/${node} drained`), text);
          for (const p of before) assert.match(text, new RegExp(`evicting pod default/${p.metadata.name}`), text);
          // The replacements wait: the only node is cordoned.
          const pending = await cl.waitFor(
            async (note) => {
              const pods = await podsWithLabels(cl, `app=${name}`);
              note(pods.map((p) => `${p.metadata.name} ${p.spec.nodeName ?? "-"} ${p.status?.phase}`));
              return pods.length === 2 && pods.every((p) => !p.spec.nodeName && !before.some((b) => b.metadata.name === p.metadata.name)) ? pods : undefined;
            },
            { timeoutMs: 60_000, what: `${name}'s replacement pods to wait unscheduled` },
          );
          assert.equal(pending.length, 2);
        } finally {
          const un = await k.run(["uncordon", node]);
          assert.equal(un.stdout.trim(), `node/${node} uncordoned`, un.stderr);
        }
        assert.ok(!(await cl.client.get<Node>(nodes, node)).spec?.unschedulable, "uncordon clears spec.unschedulable");
        await waitForServingPods(cl, `app=${name}`, 2);
      });
    });
  }

  compat.documentTest();
});
