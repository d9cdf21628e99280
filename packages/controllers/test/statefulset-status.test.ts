// StatefulSet identity, revisions and status: names and labels, the template read
// back from a revision, and when the update revision becomes the current one.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, StatefulSet } from "@bosun/api";
import { identityMatches, newStatefulSetPod, ordinalOf } from "../src/statefulset/identity.js";
import { revisionOf, templateOfNamedRevision } from "../src/statefulset/revisions.js";
import { newControllerRevision } from "../src/history/revisions.js";
import { computeStatefulSetStatus, nextStatefulSetStatus } from "../src/statefulset/status.js";
import { statefulSetSettings } from "../src/statefulset/defaults.js";

function set(extra: Partial<StatefulSet["spec"]> = {}, status?: StatefulSet["status"]): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "shop", uid: "set-uid", generation: 4 },
    spec: {
      replicas: 3,
      serviceName: "nginx",
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" }, annotations: { note: "x" } },
        spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], nodeSelector: { disk: "ssd" } },
      },
      ...extra,
    },
    ...(status ? { status } : {}),
  };
}

function withStatus(pod: Pod, phase: "Running" | "Pending", ready: boolean, revision?: string, deleting = false): Pod {
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      labels: { ...pod.metadata.labels, ...(revision ? { "controller-revision-hash": revision } : {}) },
      ...(deleting ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}),
    },
    status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: "2025-01-01T00:00:00Z" }] },
  };
}

test("ordinals come from names '<set>-<n>' only", () => {
  const named = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name } });
  assert.equal(ordinalOf("web", named("web-0")), 0);
  assert.equal(ordinalOf("web", named("web-12")), 12);
  assert.equal(ordinalOf("web", named("web-x")), -1);
  assert.equal(ordinalOf("web", named("webby-1")), -1);
  assert.equal(ordinalOf("my-web", named("my-web-3")), 3);
  assert.equal(ordinalOf("web", named("my-web-3")), -1);
});

test("a new pod carries its name, identity labels, revision, hostname, subdomain and owner", () => {
  const s = set();
  const pod = newStatefulSetPod(s, s.spec.template, 2, "web-abc");
  assert.equal(pod.metadata.name, "web-2");
  assert.equal(pod.metadata.namespace, "shop");
  assert.equal(pod.metadata.generateName, undefined);
  assert.deepEqual(pod.metadata.labels, {
    app: "web",
    "statefulset.kubernetes.io/pod-name": "web-2",
    "apps.kubernetes.io/pod-index": "2",
    "controller-revision-hash": "web-abc",
  });
  assert.equal(pod.spec.hostname, "web-2");
  assert.equal(pod.spec.subdomain, "nginx");
  assert.deepEqual(pod.metadata.ownerReferences, [
    { apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "set-uid", controller: true, blockOwnerDeletion: true },
  ]);
  assert.ok(identityMatches(s, pod));
  assert.equal(identityMatches(s, { ...pod, metadata: { ...pod.metadata, labels: { app: "web" } } }), false);
});

test("revisions: a pod is made from a revision's template and labelled with the revision's name", () => {
  const s = set();
  const revision = newControllerRevision(s, s.spec.template, 1, 0);
  assert.match(revision.metadata.name ?? "", /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  const revisions = { current: revision, update: revision, collisionCount: 0, all: [revision] };
  const template = templateOfNamedRevision(revisions, revision.metadata.name ?? "");
  assert.deepEqual(template, s.spec.template);
  const pod = newStatefulSetPod(s, template!, 1, revision.metadata.name ?? "");
  assert.equal(revisionOf(pod), revision.metadata.name);
  assert.equal(templateOfNamedRevision(revisions, "web-gone"), undefined);
});

test("defaults: one replica, OrderedReady, RollingUpdate from partition 0", () => {
  const bare = set({ replicas: undefined, serviceName: undefined });
  assert.deepEqual(statefulSetSettings(bare), { replicas: 1, monotonic: true, rollingUpdate: true, partition: 0, minReadySeconds: 0 });
  const custom = set({ podManagementPolicy: "Parallel", updateStrategy: { type: "OnDelete" } });
  assert.deepEqual(statefulSetSettings(custom), { replicas: 3, monotonic: false, rollingUpdate: false, partition: 0, minReadySeconds: 0 });
  const partitioned = set({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } }, minReadySeconds: 5 });
  assert.deepEqual(statefulSetSettings(partitioned), { replicas: 3, monotonic: true, rollingUpdate: true, partition: 2, minReadySeconds: 5 });
});

test("status counts pods by readiness and revision; a finished rolling update makes the update revision current", () => {
  const s = set();
  const mk = (i: number, ready: boolean, revision: string, deleting = false) =>
    withStatus(newStatefulSetPod(s, s.spec.template, i, revision), "Running", ready, revision, deleting);
  const base = { currentRevision: "web-old", updateRevision: "web-new", rollingUpdate: true, minReadySeconds: 0, generation: 4, collisionCount: undefined, nowMs: Date.now() };
  const mid = computeStatefulSetStatus({ ...base, pods: [mk(0, true, "web-old"), mk(1, true, "web-old"), mk(2, false, "web-new")] });
  assert.deepEqual(mid, {
    replicas: 3,
    readyReplicas: 2,
    availableReplicas: 2,
    currentReplicas: 2,
    updatedReplicas: 1,
    currentRevision: "web-old",
    updateRevision: "web-new",
    observedGeneration: 4,
  });
  const terminating = computeStatefulSetStatus({ ...base, pods: [mk(0, true, "web-old", true)] });
  assert.equal(terminating.replicas, 1);
  assert.equal(terminating.currentReplicas, 0);
  const done = computeStatefulSetStatus({ ...base, pods: [mk(0, true, "web-new"), mk(1, true, "web-new")] });
  assert.equal(done.currentRevision, "web-new");
  assert.equal(done.currentReplicas, 2);
  const onDelete = computeStatefulSetStatus({ ...base, rollingUpdate: false, pods: [mk(0, true, "web-new")] });
  assert.equal(onDelete.currentRevision, "web-old", "OnDelete never completes an update on its own, as in Kubernetes");
});

test("status is written only when it changed", () => {
  const computed = { replicas: 1, readyReplicas: 1, availableReplicas: 1, currentReplicas: 1, updatedReplicas: 1, currentRevision: "a", updateRevision: "a", observedGeneration: 2 };
  assert.equal(nextStatefulSetStatus({ ...computed }, computed), undefined);
  assert.deepEqual(nextStatefulSetStatus({ ...computed, readyReplicas: 0 }, computed), computed);
  assert.deepEqual(nextStatefulSetStatus(undefined, computed), computed);
});
