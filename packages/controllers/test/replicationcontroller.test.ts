// ReplicationControllers kept by the ReplicaSet controller (one code path, two
// kinds), against a real apiserver and etcd: the apiserver defaults the selector
// from the template, the controller makes and removes pods the RC owns, the scale
// subresource resizes it, status is written to the RC, and the garbage collector
// deletes its pods with it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type Pod, type ReplicationController, type Scale } from "@bosun/api";
import { GarbageCollectorController, controllerRefOf, newReplicationControllerController } from "../src/index.js";
import { createNamespace, listPods, setPodRunning, startHarness, waitFor, type Harness } from "./controller-harness.js";

const rcs = mustResource("replicationcontrollers");

let h: Harness;

before(async () => {
  h = await startHarness((ctx) => [newReplicationControllerController(ctx), new GarbageCollectorController(ctx)]);
});

after(async () => {
  await h.stop();
});

function replicationController(ns: string, name: string, replicas: number): ReplicationController {
  return {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name, namespace: ns },
    // No selector: the template's labels become it.
    spec: {
      replicas,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image: "bosun.local/busybox:1", command: ["sleep", "3600"] }] },
      },
    },
  };
}

async function livePods(ns: string): Promise<Pod[]> {
  return (await listPods(h.client, ns)).filter((p) => !p.metadata.deletionTimestamp);
}

test("an RC keeps its replicas through the ReplicaSet controller, is resized through /scale and reports status", async () => {
  const ns = await createNamespace(h.client, "rc-basic");
  const rc = await h.client.create<ReplicationController>(rcs, replicationController(ns, "web", 2), ns);
  assert.deepEqual(rc.spec.selector, { app: "web" }, "the selector defaults to the template's labels");
  assert.deepEqual(rc.metadata.labels, { app: "web" }, "so do the RC's own labels");

  const two = await waitFor("2 pods", async () => {
    const live = await livePods(ns);
    return live.length === 2 ? live : undefined;
  });
  for (const pod of two) {
    const ref = controllerRefOf(pod);
    assert.deepEqual([ref?.apiVersion, ref?.kind, ref?.uid], ["v1", "ReplicationController", rc.metadata.uid]);
    assert.match(pod.metadata.name ?? "", /^web-[a-z0-9]{5}$/);
  }
  assert.equal(h.recorder.messages(ns, "web", "SuccessfulCreate").length, 2);

  const response = await h.client.request(
    "PATCH",
    `/api/v1/namespaces/${ns}/replicationcontrollers/web/scale`,
    { spec: { replicas: 3 } },
    { "content-type": "application/merge-patch+json" },
  );
  const scale = (await response.json()) as Scale;
  assert.equal(scale.spec?.replicas, 3);
  assert.equal(scale.status?.selector, "app=web");

  const three = await waitFor("3 pods", async () => {
    const live = await livePods(ns);
    return live.length === 3 ? live : undefined;
  });
  for (const pod of three) await setPodRunning(h.client, pod);
  const status = await waitFor("status of 3 ready replicas", async () => {
    const s = (await h.client.get<ReplicationController>(rcs, "web", ns)).status;
    return s?.readyReplicas === 3 && s.availableReplicas === 3 ? s : undefined;
  });
  assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 2 });

  await h.client.patch(rcs, "web", { spec: { replicas: 1 } }, { namespace: ns });
  await waitFor("1 pod", async () => (await livePods(ns)).length === 1);
  assert.equal(h.recorder.messages(ns, "web", "SuccessfulDelete").length, 2);

  await h.client.delete(rcs, "web", { namespace: ns, propagationPolicy: "Background" });
  await waitFor("the RC's pods to be collected", async () => (await listPods(h.client, ns)).length === 0);
});
