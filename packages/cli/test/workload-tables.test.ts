import { test } from "node:test";
import assert from "node:assert/strict";
import type { Event, StatefulSet } from "@bosun/api";
import { printTable } from "../src/printers/tables.js";
import { daemonSet, deployment, pod, replicaSet, template } from "../src/testing/workloads.js";

const now = Date.parse("2024-05-01T12:00:00Z");

test("deployments: READY UP-TO-DATE AVAILABLE AGE, and wide CONTAINERS IMAGES SELECTOR", () => {
  const d = deployment("web", { replicas: 3, status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } });
  assert.equal(printTable("Deployment", [d], { now }), "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    2/3     3            2           60m\n");
  assert.equal(
    printTable("Deployment", [d], { now, wide: true }),
    "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES      SELECTOR\n" +
      "web    2/3     3            2           60m   web          busybox:2   app=web\n",
  );
  const fresh = deployment("new", { replicas: 2 });
  assert.match(printTable("Deployment", [fresh], { now }), /\nnew +0\/2 +0 +0 +60m\n$/);
});

test("replicasets: DESIRED CURRENT READY AGE", () => {
  const rs = replicaSet(deployment("web"), "5d78c9b6f", 1, "busybox:1", { replicas: 3, ready: 1 });
  assert.equal(printTable("ReplicaSet", [rs], { now }), "NAME            DESIRED   CURRENT   READY   AGE\nweb-5d78c9b6f   3         3         1       60m\n");
  assert.match(printTable("ReplicaSet", [rs], { now, wide: true }), /busybox:1 +app=web,pod-template-hash=5d78c9b6f\n$/);
});

test("daemonsets: DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE", () => {
  const ds = daemonSet("agent");
  assert.equal(
    printTable("DaemonSet", [ds], { now }),
    "NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\n" +
      "agent   2         2         2       2            2           <none>          60m\n",
  );
  ds.spec.template.spec.nodeSelector = { zone: "b", disk: "ssd" };
  assert.match(printTable("DaemonSet", [ds], { now }), /\nagent +2 +2 +2 +2 +2 +disk=ssd,zone=b +60m\n$/);
});

test("statefulsets: READY AGE", () => {
  const sts: StatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default", creationTimestamp: "2024-05-01T11:58:00Z" },
    spec: { replicas: 3, selector: { matchLabels: { app: "db" } }, template: template("busybox:1", { app: "db" }) },
    status: { replicas: 2, readyReplicas: 1 },
  };
  assert.equal(printTable("StatefulSet", [sts], { now }), "NAME   READY   AGE\ndb     1/3     2m\n");
  assert.equal(printTable("StatefulSet", [sts], { now, wide: true }), "NAME   READY   AGE   CONTAINERS   IMAGES\ndb     1/3     2m    web          busybox:1\n");
});

test("several kinds: NAME becomes kind.group/name; NAMESPACE leads with -A", () => {
  const d = deployment("web", { status: { readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 } });
  assert.match(printTable("Deployment", [d], { now, withKind: true }), /\ndeployment\.apps\/web +3\/3 /);
  assert.match(printTable("Pod", [pod("web-1")], { now, withKind: true }), /\npod\/web-1 +0\/1 +Running/);
  assert.match(printTable("ReplicaSet", [replicaSet(d, "abc", 1, "x")], { now, withKind: true, withNamespace: true }), /^NAMESPACE +NAME .*\ndefault +replicaset\.apps\/web-abc /);
});

test("events: wide adds SUBOBJECT SOURCE FIRST SEEN COUNT NAME", () => {
  const ev: Event = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web.17c", namespace: "default" },
    involvedObject: { kind: "Deployment", name: "web", namespace: "default" },
    reason: "ScalingReplicaSet",
    message: "Scaled up replica set web-abc to 3",
    source: { component: "deployment-controller" },
    type: "Normal",
    count: 2,
    firstTimestamp: "2024-05-01T11:58:00Z",
    lastTimestamp: "2024-05-01T11:59:50Z",
  };
  assert.equal(
    printTable("Event", [ev], { now, wide: true }),
    "LAST SEEN   TYPE     REASON              OBJECT           SUBOBJECT   SOURCE                  MESSAGE                              FIRST SEEN   COUNT   NAME\n" +
      "10s         Normal   ScalingReplicaSet   deployment/web               deployment-controller   Scaled up replica set web-abc to 3   2m           2       web.17c\n",
  );
  // Without a NAME column there is nothing to qualify: events look the same in a mixed listing.
  assert.equal(printTable("Event", [ev], { now, withKind: true }), printTable("Event", [ev], { now }));
});
