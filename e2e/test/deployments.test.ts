// Deployments on two nodes: spreading and scaling, a rolling update that never
// drops below its availability floor and can be undone, and the three deletion
// propagation policies, all through the real bosun CLI where a user would use it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "node:test";
import type { Deployment, Pod, ReplicaSet } from "@bosun/api";
import { isNotFound } from "@bosun/client";
import {
  BUSYBOX_IMAGE,
  PodWatcher,
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  idleScript,
  isServing,
  parseTable,
  podsWithLabels,
  replicasets,
  repoRoot,
  rolloutStatus,
  shContainer,
  useCluster,
  waitForServingPods,
  type Cluster,
} from "../src/index.js";

async function apply(cl: Cluster, manifest: object): Promise<void> {
  expectSuccess("bosun apply -f -", await cl.bosun(["apply", "-f", "-"], { input: JSON.stringify(manifest) }));
}

async function exists(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

describe("deployments on two nodes", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }] });

  e2eTest("a Deployment of 4 spreads over both nodes; scaling to 6 and to 2 works", c, async (cl) => {
    await apply(cl, deploymentManifest("spread", { replicas: 4 }));
    const four = await waitForServingPods(cl, "app=spread", 4);
    const nodes = new Set(four.map((p) => p.spec.nodeName));
    assert.deepEqual([...nodes].sort(), [cl.nodeName("a"), cl.nodeName("b")].sort(), "pods on both nodes");

    assert.match(expectSuccess("bosun scale", await cl.bosun(["scale", "deployment/spread", "--replicas=6"])).stdout, /deployment.apps\/spread scaled/);
    await waitForServingPods(cl, "app=spread", 6);
    await rolloutStatus(cl, "spread");

    expectSuccess("bosun scale", await cl.bosun(["scale", "deploy", "spread", "--replicas=2"]));
    await waitForServingPods(cl, "app=spread", 2);
    const table = await cl.waitFor(
      async (note) => {
        const r = expectSuccess("bosun get deploy", await cl.bosun(["get", "deploy", "spread"]));
        note(r.stdout);
        const row = parseTable(r.stdout)[0];
        return row?.READY === "2/2" && row["UP-TO-DATE"] === "2" && row.AVAILABLE === "2" ? row : undefined;
      },
      { timeoutMs: 30_000, what: "bosun get deploy spread to show READY 2/2, UP-TO-DATE 2, AVAILABLE 2", intervalMs: 500 },
    );
    assert.equal(table.NAME, "spread");
    const rs = (await cl.client.list<ReplicaSet>(replicasets, { namespace: "default", labelSelector: "app=spread" })).items;
    assert.equal(rs.length, 1, "scaling makes no new ReplicaSet");
    assert.equal(rs[0]!.spec.replicas, 2);
  });

  e2eTest("a rolling update keeps availability at replicas - maxUnavailable, finishes, and rollout undo returns", c, async (cl) => {
    const replicas = 4;
    const maxUnavailable = 1;
    const newImage = `bosun.local/busybox:e2e-${cl.runId}`;
    expectSuccess("docker tag", await cl.docker(["tag", BUSYBOX_IMAGE, newImage]));
    try {
      const strategy = { type: "RollingUpdate" as const, rollingUpdate: { maxUnavailable, maxSurge: 1 } };
      const v1 = deploymentManifest("roll", { replicas, strategy });
      await apply(cl, v1);
      await rolloutStatus(cl, "roll");
      await waitForServingPods(cl, "app=roll", replicas);

      const counts: number[] = [];
      const watcher = new PodWatcher(cl, "app=roll", (pods) => counts.push(pods.filter(isServing).length));
      await watcher.start();
      try {
        const v2 = deploymentManifest("roll", { replicas, strategy, container: shContainer("app", idleScript("roll"), { image: newImage }) });
        await apply(cl, v2);
        const status = await rolloutStatus(cl, "roll");
        assert.match(status, /deployment "roll" successfully rolled out/);
        const pods = await waitForServingPods(cl, "app=roll", replicas);
        assert.ok(pods.every((p) => p.spec.containers[0]!.image === newImage), "every pod runs the new image");
      } finally {
        await watcher.stop();
      }
      assert.ok(counts.length > 0, "the watcher saw the rollout");
      const floor = Math.min(...counts);
      assert.ok(floor >= replicas - maxUnavailable, `serving pods dropped to ${floor} (< ${replicas - maxUnavailable}); counts: ${counts.join(",")}`);

      const history = expectSuccess("bosun rollout history", await cl.bosun(["rollout", "history", "deployment/roll"]));
      assert.match(history.stdout, /^1\s/m, history.stdout);
      assert.match(history.stdout, /^2\s/m, history.stdout);

      assert.match(expectSuccess("bosun rollout undo", await cl.bosun(["rollout", "undo", "deployment/roll"])).stdout, /rolled back/);
      await rolloutStatus(cl, "roll");
      const back = await waitForServingPods(cl, "app=roll", replicas);
      assert.ok(back.every((p) => p.spec.containers[0]!.image === BUSYBOX_IMAGE), "undo returns to the first image");
      const d = await cl.client.get<Deployment>(deployments, "roll", "default");
      assert.equal(d.spec.template.spec.containers[0]!.image, BUSYBOX_IMAGE);
      assert.equal(d.metadata.annotations?.["deployment.kubernetes.io/revision"], "3", "undo makes revision 3 from revision 1");
    } finally {
      await cl.client.delete(deployments, "roll", { namespace: "default", propagationPolicy: "Foreground" }).catch(() => undefined);
      await cl.waitFor(async () => (await podsWithLabels(cl, "app=roll")).length === 0, { timeoutMs: 60_000, what: "roll's pods to go" });
      await cl.docker(["rmi", newImage]);
    }
  });

  e2eTest("deleting a Deployment with background, foreground and orphan propagation does what Kubernetes does", c, async (cl) => {
    for (const name of ["del-bg", "del-fg", "del-orphan"]) await apply(cl, deploymentManifest(name, { replicas: 2 }));
    for (const name of ["del-bg", "del-fg", "del-orphan"]) await waitForServingPods(cl, `app=${name}`, 2);
    const rsOf = async (app: string) => (await cl.client.list<ReplicaSet>(replicasets, { namespace: "default", labelSelector: `app=${app}` })).items;

    // Background: the Deployment goes at once; the garbage collector then removes its ReplicaSet and pods.
    expectSuccess("bosun delete --cascade=background", await cl.bosun(["delete", "deployment", "del-bg", "--cascade=background"]));
    assert.equal(await exists(() => cl.client.get(deployments, "del-bg", "default")), false, "the deployment is gone");
    await cl.waitFor(
      async (note) => {
        const [rs, pods] = [await rsOf("del-bg"), await podsWithLabels(cl, "app=del-bg")];
        note({ rs: rs.map((r) => r.metadata.name), pods: pods.map((p) => p.metadata.name) });
        return rs.length === 0 && pods.length === 0;
      },
      { timeoutMs: 60_000, what: "del-bg's ReplicaSet and pods to be collected" },
    );

    // Foreground: the Deployment waits, marked for deletion, until its dependents are gone.
    expectSuccess("bosun delete --cascade=foreground", await cl.bosun(["delete", "deployment", "del-fg", "--cascade=foreground", "--wait=false"]));
    const marked = await cl.client.get<Deployment>(deployments, "del-fg", "default");
    assert.ok(marked.metadata.deletionTimestamp, "the deployment is marked for deletion");
    assert.ok(marked.metadata.finalizers?.includes("foregroundDeletion"), `finalizers: ${JSON.stringify(marked.metadata.finalizers)}`);
    const podsWhenOwnerWent = await cl.waitFor(
      async (note) => {
        const present = await exists(() => cl.client.get(deployments, "del-fg", "default"));
        const pods = await podsWithLabels(cl, "app=del-fg");
        note({ deployment: present, pods: pods.map((p) => p.metadata.name) });
        return present ? undefined : pods;
      },
      { timeoutMs: 90_000, what: "del-fg to be deleted after its dependents" },
    );
    assert.deepEqual(podsWhenOwnerWent.map((p) => p.metadata.name), [], "no pod outlives a foreground-deleted owner");
    assert.deepEqual(await rsOf("del-fg"), []);

    // Orphan: the Deployment goes; its ReplicaSet and pods stay, without the owner reference.
    const rsBefore = await rsOf("del-orphan");
    assert.equal(rsBefore.length, 1);
    expectSuccess("bosun delete --cascade=orphan", await cl.bosun(["delete", "deployment", "del-orphan", "--cascade=orphan"]));
    await cl.waitFor(async () => !(await exists(() => cl.client.get(deployments, "del-orphan", "default"))), {
      timeoutMs: 30_000,
      what: "del-orphan to be deleted",
    });
    const orphaned = await cl.waitFor(
      async (note) => {
        const rs = await rsOf("del-orphan");
        note(rs.map((r) => r.metadata.ownerReferences));
        return rs.length === 1 && (rs[0]!.metadata.ownerReferences ?? []).length === 0 ? rs[0] : undefined;
      },
      { timeoutMs: 30_000, what: "del-orphan's ReplicaSet to lose its owner reference" },
    );
    assert.equal(orphaned.metadata.uid, rsBefore[0]!.metadata.uid, "the same ReplicaSet survives");
    const pods: Pod[] = await podsWithLabels(cl, "app=del-orphan");
    assert.equal(pods.filter(isServing).length, 2, "the orphaned pods keep running");
    assert.ok(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === orphaned.metadata.uid), "pods still belong to the ReplicaSet");
    expectSuccess("bosun delete rs", await cl.bosun(["delete", "rs", orphaned.metadata.name!]));
  });

  e2eTest("examples/deployment.yaml applies and rolls out with its probes passing", c, async (cl) => {
    expectSuccess("bosun apply", await cl.bosun(["apply", "-f", join(repoRoot, "examples", "deployment.yaml")]));
    assert.match(await rolloutStatus(cl, "web"), /deployment "web" successfully rolled out/);
    const pods = await waitForServingPods(cl, "app=web", 3);
    assert.ok(pods.every((p) => p.status?.containerStatuses?.[0]?.ready === true), "readiness probes pass");
    expectSuccess("bosun delete", await cl.bosun(["delete", "deploy/web"]));
    await cl.waitFor(async () => (await podsWithLabels(cl, "app=web")).length === 0, { timeoutMs: 60_000, what: "web's pods to go" });
  });
});
