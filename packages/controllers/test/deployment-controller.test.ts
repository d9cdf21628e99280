// The Deployment controller with the real ReplicaSet controller, against a real
// apiserver over a real etcd. No agent runs: the test plays one, marking each new pod
// Running and Ready (except pods of the never-ready image, which stay Pending).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  mustResource,
  rfc3339,
  type AppsCondition,
  type Deployment,
  type DeploymentSpec,
  type KubeObject,
  type Pod,
  type ReplicaSet,
} from "@bosun/api";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { ApiClient, isConflict, isNotFound, SharedInformers, sleep, type Informer } from "@bosun/client";
import { controllerRefOf, DeploymentController, ReplicaSetController } from "../src/index.js";
import { createNamespace, RecordingRecorder, waitFor } from "./controller-harness.js";

const deployments = mustResource("deployments");
const replicaSets = mustResource("replicasets");
const pods = mustResource("pods");

const readyImage = "bosun.local/busybox:1";
const nextImage = "bosun.local/busybox:2";
const neverReadyImage = "bosun.local/never-ready:1";

/** Plays the agent: pods become Running and Ready as soon as they appear. */
class FakeKubelet {
  private readonly inFlight = new Set<Promise<void>>();
  constructor(private readonly client: ApiClient) {}

  observe(pod: Pod): void {
    if (pod.metadata.deletionTimestamp || isReady(pod) || pod.spec.containers[0]?.image === neverReadyImage) return;
    const p = this.markReady(pod.metadata.namespace ?? "", pod.metadata.name ?? "").finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async markReady(namespace: string, name: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const pod = await this.client.get<Pod>(pods, name, namespace);
        if (pod.metadata.deletionTimestamp || isReady(pod)) return;
        const now = rfc3339();
        await this.client.update<Pod>(
          pods,
          { ...pod, status: { ...pod.status, phase: "Running", startTime: now, conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }] } },
          { subresource: "status" },
        );
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

let server: TestApiServer;
let client: ApiClient;
let informers: SharedInformers;
let podInformer: Informer<Pod>;
let kubelet: FakeKubelet;
let rsController: ReplicaSetController;
let controller: DeploymentController;
const recorder = new RecordingRecorder();
/** Called on every pod change the informer sees, by namespace. */
const podWatchers = new Map<string, () => void>();

before(async () => {
  server = await startTestApiServer();
  client = new ApiClient({ server: server.url });
  informers = new SharedInformers(client);
  kubelet = new FakeKubelet(client);
  podInformer = informers.for<Pod>(pods);
  const changed = (pod: Pod) => {
    kubelet.observe(pod);
    podWatchers.get(pod.metadata.namespace ?? "")?.();
  };
  podInformer.onAdd(changed).onUpdate((_, pod) => changed(pod)).onDelete((pod) => podWatchers.get(pod.metadata.namespace ?? "")?.());
  rsController = new ReplicaSetController({ client, informers, recorder });
  controller = new DeploymentController({ client, informers, recorder });
  await informers.start();
  await rsController.run();
  await controller.run();
});

after(async () => {
  await controller.stop();
  await rsController.stop();
  await kubelet.drain();
  await informers.stop();
  await server.stop();
});

let nsSeq = 0;
function newNamespace(): Promise<string> {
  return createNamespace(client, `deploy-${++nsSeq}-${process.pid}`);
}

function deployment(ns: string, name: string, replicas: number, spec: Partial<DeploymentSpec> = {}, image = readyImage): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image }] } },
      ...spec,
    },
  };
}

async function getDeployment(ns: string, name: string): Promise<Deployment> {
  return client.get<Deployment>(deployments, name, ns);
}

async function replicaSetsOf(ns: string): Promise<ReplicaSet[]> {
  return (await client.list<ReplicaSet>(replicaSets, { namespace: ns })).items;
}

async function podsOf(ns: string): Promise<Pod[]> {
  return (await client.list<Pod>(pods, { namespace: ns })).items;
}

function condition(d: Deployment, type: string): AppsCondition | undefined {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** What `kubectl rollout status` waits for. */
async function rolledOut(ns: string, name: string): Promise<Deployment> {
  return waitFor(`deployment ${ns}/${name} to finish rolling out`, async () => {
    const d = await getDeployment(ns, name);
    const s = d.status;
    const want = d.spec.replicas ?? 1;
    const done =
      (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
      s?.updatedReplicas === want &&
      s?.replicas === want &&
      s?.availableReplicas === want &&
      condition(d, "Progressing")?.reason === "NewReplicaSetAvailable";
    return done ? d : undefined;
  });
}

async function setImage(ns: string, name: string, image: string): Promise<void> {
  const d = await getDeployment(ns, name);
  d.spec.template.spec.containers[0]!.image = image;
  await client.update<Deployment>(deployments, d);
}

function hashOf(rs: ReplicaSet): string {
  return rs.metadata.labels?.["pod-template-hash"] ?? "";
}

function annotation(obj: KubeObject, key: string): string | undefined {
  return obj.metadata.annotations?.[key];
}

test("a new Deployment gets one ReplicaSet named by its template hash and reports what kubectl rollout status reads", async () => {
  const ns = await newNamespace();
  const created = await client.create<Deployment>(deployments, deployment(ns, "web", 3));
  const d = await rolledOut(ns, "web");

  const [rs, ...others] = await replicaSetsOf(ns);
  assert.ok(rs);
  assert.equal(others.length, 0);
  const hash = hashOf(rs);
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.deepEqual(rs.spec.selector.matchLabels, { app: "web", "pod-template-hash": hash });
  assert.deepEqual(rs.spec.template?.metadata?.labels, { app: "web", "pod-template-hash": hash });
  assert.equal(annotation(rs, "deployment.kubernetes.io/revision"), "1");
  assert.equal(annotation(rs, "deployment.kubernetes.io/desired-replicas"), "3");
  assert.equal(annotation(rs, "deployment.kubernetes.io/max-replicas"), "4", "3 + 25% rounded up");
  assert.equal(controllerRefOf(rs)?.uid, created.metadata.uid);
  assert.equal(annotation(d, "deployment.kubernetes.io/revision"), "1");

  const running = await podsOf(ns);
  assert.equal(running.length, 3);
  for (const p of running) assert.equal(p.metadata.labels?.["pod-template-hash"], hash);

  assert.equal(d.status?.observedGeneration, d.metadata.generation);
  assert.deepEqual(
    [d.status?.replicas, d.status?.updatedReplicas, d.status?.readyReplicas, d.status?.availableReplicas, d.status?.unavailableReplicas],
    [3, 3, 3, 3, 0],
  );
  const available = condition(d, "Available");
  assert.deepEqual([available?.status, available?.reason, available?.message], ["True", "MinimumReplicasAvailable", "Deployment has minimum availability."]);
  const progressing = condition(d, "Progressing");
  assert.deepEqual(
    [progressing?.status, progressing?.reason, progressing?.message],
    ["True", "NewReplicaSetAvailable", `ReplicaSet "web-${hash}" has successfully progressed.`],
  );
  assert.deepEqual(recorder.messages(ns, "web", "ScalingReplicaSet"), [`Scaled up replica set web-${hash} from 0 to 3`]);
});

test("a rolling update never drops below replicas - maxUnavailable, and rollback reuses the old ReplicaSet as a new revision", async () => {
  const ns = await newNamespace();
  await client.create<Deployment>(
    deployments,
    deployment(ns, "roll", 4, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }),
  );
  await rolledOut(ns, "roll");
  const [firstRS] = await replicaSetsOf(ns);
  assert.ok(firstRS);

  let minReady = Infinity;
  let maxPods = 0;
  podWatchers.set(ns, () => {
    const live = podInformer.list().filter((p) => p.metadata.namespace === ns && !p.metadata.deletionTimestamp);
    minReady = Math.min(minReady, live.filter(isReady).length);
    maxPods = Math.max(maxPods, live.length);
  });
  await setImage(ns, "roll", nextImage);
  const updated = await rolledOut(ns, "roll");
  podWatchers.delete(ns);

  assert.ok(minReady >= 3, `ready pods fell to ${minReady} during the rollout`);
  assert.ok(maxPods <= 5, `${maxPods} pods existed at once`);
  const rss = await replicaSetsOf(ns);
  assert.equal(rss.length, 2);
  const oldRS = rss.find((r) => r.metadata.uid === firstRS.metadata.uid)!;
  const newRS = rss.find((r) => r.metadata.uid !== firstRS.metadata.uid)!;
  assert.equal(oldRS.spec.replicas, 0);
  assert.equal(newRS.spec.replicas, 4);
  assert.equal(annotation(newRS, "deployment.kubernetes.io/revision"), "2");
  assert.equal(annotation(updated, "deployment.kubernetes.io/revision"), "2");
  const scaling = recorder.messages(ns, "roll", "ScalingReplicaSet");
  assert.ok(scaling.includes(`Scaled up replica set ${newRS.metadata.name} from 0 to 1`), scaling.join("\n"));
  assert.ok(scaling.includes(`Scaled down replica set ${oldRS.metadata.name} from 4 to 3`), scaling.join("\n"));
  assert.ok(scaling.includes(`Scaled down replica set ${oldRS.metadata.name} from 1 to 0`), scaling.join("\n"));

  // kubectl rollout undo: the previous ReplicaSet's template, without its hash label.
  const d = await getDeployment(ns, "roll");
  const template = structuredClone(oldRS.spec.template!);
  delete template.metadata!.labels!["pod-template-hash"];
  await client.update<Deployment>(deployments, { ...d, spec: { ...d.spec, template } });
  const rolledBack = await rolledOut(ns, "roll");

  const after = await replicaSetsOf(ns);
  assert.equal(after.length, 2, "no new ReplicaSet for a template that already has one");
  const reused = after.find((r) => r.metadata.uid === firstRS.metadata.uid)!;
  assert.equal(reused.spec.replicas, 4);
  assert.equal(annotation(reused, "deployment.kubernetes.io/revision"), "3");
  assert.equal(annotation(reused, "deployment.kubernetes.io/revision-history"), "1");
  assert.equal(annotation(rolledBack, "deployment.kubernetes.io/revision"), "3");
  assert.equal(after.find((r) => r.metadata.uid !== firstRS.metadata.uid)!.spec.replicas, 0);
});

test("Recreate creates no new pod while an old one exists", async () => {
  const ns = await newNamespace();
  await client.create<Deployment>(deployments, deployment(ns, "rec", 3, { strategy: { type: "Recreate" } }));
  await rolledOut(ns, "rec");
  const [oldRS] = await replicaSetsOf(ns);
  const oldHash = hashOf(oldRS!);

  let newPodsSeen = 0;
  let oldPodsWhenNewAppeared = 0;
  podWatchers.set(ns, () => {
    const live = podInformer.list().filter((p) => p.metadata.namespace === ns);
    const newPods = live.filter((p) => p.metadata.labels?.["pod-template-hash"] !== oldHash);
    if (newPods.length === 0) return;
    newPodsSeen = Math.max(newPodsSeen, newPods.length);
    oldPodsWhenNewAppeared = Math.max(oldPodsWhenNewAppeared, live.length - newPods.length);
  });
  await setImage(ns, "rec", nextImage);
  await rolledOut(ns, "rec");
  podWatchers.delete(ns);

  assert.equal(newPodsSeen, 3);
  assert.equal(oldPodsWhenNewAppeared, 0);
  const rss = await replicaSetsOf(ns);
  const newRS = rss.find((r) => hashOf(r) !== oldHash)!;
  assert.equal(newRS.spec.replicas, 3);
  assert.deepEqual(recorder.messages(ns, "rec", "ScalingReplicaSet").slice(-2), [
    `Scaled down replica set rec-${oldHash} from 3 to 0`,
    `Scaled up replica set ${newRS.metadata.name} from 0 to 3`,
  ]);
});

test("a paused Deployment scales but does not roll out until resumed", async () => {
  const ns = await newNamespace();
  await client.create<Deployment>(deployments, deployment(ns, "pause", 2));
  await rolledOut(ns, "pause");

  await client.patch(deployments, "pause", { spec: { paused: true } }, { namespace: ns, type: "merge" });
  await waitFor("the DeploymentPaused condition", async () => {
    const c = condition(await getDeployment(ns, "pause"), "Progressing");
    return c?.reason === "DeploymentPaused" && c.status === "Unknown" && c.message === "Deployment is paused";
  });
  await setImage(ns, "pause", nextImage);
  await client.patch(deployments, "pause", { spec: { replicas: 4 } }, { namespace: ns, type: "merge" });
  await waitFor("the paused Deployment to scale its only ReplicaSet", async () => {
    const rss = await replicaSetsOf(ns);
    const d = await getDeployment(ns, "pause");
    return rss.length === 1 && rss[0]!.spec.replicas === 4 && d.status?.observedGeneration === d.metadata.generation && d.status?.availableReplicas === 4;
  });
  assert.equal((await replicaSetsOf(ns)).length, 1, "no rollout while paused");

  await client.patch(deployments, "pause", { spec: { paused: false } }, { namespace: ns, type: "merge" });
  const d = await rolledOut(ns, "pause");
  const rss = await replicaSetsOf(ns);
  assert.equal(rss.length, 2);
  assert.equal(rss.find((r) => annotation(r, "deployment.kubernetes.io/revision") === "2")?.spec.template?.spec.containers[0]?.image, nextImage);
  assert.equal(annotation(d, "deployment.kubernetes.io/revision"), "2");
});

test("resizing a stuck rollout scales its ReplicaSets in proportion", async () => {
  const ns = await newNamespace();
  await client.create<Deployment>(
    deployments,
    deployment(ns, "prop", 10, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }),
  );
  await rolledOut(ns, "prop");
  const [oldRS] = await replicaSetsOf(ns);
  await setImage(ns, "prop", neverReadyImage);
  // New pods never become ready: the rollout stops with 8 old and 5 new replicas (13 = 10 + maxSurge).
  const sizes = async () => {
    const rss = await replicaSetsOf(ns);
    const old = rss.find((r) => r.metadata.uid === oldRS!.metadata.uid)?.spec.replicas;
    const fresh = rss.find((r) => r.metadata.uid !== oldRS!.metadata.uid)?.spec.replicas;
    return [old, fresh];
  };
  await waitFor("the rollout to get stuck at 8 old and 5 new replicas", async () => {
    const [old, fresh] = await sizes();
    return old === 8 && fresh === 5;
  });

  await client.patch(deployments, "prop", { spec: { replicas: 15 } }, { namespace: ns, type: "merge" });
  // 15 + 3 = 18 replicas shared by size: 8 * 18/13 -> 11 and 5 * 18/13 -> 7.
  await waitFor("proportional scaling to 11 old and 7 new replicas", async () => {
    const [old, fresh] = await sizes();
    return old === 11 && fresh === 7;
  });
  for (const rs of await replicaSetsOf(ns)) {
    assert.equal(annotation(rs, "deployment.kubernetes.io/desired-replicas"), "15");
    assert.equal(annotation(rs, "deployment.kubernetes.io/max-replicas"), "18");
  }
  assert.ok(recorder.messages(ns, "prop", "ScalingReplicaSet").includes(`Scaled up replica set ${oldRS!.metadata.name} from 8 to 11`));
  // With the new pods still unavailable the rollout cannot move on: the sizes stay.
  await sleep(500);
  assert.deepEqual(await sizes(), [11, 7]);
});

test("a rollout that stops progressing is marked ProgressDeadlineExceeded without any further event", async () => {
  const ns = await newNamespace();
  await client.create<Deployment>(deployments, deployment(ns, "stuck", 2, { progressDeadlineSeconds: 2 }, neverReadyImage));
  const d = await waitFor(
    "ProgressDeadlineExceeded",
    async () => {
      const got = await getDeployment(ns, "stuck");
      return condition(got, "Progressing")?.reason === "ProgressDeadlineExceeded" ? got : undefined;
    },
    15_000,
  );
  const [rs] = await replicaSetsOf(ns);
  const progressing = condition(d, "Progressing");
  assert.equal(progressing?.status, "False");
  assert.equal(progressing?.message, `ReplicaSet "${rs!.metadata.name}" has timed out progressing.`);
  const available = condition(d, "Available");
  assert.deepEqual([available?.status, available?.reason], ["False", "MinimumReplicasUnavailable"]);
});

test("old ReplicaSets beyond revisionHistoryLimit are deleted", async () => {
  const ns = await newNamespace();
  await client.create<Deployment>(deployments, deployment(ns, "hist", 1, { revisionHistoryLimit: 1 }));
  await rolledOut(ns, "hist");
  for (const image of ["bosun.local/busybox:2", "bosun.local/busybox:3"]) {
    await setImage(ns, "hist", image);
    await rolledOut(ns, "hist");
  }
  const rss = await waitFor("the oldest ReplicaSet to be deleted", async () => {
    const list = await replicaSetsOf(ns);
    return list.length === 2 ? list : undefined;
  });
  const revisions = rss.map((r) => annotation(r, "deployment.kubernetes.io/revision")).sort();
  assert.deepEqual(revisions, ["2", "3"]);
});

test("an orphaned ReplicaSet with the Deployment's template is adopted instead of creating another", async () => {
  const ns = await newNamespace();
  const template = deployment(ns, "adopt", 2).spec.template;
  const labels = { app: "adopt", "pod-template-hash": "orphan1" };
  await client.create<ReplicaSet>(replicaSets, {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "adopt-orphan1", namespace: ns, labels },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { ...template, metadata: { labels } } },
  });
  const created = await client.create<Deployment>(deployments, deployment(ns, "adopt", 2));
  const d = await rolledOut(ns, "adopt");
  const rss = await replicaSetsOf(ns);
  assert.equal(rss.length, 1);
  assert.equal(rss[0]!.metadata.name, "adopt-orphan1");
  assert.equal(controllerRefOf(rss[0]!)?.uid, created.metadata.uid);
  assert.equal(annotation(rss[0]!, "deployment.kubernetes.io/revision"), "1");
  assert.equal(annotation(d, "deployment.kubernetes.io/revision"), "1");
});

test("a Deployment being deleted is left alone", async () => {
  const ns = await newNamespace();
  const base = deployment(ns, "gone", 1);
  await client.create<Deployment>(deployments, { ...base, metadata: { ...base.metadata, finalizers: ["bosun.io/test-hold"] } });
  await rolledOut(ns, "gone");
  await client.delete(deployments, "gone", { namespace: ns });
  await setImage(ns, "gone", nextImage);
  await sleep(1000);
  const rss = await replicaSetsOf(ns);
  assert.equal(rss.length, 1, "no rollout for a Deployment that is being deleted");
  assert.equal(rss[0]!.spec.template?.spec.containers[0]?.image, readyImage);
  await client.patch(deployments, "gone", { metadata: { finalizers: null } }, { namespace: ns, type: "merge" });
});
