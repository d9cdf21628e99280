import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { call, apiServerForSuite } from "../src/testing/index.js";

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; resourceVersion: string; generation?: number; uid: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & { template?: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> } };
  status?: Record<string, unknown>;
};
type StatusBody = { kind: string; reason: string; code: number; message: string; details?: { causes?: { field?: string; message?: string }[] } };

const ns = "/namespaces/default";
const paths: Record<string, string> = {
  Deployment: `/apis/apps/v1${ns}/deployments`,
  ReplicaSet: `/apis/apps/v1${ns}/replicasets`,
  DaemonSet: `/apis/apps/v1${ns}/daemonsets`,
  StatefulSet: `/apis/apps/v1${ns}/statefulsets`,
  Job: `/apis/batch/v1${ns}/jobs`,
  CronJob: `/apis/batch/v1${ns}/cronjobs`,
};

function podTemplate(labels: Record<string, string>, restartPolicy?: string): Record<string, unknown> {
  return { metadata: { labels }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], ...(restartPolicy ? { restartPolicy } : {}) } };
}

/** A valid manifest of each kind, as a user would write it. */
function manifest(kind: string, name: string): Record<string, unknown> & { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  const labels = { app: name };
  const group = kind === "Job" || kind === "CronJob" ? "batch/v1" : "apps/v1";
  const base = { apiVersion: group, kind, metadata: { name } };
  switch (kind) {
    case "Job":
      return { ...base, spec: { template: podTemplate(labels, "Never") } };
    case "CronJob":
      return { ...base, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: podTemplate(labels, "OnFailure") } } } };
    default:
      return { ...base, spec: { selector: { matchLabels: labels }, template: podTemplate(labels) } };
  }
}

describe("workloads", () => {
  const api = apiServerForSuite();

  test("every kind is created with Kubernetes' defaults and generation 1", async () => {
    for (const kind of Object.keys(paths)) {
      const res = await call<Obj>(api.url, "POST", paths[kind]!, manifest(kind, `d-${kind.toLowerCase()}`));
      assert.equal(res.status, 201, `${kind}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.metadata.generation, 1, kind);
      const got = await call<Obj>(api.url, "GET", `${paths[kind]}/d-${kind.toLowerCase()}`);
      assert.deepEqual(got.body, res.body, `${kind}: what was returned is what is stored`);
    }
    const deploy = (await call<Obj>(api.url, "GET", `${paths.Deployment}/d-deployment`)).body;
    assert.equal(deploy.spec.replicas, 1);
    assert.deepEqual(deploy.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
    assert.equal(deploy.spec.revisionHistoryLimit, 10);
    assert.equal(deploy.spec.progressDeadlineSeconds, 600);
    assert.equal(deploy.spec.template?.spec.restartPolicy, "Always");
    assert.equal(deploy.spec.template?.spec.dnsPolicy, "ClusterFirst");
    const ds = (await call<Obj>(api.url, "GET", `${paths.DaemonSet}/d-daemonset`)).body;
    assert.deepEqual(ds.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const sts = (await call<Obj>(api.url, "GET", `${paths.StatefulSet}/d-statefulset`)).body;
    assert.equal(sts.spec.podManagementPolicy, "OrderedReady");
    assert.deepEqual(sts.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    const cj = (await call<Obj>(api.url, "GET", `${paths.CronJob}/d-cronjob`)).body;
    assert.deepEqual(
      [cj.spec.concurrencyPolicy, cj.spec.suspend, cj.spec.successfulJobsHistoryLimit, cj.spec.failedJobsHistoryLimit],
      ["Allow", false, 3, 1],
    );
  });

  test("a Job gets a selector on its uid and the job labels on its pods", async () => {
    const res = await call<Obj>(api.url, "POST", paths.Job!, manifest("Job", "pi"));
    assert.equal(res.status, 201);
    const job = res.body;
    const uid = job.metadata.uid;
    assert.deepEqual(job.spec.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    assert.deepEqual(job.spec.template?.metadata?.labels, {
      app: "pi",
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": "pi",
      "controller-uid": uid,
      "job-name": "pi",
    });
    assert.deepEqual(job.metadata.labels, job.spec.template?.metadata?.labels, "a Job without labels carries its pods' labels");
    assert.deepEqual([job.spec.completions, job.spec.parallelism, job.spec.backoffLimit, job.spec.completionMode, job.spec.suspend], [1, 1, 6, "NonIndexed", false]);

    const generated = manifest("Job", "");
    generated.metadata = { generateName: "batch-" };
    const g = await call<Obj>(api.url, "POST", paths.Job!, generated);
    assert.equal(g.status, 201);
    assert.match(g.body.metadata.name, /^batch-[a-z0-9]{5}$/);
    assert.equal(g.body.spec.template?.metadata?.labels?.["job-name"], g.body.metadata.name, "the generated name, not the prefix");

    const own = manifest("Job", "own-selector");
    own.spec.selector = { matchLabels: { app: "own-selector" } };
    const refused = await call<StatusBody>(api.url, "POST", paths.Job!, own);
    assert.equal(refused.status, 422);
    assert.ok(refused.body.details?.causes?.some((c) => c.field === "spec.selector" && /`selector` not auto-generated/.test(c.message ?? "")));

    const manual = manifest("Job", "manual");
    manual.spec.manualSelector = true;
    manual.spec.selector = { matchLabels: { app: "manual" } };
    const m = await call<Obj>(api.url, "POST", paths.Job!, manual);
    assert.equal(m.status, 201);
    assert.deepEqual(m.body.spec.selector, { matchLabels: { app: "manual" } });
    assert.deepEqual(m.body.spec.template?.metadata?.labels, { app: "manual" });
  });

  test("generation moves with the spec, not with metadata or status", async () => {
    const path = paths.Deployment!;
    const created = (await call<Obj>(api.url, "POST", path, manifest("Deployment", "gen"))).body;
    assert.equal(created.metadata.generation, 1);

    const labeled = await call<Obj>(api.url, "PATCH", `${path}/gen`, { metadata: { labels: { x: "y" } } }, "application/merge-patch+json");
    assert.equal(labeled.body.metadata.generation, 1, "metadata-only update");

    const status = await call<Obj>(api.url, "PATCH", `${path}/gen/status`, { status: { replicas: 3, observedGeneration: 1 } }, "application/merge-patch+json");
    assert.equal(status.status, 200);
    assert.equal(status.body.metadata.generation, 1, "status-only update");
    assert.equal(status.body.status?.replicas, 3);

    const scaled = await call<Obj>(api.url, "PATCH", `${path}/gen`, { spec: { replicas: 4 } }, "application/merge-patch+json");
    assert.equal(scaled.body.metadata.generation, 2, "spec update");
    assert.equal(scaled.body.status?.replicas, 3, "the main resource keeps status");

    // A PUT of the manifest as written differs from the stored spec only by defaults.
    const replaced = manifest("Deployment", "gen");
    replaced.spec.replicas = 4;
    replaced.metadata = { ...replaced.metadata, resourceVersion: scaled.body.metadata.resourceVersion, labels: { x: "y" } };
    const put = await call<Obj>(api.url, "PUT", `${path}/gen`, replaced);
    assert.equal(put.status, 200);
    assert.equal(put.body.metadata.generation, 2, "defaults alone are no change");

    const image = await call<Obj>(api.url, "PATCH", `${path}/gen`, [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "bosun.local/busybox:2" }], "application/json-patch+json");
    assert.equal(image.body.metadata.generation, 3);
  });

  test("nodes, namespaces and events carry no generation", async () => {
    const node = await call<Obj>(api.url, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "gen-node" } });
    assert.equal(node.body.metadata.generation, undefined);
    const tainted = await call<Obj>(api.url, "PATCH", "/api/v1/nodes/gen-node", { spec: { unschedulable: true } }, "application/merge-patch+json");
    assert.equal(tainted.body.metadata.generation, undefined);
    const nsObj = await call<Obj>(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "gen-ns", generation: 7 } });
    assert.equal(nsObj.body.metadata.generation, undefined);
    const ev = await call<Obj>(api.url, "POST", "/api/v1/namespaces/default/events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "gen-ev" },
      involvedObject: { kind: "Pod", name: "x", namespace: "default" },
      reason: "Test",
    });
    assert.equal(ev.body.metadata.generation, undefined);
  });

  test("selectors are immutable; a Job's template too", async () => {
    const path = paths.ReplicaSet!;
    await call(api.url, "POST", path, manifest("ReplicaSet", "fixed"));
    const res = await call<StatusBody>(
      api.url,
      "PATCH",
      `${path}/fixed`,
      { spec: { selector: { matchLabels: { app: "fixed", v: "2" } }, template: { metadata: { labels: { app: "fixed", v: "2" } } } } },
      "application/merge-patch+json",
    );
    assert.equal(res.status, 422);
    assert.equal(res.body.reason, "Invalid");
    assert.match(res.body.message, /^ReplicaSet\.apps "fixed" is invalid: spec\.selector: Invalid value: .*field is immutable/);

    await call(api.url, "POST", paths.Job!, manifest("Job", "frozen"));
    const image = await call<StatusBody>(api.url, "PATCH", `${paths.Job}/frozen`, [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "other:1" }], "application/json-patch+json");
    assert.equal(image.status, 422);
    assert.ok(image.body.details?.causes?.some((c) => c.field === "spec.template" && /field is immutable/.test(c.message ?? "")));
    const parallel = await call<Obj>(api.url, "PATCH", `${paths.Job}/frozen`, { spec: { parallelism: 3 } }, "application/merge-patch+json");
    assert.equal(parallel.status, 200);
    assert.equal(parallel.body.spec.parallelism, 3);
  });

  test("bad input for every kind is a 4xx naming the field, and nothing is written", async () => {
    for (const kind of Object.keys(paths)) {
      const path = paths[kind]!;
      const cases: [string, (m: ReturnType<typeof manifest>) => void, number, string][] = [
        ["unknown field", (m) => (m.spec.bogus = 1), 422, "spec.bogus"],
        ["wrong type", (m) => (m.spec[kind === "CronJob" ? "suspend" : kind === "DaemonSet" ? "minReadySeconds" : kind === "Job" ? "parallelism" : "replicas"] = "many"), 422, ""],
        ["invalid name", (m) => (m.metadata.name = "Not_Valid"), 422, "metadata.name"],
        ["malformed template", (m) => {
          const t = (kind === "CronJob" ? (m.spec.jobTemplate as { spec: { template: { spec: Record<string, unknown> } } }).spec.template : (m.spec.template as { spec: Record<string, unknown> }));
          t.spec.containers = [{ name: "main", image: "x", imagePolicy: "Always" }];
        }, 422, kind === "CronJob" ? "spec.jobTemplate.spec.template.spec.containers[0].imagePolicy" : "spec.template.spec.containers[0].imagePolicy"],
        ["wrong kind", (m) => (m.kind = "Pod"), 400, ""],
      ];
      for (const [what, spoil, code, field] of cases) {
        const m = manifest(kind, `bad-${kind.toLowerCase()}`);
        spoil(m);
        const res = await call<StatusBody>(api.url, "POST", path, m);
        assert.equal(res.status, code, `${kind} ${what}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.kind, "Status");
        if (field !== "") assert.ok(res.body.details?.causes?.some((c) => c.field === field), `${kind} ${what}: ${JSON.stringify(res.body.details)}`);
        if (what === "wrong type") assert.match(res.body.message, /expected (integer|boolean), got string/, `${kind} ${what}`);
        assert.equal((await call(api.url, "GET", `${path}/bad-${kind.toLowerCase()}`)).status, 404, `${kind} ${what}: nothing stored`);
      }
    }
  });

  test("kind-specific rules reach the client with Kubernetes' messages", async () => {
    const mismatch = manifest("Deployment", "mismatch");
    mismatch.spec.selector = { matchLabels: { app: "other" } };
    const res = await call<StatusBody>(api.url, "POST", paths.Deployment!, mismatch);
    assert.equal(res.status, 422);
    assert.equal(res.body.message, 'Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: {"app":"mismatch"}: `selector` does not match template `labels`');

    const always = manifest("Job", "always");
    (always.spec.template as { spec: Record<string, unknown> }).spec.restartPolicy = "Always";
    const job = await call<StatusBody>(api.url, "POST", paths.Job!, always);
    assert.equal(job.status, 422);
    assert.match(job.body.message, /spec\.template\.spec\.restartPolicy: Required value: valid values: "OnFailure", "Never"/);

    const schedule = manifest("CronJob", "badcron");
    schedule.spec.schedule = "every minute";
    const cj = await call<StatusBody>(api.url, "POST", paths.CronJob!, schedule);
    assert.equal(cj.status, 422);
    assert.ok(cj.body.details?.causes?.some((c) => c.field === "spec.schedule"));
    const zone = manifest("CronJob", "badzone");
    zone.spec.timeZone = "Mars/Olympus";
    const z = await call<StatusBody>(api.url, "POST", paths.CronJob!, zone);
    assert.equal(z.status, 422);
    assert.match(z.body.message, /spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);

    const negative = manifest("StatefulSet", "neg");
    negative.spec.replicas = -1;
    const sts = await call<StatusBody>(api.url, "POST", paths.StatefulSet!, negative);
    assert.equal(sts.status, 422);
    assert.match(sts.body.message, /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);

    const probe = manifest("DaemonSet", "probe");
    (probe.spec.template as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]!.livenessProbe = { periodSeconds: 5 };
    const ds = await call<StatusBody>(api.url, "POST", paths.DaemonSet!, probe);
    assert.equal(ds.status, 422);
    assert.match(ds.body.message, /spec\.template\.spec\.containers\[0\]\.livenessProbe: Required value: must specify a handler type/);
    for (const name of ["mismatch", "always", "badcron", "badzone"]) {
      assert.equal((await call(api.url, "GET", `${paths.Deployment}/${name}`)).status, 404);
    }
  });

  test("removing the last finalizer of a workload being deleted removes it", async () => {
    const m = manifest("StatefulSet", "held");
    m.metadata.finalizers = ["example.com/hold"];
    await call(api.url, "POST", paths.StatefulSet!, m);
    const del = await call<Obj>(api.url, "DELETE", `${paths.StatefulSet}/held`);
    assert.equal(del.status, 200);
    assert.ok(del.body.metadata.deletionTimestamp);
    assert.equal(del.body.metadata.generation, 2, "the first deletion mark bumps generation");
    assert.equal((await call(api.url, "GET", `${paths.StatefulSet}/held`)).status, 200);
    const cleared = await call(api.url, "PATCH", `${paths.StatefulSet}/held`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    assert.equal(cleared.status, 200);
    assert.equal((await call(api.url, "GET", `${paths.StatefulSet}/held`)).status, 404);
  });
});
