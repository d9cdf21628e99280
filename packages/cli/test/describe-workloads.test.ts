import { test } from "node:test";
import assert from "node:assert/strict";
import type { CronJob, Event, Job, StatefulSet } from "@bosun/api";
import {
  describeCronJob,
  describeDaemonSet,
  describeDeployment,
  describeJob,
  describeReplicaSet,
  describeStatefulSet,
  podsStatus,
} from "../src/printers/describe-workloads.js";
import { describeProbe, describeToleration } from "../src/printers/describe-containers.js";
import { describePod } from "../src/printers/describe.js";
import { splitReplicaSets } from "../src/workloads/replicasets.js";
import { daemonSet, deployment, pod, replicaSet, template } from "../src/testing/workloads.js";

const now = Date.parse("2024-05-01T12:00:00Z");

const scaled: Event = {
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "web.1", namespace: "default" },
  involvedObject: { kind: "Deployment", name: "web", namespace: "default" },
  type: "Normal",
  reason: "ScalingReplicaSet",
  message: "Scaled up replica set web-bbb to 3",
  source: { component: "deployment-controller" },
  lastTimestamp: "2024-05-01T11:59:00Z",
};

test("a deployment: selector, replicas line, strategy, pod template, conditions, replica sets, events", () => {
  const d = deployment("web", {
    image: "busybox:2",
    annotations: { "deployment.kubernetes.io/revision": "2" },
    status: {
      replicas: 4,
      updatedReplicas: 3,
      availableReplicas: 3,
      readyReplicas: 3,
      unavailableReplicas: 1,
      conditions: [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
        { type: "Progressing", status: "True", reason: "ReplicaSetUpdated" },
      ],
    },
  });
  d.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: "50%" } };
  const old = replicaSet(d, "aaa", 1, "busybox:1", { replicas: 1 });
  const older = replicaSet(d, "zzz", 0, "busybox:0", { replicas: 0 });
  const current = replicaSet(d, "bbb", 2, "busybox:2", { replicas: 3 });
  const text = describeDeployment(d, splitReplicaSets(d, [older, old, current]), [scaled], now);
  const expected = [
    "Name:                   web",
    "Namespace:              default",
    "CreationTimestamp:      Wed, 01 May 2024 11:00:00 +0000",
    "Labels:                 <none>",
    "Annotations:            deployment.kubernetes.io/revision: 2",
    "Selector:               app=web",
    "Replicas:               3 desired | 3 updated | 4 total | 3 available | 1 unavailable",
    "StrategyType:           RollingUpdate",
    "MinReadySeconds:        0",
    "RollingUpdateStrategy:  1 max unavailable, 50% max surge",
    "Pod Template:",
    "  Labels:  app=web",
    "  Containers:",
    "    web:",
    "      Image:        busybox:2",
    "      Port:         <none>",
    "      Environment:  <none>",
    "      Mounts:       <none>",
    "  Volumes:          <none>",
    "  Node-Selectors:   <none>",
    "  Tolerations:      <none>",
    "Conditions:",
    "  Type           Status  Reason",
    "  ----           ------  ------",
    "  Available      True    MinimumReplicasAvailable",
    "  Progressing    True    ReplicaSetUpdated",
    "OldReplicaSets:  web-aaa (1/1 replicas created)",
    "NewReplicaSet:   web-bbb (3/3 replicas created)",
    "Events:",
    "  Type    Reason             Age   From                   Message",
    "  ----    ------             ----  ----                   -------",
    "  Normal  ScalingReplicaSet  60s   deployment-controller  Scaled up replica set web-bbb to 3",
    "",
  ].join("\n");
  assert.equal(text, expected);
});

test("an unset strategy reads as the API's default, 25% and 25%; Recreate has no rolling line", () => {
  const d = deployment("web");
  const text = describeDeployment(d, { oldRSs: [] }, [], now);
  assert.match(text, /\nStrategyType: +RollingUpdate\n/);
  assert.match(text, /\nRollingUpdateStrategy: +25% max unavailable, 25% max surge\n/);
  assert.match(text, /\nOldReplicaSets: +<none>\nNewReplicaSet: +<none>\n/);
  d.spec.strategy = { type: "Recreate" };
  assert.doesNotMatch(describeDeployment(d, { oldRSs: [] }, [], now), /RollingUpdateStrategy/);
});

test("a replicaset: controller, replicas, pods status", () => {
  const rs = replicaSet(deployment("web"), "bbb", 2, "busybox:2", { replicas: 3 });
  const text = describeReplicaSet(rs, [pod("a"), pod("b"), pod("c", { phase: "Pending" })], [], now);
  assert.match(text, /^Name: +web-bbb\nNamespace: +default\nSelector: +app=web,pod-template-hash=bbb\n/);
  assert.match(text, /\nControlled By: +Deployment\/web\nReplicas: +3 current \/ 3 desired\nPods Status: +2 Running \/ 1 Waiting \/ 0 Succeeded \/ 0 Failed\nPod Template:\n/);
  assert.match(text, /Events: +<none>\n$/);
});

test("a daemonset: node counts as kubectl prints them", () => {
  const text = describeDaemonSet(daemonSet("agent"), [pod("a"), pod("b")], [], now);
  assert.match(text, /\nNode-Selector: +<none>\n/);
  assert.match(
    text,
    /\nDesired Number of Nodes Scheduled: 2\nCurrent Number of Nodes Scheduled: 2\nNumber of Nodes Scheduled with Up-to-date Pods: 2\nNumber of Nodes Scheduled with Available Pods: 2\nNumber of Nodes Misscheduled: 0\nPods Status: +2 Running/,
  );
});

test("a statefulset: replicas, update strategy and partition", () => {
  const sts: StatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "db" } },
      template: template("busybox:1", { app: "db" }),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
    },
    status: { replicas: 2, readyReplicas: 2 },
  };
  const text = describeStatefulSet(sts, [pod("db-0"), pod("db-1")], [], now);
  assert.match(text, /\nReplicas: +3 desired \| 2 total\nUpdate Strategy: +RollingUpdate\n {2}Partition: +0\nPods Status: +2 Running \/ 0 Waiting/);
});

test("a statefulset's claim templates, as kubectl's Volume Claims section", () => {
  const sts: StatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "db" } },
      template: template("busybox:1", { app: "db" }),
      volumeClaimTemplates: [
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: { name: "data", labels: { tier: "db", app: "db" } },
          spec: { accessModes: ["ReadWriteOnce", "ReadOnlyMany"], resources: { requests: { storage: "1Gi" } }, storageClassName: "local-path" },
        },
        { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "logs", annotations: { note: "x" } }, spec: { accessModes: ["ReadWriteOnce"] } },
      ],
    },
  };
  const text = describeStatefulSet(sts, [], [], now);
  const section = text.slice(text.indexOf("Volume Claims:"));
  assert.equal(
    section.replace(/[ \t]+\n/g, "\n").replace(/ {2,}/g, "  "),
    [
      "Volume Claims:",
      "  Name:  data",
      "  StorageClass:  local-path",
      "  Labels:  app=db",
      "  tier=db",
      "  Annotations:  <none>",
      "  Capacity:  1Gi",
      "  Access Modes:  [ReadWriteOnce ReadOnlyMany]",
      "  Name:  logs",
      "  StorageClass:",
      "  Labels:  <none>",
      "  Annotations:  note=x",
      "  Capacity:  <default>",
      "  Access Modes:  [ReadWriteOnce]",
      "Events:  <none>",
      "",
    ].join("\n"),
  );
  delete sts.spec.volumeClaimTemplates;
  assert.match(describeStatefulSet(sts, [], [], now), /\nVolume Claims: +<none>\n/);
});

test("a job: completions, backoff limit, times, pods statuses", () => {
  const job: Job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default" },
    spec: {
      parallelism: 2,
      completions: 3,
      backoffLimit: 4,
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u1" } },
      template: { spec: { containers: [{ name: "pi", image: "busybox:1" }], restartPolicy: "Never" } },
    },
    status: { startTime: "2024-05-01T11:58:00Z", completionTime: "2024-05-01T11:59:05Z", succeeded: 3, active: 0, failed: 1, ready: 0 },
  };
  const text = describeJob(job, [], now);
  assert.match(text, /\nSelector: +batch\.kubernetes\.io\/controller-uid=u1\n/);
  assert.match(text, /\nParallelism: +2\nCompletions: +3\nBackoff Limit: +4\nStart Time: +Wed, 01 May 2024 11:58:00 \+0000\nCompleted At: +Wed, 01 May 2024 11:59:05 \+0000\nDuration: +65s\n/);
  assert.match(text, /\nPods Statuses: +0 Active \(0 Ready\) \/ 3 Succeeded \/ 1 Failed\n/);
});

test("an Indexed job: completion mode and completed indexes, cut after 50 characters as kubectl does", () => {
  const job: Job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "idx", namespace: "default" },
    spec: {
      completions: 300,
      completionMode: "Indexed",
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u2" } },
      template: { spec: { containers: [{ name: "w", image: "busybox:1" }], restartPolicy: "Never" } },
    },
    status: { completedIndexes: "0-2,4" },
  };
  assert.match(describeJob(job, [], now), /\nCompletion Mode: +Indexed\n(?:.*\n)*Pods Statuses: +0 Active \/ 0 Succeeded \/ 0 Failed\nCompleted Indexes: +0-2,4\n/);
  const many = Array.from({ length: 40 }, (_, i) => String(i * 2)).join(",");
  const cut = describeJob({ ...job, status: { completedIndexes: many } }, [], now);
  assert.match(cut, /\nCompleted Indexes: +0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,\.\.\.\n/);
  assert.match(describeJob({ ...job, status: {} }, [], now), /\nCompleted Indexes: +<none>\n/);
});

test("a cronjob: schedule, policies, unset limits, last schedule and active jobs", () => {
  const cj: CronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "hello", namespace: "default" },
    spec: {
      schedule: "*/5 * * * *",
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      jobTemplate: { spec: { template: { spec: { containers: [{ name: "hello", image: "busybox:1" }] } } } },
    },
    status: { lastScheduleTime: "2024-05-01T11:55:00Z", active: [{ name: "hello-28585" }] },
  };
  const text = describeCronJob(cj, [], now);
  assert.match(text, /\nSchedule: +\*\/5 \* \* \* \*\nConcurrency Policy: +Forbid\nSuspend: +<unset>\nSuccessful Job History Limit: +3\nFailed Job History Limit: +<unset>\nStarting Deadline Seconds: +<unset>\nSelector: +<unset>\nParallelism: +<unset>\nCompletions: +<unset>\nPod Template:\n/);
  assert.match(text, /\nLast Schedule Time: +Wed, 01 May 2024 11:55:00 \+0000\nActive Jobs: +hello-28585\n/);
});

test("probes and tolerations read as kubectl prints them", () => {
  assert.equal(describeProbe({ exec: { command: ["cat", "/tmp/healthy"] }, initialDelaySeconds: 5 }), "exec [cat /tmp/healthy] delay=5s timeout=1s period=10s #success=1 #failure=3");
  assert.equal(describeProbe({ httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 3, failureThreshold: 1 }), "http-get http://:8080/healthz delay=0s timeout=1s period=3s #success=1 #failure=1");
  assert.equal(describeProbe({ tcpSocket: { port: "http" }, timeoutSeconds: 2 }), "tcp-socket :http delay=0s timeout=2s period=10s #success=1 #failure=3");
  assert.equal(describeToleration({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }), "node.kubernetes.io/unreachable:NoExecute op=Exists for 300s");
  assert.equal(describeToleration({ operator: "Exists" }), "op=Exists");
  assert.equal(describeToleration({ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }), "dedicated=gpu:NoSchedule");
});

test("a pod names its controller and lists its probes and tolerations", () => {
  const p = pod("web-bbb-x1", { owner: { kind: "ReplicaSet", name: "web-bbb" } });
  p.spec.containers[0]!.readinessProbe = { tcpSocket: { port: 80 } };
  p.spec.tolerations = [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }];
  const text = describePod(p, [], now);
  assert.match(text, /\nControlled By: +ReplicaSet\/web-bbb\n/);
  assert.match(text, /\n {4}Readiness: +tcp-socket :80 delay=0s timeout=1s period=10s #success=1 #failure=3\n/);
  assert.match(text, /\nTolerations: +node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s\n/);
});

test("pods status counts phases; Pending counts as Waiting", () => {
  assert.equal(podsStatus([pod("a", { phase: "Succeeded" }), pod("b", { phase: "Failed" }), pod("c", { phase: "Pending" })]), "0 Running / 1 Waiting / 1 Succeeded / 1 Failed");
});
