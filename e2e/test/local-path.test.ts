// Local storage on a real master and two agents (issue 10, E2E 5 on one host): the
// built-in default StorageClass local-path waits for the first consumer; the
// scheduler picks a node, the provisioner makes the directory there (a helper pod)
// and a volume with node affinity to it; a pod writes, is deleted, and the next pod
// on the claim lands on the same node and reads it back; while that node is down a
// pod of the claim stays Pending with the scheduler saying why; deleting the claim
// removes the directory and the volume.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import { resourceByKind, type PersistentVolume, type PersistentVolumeClaim, type Pod } from "@bosun/api";
import { isNotFound } from "@bosun/client";
import { e2eTest, expectSuccess, getPod, podManifest, pods, repoRoot, shContainer, useCluster, waitForPod, waitForRunning, type Cluster } from "../src/index.js";

const volumes = resourceByKind("v1", "PersistentVolume")!;
const claims = resourceByKind("v1", "PersistentVolumeClaim")!;

function claimPod(name: string, script: string): Pod {
  return podManifest(name, [shContainer("main", script, { volumeMounts: [{ name: "data", mountPath: "/data" }] })], {
    restartPolicy: "Never",
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
  });
}

async function deletePod(cl: Cluster, name: string): Promise<void> {
  await cl.client.delete(pods, name, { namespace: "default" });
  await cl.waitFor(async () => (await getPod(cl, name)) === undefined, { timeoutMs: 60_000, what: `pod ${name} to be gone` });
}

const scheduledCondition = (p: Pod) => p.status?.conditions?.find((c) => c.type === "PodScheduled");

describe("local-path: the default StorageClass and its provisioner", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }] });

  e2eTest("a claim is provisioned where its first pod goes, keeps its pods on that node, and takes its directory with it", c, async (cl) => {
    const classes = expectSuccess("kubectl get storageclass", await cl.kubectl(["get", "storageclass"])).stdout;
    assert.match(classes, /^local-path \(default\)\s+bosun\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/m);

    await cl.client.create<PersistentVolumeClaim>(claims, {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data", namespace: "default" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "128Mi" } } },
    });
    const waiting = await cl.waitFor(
      async () => {
        const claim = await cl.client.get<PersistentVolumeClaim>(claims, "data", "default");
        return claim.status?.phase === "Pending" ? claim : undefined;
      },
      { timeoutMs: 30_000, what: "the claim to be Pending" },
    );
    assert.equal(waiting.spec?.storageClassName, "local-path", "the default class");
    const described = expectSuccess("kubectl describe pvc", await cl.kubectl(["describe", "pvc", "data"])).stdout;
    assert.match(described, /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/);

    await cl.client.create<Pod>(pods, claimPod("writer", "echo kept-on-the-node > /data/record"));
    const written = await waitForPod(cl, "writer", (p) => p.status?.phase === "Succeeded", "to write and finish", 90_000);
    const node = written.spec.nodeName ?? "";
    const claim = await cl.client.get<PersistentVolumeClaim>(claims, "data", "default");
    assert.equal(claim.status?.phase, "Bound");
    assert.equal(claim.metadata.annotations?.["volume.kubernetes.io/selected-node"], node);
    const volumeName = claim.spec?.volumeName ?? "";
    assert.equal(volumeName, `pvc-${claim.metadata.uid}`);
    const volume = await cl.client.get<PersistentVolume>(volumes, volumeName);
    assert.deepEqual(volume.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions, [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }]);
    const dir = join(cl.logDir, "storage", `${volumeName}_default_data`);
    assert.equal(volume.spec?.hostPath?.path, dir);
    assert.equal(readFileSync(join(dir, "record"), "utf8"), "kept-on-the-node\n", "the data is in the node's directory");
    await deletePod(cl, "writer");

    await cl.client.create<Pod>(pods, claimPod("reader", "cat /data/record"));
    const read = await waitForPod(cl, "reader", (p) => p.status?.phase === "Succeeded", "to read and finish");
    assert.equal(read.spec.nodeName, node, "the claim's pods go where its volume is");
    assert.equal(expectSuccess("kubectl logs reader", await cl.kubectl(["logs", "reader"])).stdout, "kept-on-the-node\n");
    await deletePod(cl, "reader");

    // The volume's node goes down: a pod of the claim has nowhere to go, and is told why.
    const agent = cl.nodeName("a") === node ? "a" : "b";
    await cl.kill(agent);
    await cl.waitFor(
      async () => {
        const { stdout } = await cl.kubectl(["get", "node", node, "--no-headers"]);
        return /\bNotReady\b/.test(stdout);
      },
      { timeoutMs: 60_000, what: `node ${node} to be NotReady` },
    );
    await cl.client.create<Pod>(pods, claimPod("stranded", "cat /data/record"));
    const stranded = await waitForPod(cl, "stranded", (p) => scheduledCondition(p)?.status === "False", "to be unschedulable");
    assert.equal(
      scheduledCondition(stranded)?.message,
      "0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were not ready. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
    await cl.restartAgent(agent);
    const rescued = await waitForPod(cl, "stranded", (p) => p.status?.phase === "Succeeded", "to run once its node is back", 90_000);
    assert.equal(rescued.spec.nodeName, node);
    await deletePod(cl, "stranded");

    await cl.client.delete(claims, "data", { namespace: "default" });
    await cl.waitFor(
      async (note) => {
        const volumeGone = await cl.client.get(volumes, volumeName).then(() => false, (err: unknown) => isNotFound(err));
        note({ volumeGone, dirExists: existsSync(dir) });
        return volumeGone && !existsSync(dir);
      },
      { timeoutMs: 90_000, what: "the volume and its directory to be removed with the claim" },
    );
    assert.ok(existsSync(join(cl.logDir, "storage")), "only the claim's own directory goes");
  });

  e2eTest("examples/storage.yaml applies: its pod reads the ConfigMap and its log outlives the pod", c, async (cl) => {
    const example = join(repoRoot, "examples", "storage.yaml");
    expectSuccess("bosun apply", await cl.bosun(["apply", "-f", example]));
    await waitForRunning(cl, "notes", 90_000);
    await deletePod(cl, "notes");
    expectSuccess("bosun apply again", await cl.bosun(["apply", "-f", example]));
    await waitForRunning(cl, "notes", 90_000);
    const log = expectSuccess("kubectl exec", await cl.kubectl(["exec", "notes", "--", "cat", "/data/log"])).stdout;
    assert.match(log, /^.+ hello from a ConfigMap\n.+ hello from a ConfigMap\n$/, "two lines, one per pod");
    expectSuccess("bosun delete", await cl.bosun(["delete", "-f", example]));
  });
});
