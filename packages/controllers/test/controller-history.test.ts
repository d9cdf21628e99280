// ControllerRevisions as the DaemonSet and StatefulSet controllers make them
// (naming, hashing, equality, pruning), the daemon pod's node affinity, and the
// ReplicaSet controller's view of a ReplicationController. Pure functions only; the
// controllers' own tests run them against an apiserver.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ControllerRevision, DaemonSet, Pod, PodTemplateSpec, ReplicationController, StatefulSet } from "@bosun/api";
import { daemonSetRevision, revisionHash } from "../src/daemonset/history.js";
import { targetNodeName, withNodeNameAffinity } from "../src/daemonset/node-affinity.js";
import {
  controllerRevisionName,
  equalRevision,
  hashControllerRevision,
  newControllerRevision,
  nextRevisionNumber,
  revisionMatches,
  revisionsToPrune,
  sortRevisions,
} from "../src/history/revisions.js";
import { replicaSetKind, replicationControllerKind } from "../src/replicaset/kinds.js";
import { templateHash } from "../src/common/hash.js";

const safe = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

function template(image: string): PodTemplateSpec {
  return { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image }] } };
}

const set: StatefulSet = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "shop", uid: "set-uid", annotations: { "kubernetes.io/change-cause": "v1" } },
  spec: { selector: { matchLabels: { app: "web" } }, template: template("busybox:1") },
};

test("a StatefulSet's revision: named after the set and the hash of its data, labelled, owned, annotated", () => {
  const r = newControllerRevision(set, set.spec.template, 1, 0);
  const hash = r.metadata.labels?.["controller.kubernetes.io/hash"] ?? "";
  assert.match(hash, safe);
  assert.equal(r.metadata.name, `web-${hash}`);
  assert.equal(hash, hashControllerRevision(r, 0));
  assert.equal(r.metadata.labels?.app, "web", "the template's labels, which the selector matches");
  assert.deepEqual(r.metadata.ownerReferences?.map((o) => [o.kind, o.uid, o.controller]), [["StatefulSet", "set-uid", true]]);
  assert.equal(r.metadata.annotations?.["kubernetes.io/change-cause"], "v1");
  assert.deepEqual(r.data, { spec: { template: { ...set.spec.template, $patch: "replace" } } });
  // Another collision count, another name; another template, another hash.
  assert.notEqual(newControllerRevision(set, set.spec.template, 1, 1).metadata.name, r.metadata.name);
  assert.notEqual(newControllerRevision(set, template("busybox:2"), 1, 0).metadata.name, r.metadata.name);
  assert.equal(newControllerRevision(set, structuredClone(set.spec.template), 7, 0).metadata.name, r.metadata.name, "the number is not hashed");
  assert.equal(controllerRevisionName("x".repeat(300), "abc"), `${"x".repeat(223)}-abc`);
});

test("equal revisions hold the same data; revisions sort by number; the next number follows the highest", () => {
  const a = newControllerRevision(set, template("busybox:1"), 1, 0);
  const b = newControllerRevision(set, template("busybox:2"), 3, 0);
  const a2 = newControllerRevision(set, template("busybox:1"), 4, 0);
  assert.ok(equalRevision(a, a2));
  assert.equal(equalRevision(a, b), false);
  assert.deepEqual(sortRevisions([a2, b, a]).map((r) => r.revision), [1, 3, 4]);
  assert.equal(nextRevisionNumber([a2, b, a]), 5);
  assert.equal(nextRevisionNumber([]), 1);
  assert.ok(revisionMatches(a, template("busybox:1")));
  assert.equal(revisionMatches(a, template("busybox:2")), false);
});

test("pruning keeps the newest `limit` revisions that are not live, and every live one", () => {
  const revs: ControllerRevision[] = [1, 2, 3, 4, 5].map((n) => ({ ...newControllerRevision(set, template(`busybox:${n}`), n, 0) }));
  const live = new Set([revs[0]!.metadata.name, revs[4]!.metadata.name]);
  const pruned = revisionsToPrune(revs, (r) => live.has(r.metadata.name), 1);
  assert.deepEqual(pruned.map((r) => r.revision), [2, 3], "revision 1 is live; of 2, 3, 4 the newest stays");
  assert.deepEqual(revisionsToPrune(revs, () => false, 10), []);
  assert.deepEqual(revisionsToPrune(revs, () => false, 0).map((r) => r.revision), [1, 2, 3, 4, 5]);
  // The DaemonSet's rule counts the live revisions against the limit too, and still spares them.
  assert.deepEqual(
    revisionsToPrune(revs, (r) => live.has(r.metadata.name), 2, { countLive: true }).map((r) => r.revision),
    [2, 3, 4],
    "five old revisions against a limit of 2: three go, the oldest that are not live (1 and 5 are)",
  );
  assert.deepEqual(revisionsToPrune(revs, (r) => live.has(r.metadata.name), 2).map((r) => r.revision), [2], "the StatefulSet's rule keeps 2 besides the live ones");
});

test("a DaemonSet's revision is named and labelled with the template hash its pods carry", () => {
  const ds: DaemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "kube-system", uid: "ds-uid" },
    spec: { selector: { matchLabels: { app: "web" } }, template: template("busybox:1") },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, collisionCount: 2 },
  };
  const r = daemonSetRevision(ds, 3);
  const hash = templateHash(ds.spec.template, 2);
  assert.equal(r.metadata.name, `agent-${hash}`);
  assert.equal(r.metadata.labels?.["controller-revision-hash"], hash);
  assert.equal(revisionHash(r), hash);
  assert.equal(r.revision, 3);
  assert.ok(revisionMatches(r, ds.spec.template));
  // A revision from before the label was kept stands for its name.
  assert.equal(revisionHash({ ...r, metadata: { name: "agent-old" } }), "agent-old");
});

test("a daemon pod names its node through a required matchFields term that replaces the template's own", () => {
  const affinity = withNodeNameAffinity(
    {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "zone", operator: "Exists" }] } }],
      },
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] },
    },
    "node-1",
  );
  assert.deepEqual(affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] }],
  });
  assert.equal(affinity.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length, 1, "preferences stay");
  assert.ok(affinity.podAntiAffinity, "other affinities stay");
  assert.deepEqual(withNodeNameAffinity(undefined, "n"), {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n"] }] }] } },
  });

  const pod = (spec: Partial<Pod["spec"]>): Pod => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [], ...spec } });
  assert.equal(targetNodeName(pod({ affinity })), "node-1");
  assert.equal(targetNodeName(pod({ affinity, nodeName: "bound" })), "bound", "a bound pod is where it is bound");
  assert.equal(targetNodeName(pod({})), undefined);
  const twoNames = withNodeNameAffinity(undefined, "a");
  twoNames.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0]!.matchFields![0]!.values = ["a", "b"];
  assert.equal(targetNodeName(pod({ affinity: twoNames })), undefined);
});

test("the ReplicaSet controller reads an RC as a ReplicaSet that still names the RC", () => {
  const rc: ReplicationController = {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: "web", namespace: "shop", uid: "rc-uid" },
    spec: { replicas: 2, minReadySeconds: 5, selector: { app: "web" }, template: template("busybox:1") },
  };
  const view = replicationControllerKind.view(rc);
  assert.deepEqual([view.apiVersion, view.kind, view.metadata.uid], ["v1", "ReplicationController", "rc-uid"]);
  assert.deepEqual(view.spec, { replicas: 2, minReadySeconds: 5, selector: { matchLabels: { app: "web" } }, template: template("busybox:1") });
  assert.deepEqual(rc.spec.selector, { app: "web" }, "the RC itself is not changed");
  assert.equal(replicationControllerKind.res.resource, "replicationcontrollers");
  assert.equal(replicaSetKind.res.resource, "replicasets");
});
