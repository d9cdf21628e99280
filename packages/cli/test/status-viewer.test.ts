import { test } from "node:test";
import assert from "node:assert/strict";
import type { DaemonSet, StatefulSet } from "@bosun/api";
import { daemonSetStatus, deploymentStatus, statefulSetStatus, statusViewerFor } from "../src/rollout/status-viewer.js";
import { daemonSet, deployment, template } from "../src/testing/workloads.js";

test("deployment messages, word for word as kubectl's DeploymentStatusViewer", () => {
  const at = (status: NonNullable<ReturnType<typeof deployment>["status"]>, generation = 1) => deploymentStatus(deployment("web", { replicas: 3, generation, status }));
  assert.deepEqual(at({ observedGeneration: 1 }, 2), { message: "Waiting for deployment spec update to be observed...", done: false });
  assert.deepEqual(at({ observedGeneration: 2, updatedReplicas: 1, replicas: 3 }, 2), {
    message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    done: false,
  });
  assert.equal(at({ observedGeneration: 1, updatedReplicas: 3, replicas: 4 }).message, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...');
  assert.equal(at({ observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 2 }).message, 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...');
  assert.deepEqual(at({ observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }), { message: 'deployment "web" successfully rolled out', done: true });
});

test("a deployment past its progress deadline is an error, once the controller saw the spec", () => {
  const conditions = [{ type: "Progressing", status: "False" as const, reason: "ProgressDeadlineExceeded" }];
  assert.throws(() => deploymentStatus(deployment("web", { status: { observedGeneration: 1, conditions } })), /^CliError: deployment "web" exceeded its progress deadline$/);
  // A newer spec the controller has not seen yet is not judged by the old condition.
  assert.equal(deploymentStatus(deployment("web", { generation: 2, status: { observedGeneration: 1, conditions } })).message, "Waiting for deployment spec update to be observed...");
});

test("--revision pins the deployment's revision", () => {
  const d = deployment("web", { annotations: { "deployment.kubernetes.io/revision": "3" }, status: { observedGeneration: 1 } });
  assert.throws(() => deploymentStatus(d, 2), /desired revision \(2\) is different from the running revision \(3\)/);
  assert.equal(deploymentStatus(d, 3).done, false);
  // As kubectl: a deployment without the annotation is at revision 0.
  assert.throws(() => deploymentStatus(deployment("web"), 1), /desired revision \(1\) is different from the running revision \(0\)/);
  const garbled = deployment("web", { annotations: { "deployment.kubernetes.io/revision": "three" }, status: { observedGeneration: 1 } });
  assert.throws(() => deploymentStatus(garbled, 1), /cannot get the revision of deployment "web": its deployment.kubernetes.io\/revision annotation is not a number/);
});

test("daemon set messages", () => {
  const ds: DaemonSet = { ...daemonSet("agent"), status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1, observedGeneration: 1 } };
  assert.equal(daemonSetStatus(ds).message, 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...');
  ds.status!.updatedNumberScheduled = 3;
  assert.equal(daemonSetStatus(ds).message, 'Waiting for daemon set "agent" rollout to finish: 1 of 3 updated pods are available...');
  ds.status!.numberAvailable = 3;
  assert.deepEqual(daemonSetStatus(ds), { message: 'daemon set "agent" successfully rolled out', done: true });
  ds.spec.updateStrategy = { type: "OnDelete" };
  assert.throws(() => daemonSetStatus(ds), /rollout status is only available for RollingUpdate strategy type/);
});

test("statefulset messages, partitioned and not", () => {
  const sts: StatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", generation: 1 },
    spec: { replicas: 3, selector: { matchLabels: { app: "db" } }, template: template("busybox:1", { app: "db" }) },
    status: { replicas: 3, observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1, currentRevision: "db-1", updateRevision: "db-2" },
  };
  assert.equal(statefulSetStatus(sts).message, "Waiting for 2 pods to be ready...");
  sts.status!.readyReplicas = 3;
  assert.equal(statefulSetStatus(sts).message, "waiting for statefulset rolling update to complete 1 pods at revision db-2...");
  Object.assign(sts.status!, { currentRevision: "db-2", currentReplicas: 3, updatedReplicas: 3 });
  assert.deepEqual(statefulSetStatus(sts), { message: "statefulset rolling update complete 3 pods at revision db-2...", done: true });
  sts.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 1 } };
  sts.status!.updatedReplicas = 1;
  assert.equal(statefulSetStatus(sts).message, "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...");
  sts.status!.updatedReplicas = 2;
  assert.deepEqual(statefulSetStatus(sts), { message: "partitioned roll out complete: 2 new pods have been updated...", done: true });
  sts.status!.observedGeneration = 0;
  assert.equal(statefulSetStatus(sts).message, "Waiting for statefulset spec update to be observed...");
});

test("only deployments, daemonsets and statefulsets have a status viewer", () => {
  assert.ok(statusViewerFor("Deployment"));
  assert.ok(statusViewerFor("DaemonSet"));
  assert.ok(statusViewerFor("StatefulSet"));
  assert.equal(statusViewerFor("ReplicaSet"), undefined);
});
