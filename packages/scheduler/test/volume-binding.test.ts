import { test } from "node:test";
import assert from "node:assert/strict";
import { findMatchingVolume, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StorageClass } from "@bosun/api";
import { newNodeInfo } from "../src/framework/node-info.js";
import { startScheduler } from "../src/scheduler.js";
import { buildProfile } from "../src/framework/registry.js";
import { scheduleOne } from "../src/framework/schedule-one.js";
import { defaultSchedulerConfig } from "../src/config.js";
import { inTreeRegistry } from "../src/plugins/registry.js";
import { VolumeBinding, errReasonBindConflict, errReasonNodeConflict, errReasonPVNotExist } from "../src/plugins/volume-binding.js";
import { FakeCluster, waitFor } from "./fake-cluster.js";
import { makeHandle, makeNode, makePod, type HandleObjects } from "./fixtures.js";

const waitClass: StorageClass = {
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name: "local-path" },
  provisioner: "bosun.io/local-path",
  volumeBindingMode: "WaitForFirstConsumer",
};
const immediateClass: StorageClass = { ...waitClass, metadata: { name: "fast" }, volumeBindingMode: "Immediate" };
const manualClass: StorageClass = { ...waitClass, metadata: { name: "manual" }, provisioner: "kubernetes.io/no-provisioner" };

function claim(name: string, opts: { className?: string; volumeName?: string; selectedNode?: string; deleting?: boolean } = {}): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      ...(opts.selectedNode ? { annotations: { "volume.kubernetes.io/selected-node": opts.selectedNode } } : {}),
      ...(opts.deleting ? { deletionTimestamp: "2026-12-06T00:00:00Z" } : {}),
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      ...(opts.className !== undefined ? { storageClassName: opts.className } : {}),
      ...(opts.volumeName ? { volumeName: opts.volumeName } : {}),
    },
    status: { phase: opts.volumeName ? "Bound" : "Pending" },
  };
}

function volumeOn(name: string, node: string | undefined, opts: { className?: string; claimName?: string; phase?: string } = {}): PersistentVolume {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: opts.className ?? "local-path",
      hostPath: { path: `/srv/${name}` },
      ...(node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } } } : {}),
      ...(opts.claimName ? { claimRef: { namespace: "default", name: opts.claimName, uid: `uid-${opts.claimName}` } } : {}),
    },
    status: { phase: (opts.phase ?? (opts.claimName ? "Bound" : "Available")) as "Bound" },
  };
}

function podWithClaims(name: string, ...claims: string[]): Pod {
  const pod = makePod(name);
  pod.spec.volumes = claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } }));
  return pod;
}

const nodeA = newNodeInfo(makeNode("a", { labels: { "kubernetes.io/hostname": "a" } }), []);
const nodeB = newNodeInfo(makeNode("b", { labels: { "kubernetes.io/hostname": "b" } }), []);

function plugin(objects: HandleObjects): VolumeBinding {
  return new VolumeBinding(makeHandle({ classes: [waitClass, immediateClass, manualClass], ...objects }));
}

test("before any node: a missing claim, a claim being deleted and an unbound immediate claim make the pod unschedulable", () => {
  const p = plugin({ claims: [claim("gone-soon", { deleting: true }), claim("now", { className: "fast" }), claim("later", { className: "local-path" })] });
  assert.deepEqual(p.preFilter(podWithClaims("x", "missing")), { code: "Unschedulable", reasons: ['persistentvolumeclaim "missing" not found'] });
  assert.deepEqual(p.preFilter(podWithClaims("x", "gone-soon")), { code: "Unschedulable", reasons: ['persistentvolumeclaim "gone-soon" is being deleted'] });
  assert.deepEqual(p.preFilter(podWithClaims("x", "now")), { code: "Unschedulable", reasons: ["pod has unbound immediate PersistentVolumeClaims"] });
  assert.deepEqual(p.preFilter(podWithClaims("x", "later")), { code: "Success" });
  assert.deepEqual(p.preFilter(makePod("no-volumes")), { code: "Success" });
});

test("a bound claim's volume decides the node; a missing volume is said so", () => {
  const p = plugin({
    claims: [claim("data", { className: "local-path", volumeName: "pv-a" }), claim("lost", { volumeName: "pv-gone" })],
    volumes: [volumeOn("pv-a", "a", { claimName: "data" })],
  });
  assert.deepEqual(p.filter(podWithClaims("x", "data"), nodeA), { code: "Success" });
  assert.deepEqual(p.filter(podWithClaims("x", "data"), nodeB), { code: "UnschedulableAndUnresolvable", reasons: [errReasonNodeConflict] });
  assert.deepEqual(p.filter(podWithClaims("x", "lost"), nodeA), { code: "UnschedulableAndUnresolvable", reasons: [errReasonPVNotExist] });
});

test("an unbound claim waiting for its consumer: a volume on the node, a provisioning class, or no node at all", () => {
  const volumes = [volumeOn("static-b", "b", { className: "manual" })];
  const p = plugin({
    claims: [claim("prov", { className: "local-path" }), claim("static", { className: "manual" }), claim("started", { className: "local-path", selectedNode: "b" })],
    volumes,
  });
  // The class provisions anywhere.
  assert.deepEqual(p.filter(podWithClaims("x", "prov"), nodeA), { code: "Success" });
  // A class without a provisioner: only the node of a matching volume.
  assert.deepEqual(p.filter(podWithClaims("x", "static"), nodeA), { code: "UnschedulableAndUnresolvable", reasons: [errReasonBindConflict] });
  assert.deepEqual(p.filter(podWithClaims("x", "static"), nodeB), { code: "Success" });
  // Provisioning began for node b: only b.
  assert.deepEqual(p.filter(podWithClaims("x", "started"), nodeA), { code: "UnschedulableAndUnresolvable", reasons: [errReasonBindConflict] });
  assert.deepEqual(p.filter(podWithClaims("x", "started"), nodeB), { code: "Success" });
});

test("pre-bind annotates unbound claims with the node and waits; bound claims go on at once", async () => {
  const patches: HandleObjects["patches"] = [];
  const claims = [claim("prov", { className: "local-path" }), claim("done", { className: "local-path", volumeName: "pv-a" })];
  const p = plugin({ claims, volumes: [volumeOn("pv-a", "a", { claimName: "done" })], patches });
  const result = await p.preBind(podWithClaims("x", "prov", "done"), "a");
  assert.equal(result.code, "Wait");
  assert.match((result as { reason: string }).reason, /prov to be bound/);
  assert.deepEqual(patches, [{ name: "prov", namespace: "default", patch: { metadata: { annotations: { "volume.kubernetes.io/selected-node": "a" } } } }]);
  assert.deepEqual(await p.preBind(podWithClaims("x", "done"), "a"), { code: "Success" });
});

test("a pod whose volume lives on a node that is down stays Pending, the message naming both reasons", () => {
  const handle = makeHandle({
    classes: [waitClass],
    claims: [claim("data", { className: "local-path", volumeName: "pv-b" })],
    volumes: [volumeOn("pv-b", "b", { claimName: "data" })],
  });
  const profile = buildProfile(defaultSchedulerConfig, inTreeRegistry, handle);
  const down = newNodeInfo(makeNode("b", { labels: { "kubernetes.io/hostname": "b" }, ready: "Unknown" }), []);
  const result = scheduleOne(podWithClaims("x", "data"), [nodeA, down, newNodeInfo(makeNode("c"), [])], profile);
  assert.ok("fitError" in result);
  assert.equal(result.fitError.message, "0/3 nodes are available: 1 node(s) were not ready, 2 node(s) had volume node affinity conflict.");
  const missing = scheduleOne(podWithClaims("x", "nope"), [nodeA], profile);
  assert.ok("fitError" in missing);
  assert.equal(missing.fitError.message, '0/1 nodes are available: persistentvolumeclaim "nope" not found.');
});

test("the loop: a pod on a claim waiting for its consumer annotates it, waits, and is bound where its volume was made", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("a", { labels: { "kubernetes.io/hostname": "a" } }));
  cluster.putNode(makeNode("b", { labels: { "kubernetes.io/hostname": "b" } }));
  cluster.putObject("storageclasses", waitClass);
  cluster.putObject("persistentvolumeclaims", claim("data", { className: "local-path" }));
  cluster.putPod(podWithClaims("web", "data"));
  const scheduler = await startScheduler({ client: cluster.client, recorder: cluster.recorder, random: () => 0 });
  try {
    await waitFor("the claim to carry the chosen node", () => cluster.claimPatches.length === 1);
    const annotated = cluster.object<PersistentVolumeClaim>("persistentvolumeclaims", "default/data");
    const chosen = annotated?.metadata.annotations?.["volume.kubernetes.io/selected-node"];
    assert.ok(chosen === "a" || chosen === "b");
    assert.equal(cluster.binds.length, 0, "the pod waits for its claim to be bound");
    // The provisioner made a volume on the chosen node and the binder bound it.
    cluster.putObject("persistentvolumes", volumeOn("pv-1", chosen, { claimName: "data" }));
    cluster.putObject("persistentvolumeclaims", claim("data", { className: "local-path", volumeName: "pv-1", selectedNode: chosen }));
    await waitFor("the pod to be bound", () => !!cluster.pod("default/web")?.spec.nodeName);
    assert.equal(cluster.pod("default/web")!.spec.nodeName, chosen);
    // (The claim may reach the scheduler before its volume does, which is reported once, as Kubernetes does.)
    await waitFor("the Scheduled event", () => cluster.events.at(-1)?.reason === "Scheduled");
  } finally {
    await scheduler.stop();
  }
});

test("a pod waiting on its volumes keeps its room on the chosen node: another pod does not take it", async () => {
  const cluster = new FakeCluster();
  cluster.putNode(makeNode("a", { cpu: "1", labels: { "kubernetes.io/hostname": "a" } }));
  cluster.putObject("storageclasses", waitClass);
  cluster.putObject("persistentvolumeclaims", claim("data", { className: "local-path" }));
  const waiting = podWithClaims("db", "data");
  waiting.spec.containers[0]!.resources = { requests: { cpu: "800m" } };
  cluster.putPod(waiting);
  const scheduler = await startScheduler({ client: cluster.client, recorder: cluster.recorder, random: () => 0 });
  try {
    await waitFor("the claim to carry the chosen node", () => cluster.claimPatches.length === 1);
    cluster.putPod(makePod("late", { cpu: "500m" }));
    await waitFor("the late pod refused", () => cluster.events.some((e) => e.reason === "FailedScheduling" && e.object.metadata.name === "late"));
    assert.equal(cluster.events.find((e) => e.object.metadata.name === "late")?.message, "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
    cluster.putObject("persistentvolumes", volumeOn("pv-1", "a", { claimName: "data" }));
    cluster.putObject("persistentvolumeclaims", claim("data", { className: "local-path", volumeName: "pv-1", selectedNode: "a" }));
    await waitFor("the waiting pod bound on its own reservation", () => cluster.pod("default/db")?.spec.nodeName === "a");
  } finally {
    await scheduler.stop();
  }
});

test("a claim pre-bound to a volume on another node matches nothing on this one, not some other volume", () => {
  const claimed = claim("pinned", { className: "manual" });
  const prebound = volumeOn("mine", "b", { className: "manual", claimName: "pinned", phase: "Available" });
  const other = volumeOn("spare", "a", { className: "manual" });
  assert.equal(findMatchingVolume(claimed, [prebound, other], { node: nodeA.node, delayBinding: true }), undefined);
  assert.equal(findMatchingVolume(claimed, [prebound, other], { node: nodeB.node, delayBinding: true })?.metadata.name, "mine");
});
