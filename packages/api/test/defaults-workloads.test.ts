import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  mustResource,
  type CronJob,
  type DaemonSet,
  type Deployment,
  type Job,
  type PodTemplateSpec,
  type ReplicaSet,
  type StatefulSet,
} from "../src/index.js";

function template(): PodTemplateSpec {
  return { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 80 }] }] } };
}

const selector = { matchLabels: { app: "web" } };
const meta = { name: "w", namespace: "default" };

/** The pod defaults every template gets, exactly as a pod's spec gets them. */
function assertPodSpecDefaulted(t: PodTemplateSpec): void {
  assert.equal(t.spec.restartPolicy, "Always");
  assert.equal(t.spec.terminationGracePeriodSeconds, 30);
  assert.equal(t.spec.dnsPolicy, "ClusterFirst");
  assert.equal(t.spec.schedulerName, "default-scheduler");
  const c = t.spec.containers[0]!;
  assert.equal(c.imagePullPolicy, "Always");
  assert.equal(c.terminationMessagePath, "/dev/termination-log");
  assert.equal(c.ports![0]!.protocol, "TCP");
}

test("Deployment: replicas, RollingUpdate 25%/25%, history, deadline, template pod defaults", () => {
  const d: Deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { ...meta }, spec: { selector, template: template() } };
  applyDefaults(mustResource("deployments"), d);
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  assert.equal(d.spec.minReadySeconds, 0);
  assertPodSpecDefaulted(d.spec.template);
  assert.equal((d as { status?: unknown }).status, undefined, "templates get no pod status");
});

test("Deployment: Recreate gets no rollingUpdate; what the user set is kept", () => {
  const d: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { ...meta },
    spec: { replicas: 0, selector, template: template(), strategy: { type: "Recreate" }, revisionHistoryLimit: 0 },
  };
  applyDefaults(mustResource("deploy"), d);
  assert.deepEqual(d.spec.strategy, { type: "Recreate" });
  assert.equal(d.spec.replicas, 0);
  assert.equal(d.spec.revisionHistoryLimit, 0);
  const partial: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { ...meta },
    spec: { selector, template: template(), strategy: { rollingUpdate: { maxSurge: 2 } } },
  };
  applyDefaults(mustResource("deploy"), partial);
  assert.deepEqual(partial.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: "25%" } });
});

test("ReplicaSet: replicas 1", () => {
  const rs: ReplicaSet = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { ...meta }, spec: { selector, template: template() } };
  applyDefaults(mustResource("rs"), rs);
  assert.equal(rs.spec.replicas, 1);
  assertPodSpecDefaulted(rs.spec.template!);
});

test("DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, history 10", () => {
  const ds: DaemonSet = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { ...meta }, spec: { selector, template: template() } };
  applyDefaults(mustResource("ds"), ds);
  assert.deepEqual(ds.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  assertPodSpecDefaulted(ds.spec.template);
  const onDelete: DaemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { ...meta },
    spec: { selector, template: template(), updateStrategy: { type: "OnDelete" } },
  };
  applyDefaults(mustResource("ds"), onDelete);
  assert.deepEqual(onDelete.spec.updateStrategy, { type: "OnDelete" });
});

test("StatefulSet: replicas 1, OrderedReady, RollingUpdate partition 0, history 10", () => {
  const sts: StatefulSet = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { ...meta }, spec: { selector, template: template() } };
  applyDefaults(mustResource("sts"), sts);
  assert.equal(sts.spec.replicas, 1);
  assert.equal(sts.spec.podManagementPolicy, "OrderedReady");
  assert.deepEqual(sts.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
  assert.equal(sts.spec.revisionHistoryLimit, 10);
  assertPodSpecDefaulted(sts.spec.template);
  // As Kubernetes: an explicit RollingUpdate without parameters stays without them.
  const explicit: StatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { ...meta },
    spec: { selector, template: template(), updateStrategy: { type: "RollingUpdate" }, podManagementPolicy: "Parallel" },
  };
  applyDefaults(mustResource("sts"), explicit);
  assert.deepEqual(explicit.spec.updateStrategy, { type: "RollingUpdate" });
  assert.equal(explicit.spec.podManagementPolicy, "Parallel");
});

function job(spec: Partial<Job["spec"]> = {}, labels?: Record<string, string>): Job {
  const t = template();
  t.spec.restartPolicy = "Never";
  return { apiVersion: "batch/v1", kind: "Job", metadata: { ...meta, ...(labels ? { labels } : {}) }, spec: { template: t, ...spec } };
}

test("Job: completions and parallelism 1 only when both are unset; backoffLimit, completionMode, suspend", () => {
  const plain = job();
  applyDefaults(mustResource("jobs"), plain);
  assert.equal(plain.spec.completions, 1);
  assert.equal(plain.spec.parallelism, 1);
  assert.equal(plain.spec.backoffLimit, 6);
  assert.equal(plain.spec.completionMode, "NonIndexed");
  assert.equal(plain.spec.suspend, false);
  assert.equal(plain.spec.template.spec.restartPolicy, "Never");
  assert.equal(plain.spec.template.spec.terminationGracePeriodSeconds, 30);

  const workQueue = job({ parallelism: 3 });
  applyDefaults(mustResource("jobs"), workQueue);
  assert.equal(workQueue.spec.completions, undefined, "a work queue Job keeps completions unset");
  assert.equal(workQueue.spec.parallelism, 3);

  const fixed = job({ completions: 5 });
  applyDefaults(mustResource("jobs"), fixed);
  assert.equal(fixed.spec.completions, 5);
  assert.equal(fixed.spec.parallelism, 1);
});

test("Job: takes its template's labels when it has none of its own", () => {
  const unlabeled = job();
  applyDefaults(mustResource("jobs"), unlabeled);
  assert.deepEqual(unlabeled.metadata.labels, { app: "web" });
  unlabeled.spec.template.metadata!.labels!.extra = "x";
  assert.deepEqual(unlabeled.metadata.labels, { app: "web" }, "a copy, not the same map");
  const labeled = job({}, { team: "a" });
  applyDefaults(mustResource("jobs"), labeled);
  assert.deepEqual(labeled.metadata.labels, { team: "a" });
});

test("CronJob: Allow, not suspended, history 3 and 1; the job template's pod spec is defaulted", () => {
  const t = template();
  t.spec.restartPolicy = "OnFailure";
  const cj: CronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { ...meta },
    spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: t } } },
  };
  applyDefaults(mustResource("cj"), cj);
  assert.equal(cj.spec.concurrencyPolicy, "Allow");
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, "ClusterFirst");
  assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, "OnFailure");
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined, "Job defaults wait for the Job");
});

test("probes get Kubernetes' defaults; 0 counts as unset", () => {
  const d: Deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { ...meta }, spec: { selector, template: template() } };
  const c = d.spec.template.spec.containers[0]!;
  c.livenessProbe = { httpGet: { port: 8080 }, periodSeconds: 0 };
  c.readinessProbe = { exec: { command: ["true"] }, failureThreshold: 7 };
  applyDefaults(mustResource("deploy"), d);
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 8080, path: "/", scheme: "HTTP" },
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(c.readinessProbe.failureThreshold, 7);
  assert.equal(c.readinessProbe.periodSeconds, 10);
});

test("malformed workloads do not make defaulting throw", () => {
  for (const kind of ["deploy", "rs", "ds", "sts", "jobs", "cj"]) {
    const res = mustResource(kind);
    for (const spec of [undefined, "x", { template: "y", strategy: 3, updateStrategy: [], jobTemplate: { spec: 1 } }]) {
      const obj = { apiVersion: "x", kind: res.kind, metadata: { name: "m" }, spec } as unknown as Deployment;
      assert.doesNotThrow(() => applyDefaults(res, obj), `${kind} with spec ${JSON.stringify(spec)}`);
    }
  }
});
