// The master restarts in the middle of a rolling update: the controllers resume from
// what the API holds, the update finishes, and there are no extra or lost replicas.
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Deployment, ReplicaSet } from "@bosun/api";
import {
  BUSYBOX_IMAGE,
  PodWatcher,
  deploymentManifest,
  deployments,
  e2eTest,
  expectSuccess,
  idleScript,
  podsWithLabels,
  replicasets,
  rolloutStatus,
  shContainer,
  useCluster,
  waitForServingPods,
} from "../src/index.js";

describe("master restart during a rollout", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }] });

  e2eTest("a rolling update interrupted by a master restart finishes with exactly the declared replicas", c, async (cl) => {
    const replicas = 6;
    const newImage = `bosun.local/busybox:e2e-${cl.runId}`;
    expectSuccess("docker tag", await cl.docker(["tag", BUSYBOX_IMAGE, newImage]));
    try {
      // minReadySeconds slows the rollout down enough to restart the master in the middle.
      const strategy = { type: "RollingUpdate" as const, rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } };
      await cl.client.create(deployments, deploymentManifest("steady", { replicas, strategy, minReadySeconds: 3 }), "default");
      await rolloutStatus(cl, "steady");

      let maxPods = 0;
      const watcher = new PodWatcher(cl, "app=steady", (pods) => {
        maxPods = Math.max(maxPods, pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Failed").length);
      });
      await watcher.start();
      try {
        const updated = deploymentManifest("steady", {
          replicas,
          strategy,
          minReadySeconds: 3,
          container: shContainer("app", idleScript("steady"), { image: newImage }),
        });
        const current = await cl.client.get<Deployment>(deployments, "steady", "default");
        await cl.client.update(deployments, { ...updated, metadata: { ...updated.metadata, resourceVersion: current.metadata.resourceVersion } });
        await cl.waitFor(
          async (note) => {
            const d = await cl.client.get<Deployment>(deployments, "steady", "default");
            note(d.status);
            const n = d.status?.updatedReplicas ?? 0;
            return n >= 1 && n < replicas;
          },
          { timeoutMs: 60_000, what: "the rollout to be under way", intervalMs: 200 },
        );
        await cl.restartMaster();
        await rolloutStatus(cl, "steady");
      } finally {
        await watcher.stop();
      }
      const pods = await waitForServingPods(cl, "app=steady", replicas);
      assert.ok(pods.every((p) => p.spec.containers[0]!.image === newImage), "every pod runs the new template");
      assert.ok(maxPods <= replicas + 1, `never more than replicas + maxSurge pods (saw ${maxPods})`);
      const rs = (await cl.client.list<ReplicaSet>(replicasets, { namespace: "default", labelSelector: "app=steady" })).items;
      const byImage = new Map(rs.map((r) => [r.spec.template!.spec.containers[0]!.image, r]));
      assert.equal(rs.length, 2, "one old and one new ReplicaSet");
      assert.equal(byImage.get(newImage)?.spec.replicas, replicas);
      assert.equal(byImage.get(BUSYBOX_IMAGE)?.spec.replicas, 0);
      const d = await cl.client.get<Deployment>(deployments, "steady", "default");
      assert.equal(d.status?.replicas, replicas);
      assert.equal(d.status?.updatedReplicas, replicas);
      assert.equal(d.status?.availableReplicas, replicas);
      assert.equal(d.status?.observedGeneration, d.metadata.generation);
      assert.equal((await podsWithLabels(cl, "app=steady")).length, replicas, "no extra pods left behind");
    } finally {
      await cl.client.delete(deployments, "steady", { namespace: "default", propagationPolicy: "Foreground" }).catch(() => undefined);
      await cl.waitFor(async () => (await podsWithLabels(cl, "app=steady")).length === 0, { timeoutMs: 60_000, what: "steady's pods to go" });
      await cl.docker(["rmi", newImage]);
    }
  });
});
