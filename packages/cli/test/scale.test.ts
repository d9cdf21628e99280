// bosun scale against the fake API server: the /scale subresource, preconditions, Jobs.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment, Job, StatefulSet } from "@bosun/api";
import { runScale, type ScaleOptions } from "../src/commands/scale.js";
import { fakeApiServerForSuite } from "../src/testing/fake-apiserver.js";
import { daemonSet, deployment, template } from "../src/testing/workloads.js";

const fake = fakeApiServerForSuite();

function run(args: string[], extra: Partial<ScaleOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runScale(fake.client, args, { namespace: "default", timeoutMs: 0, pollMs: 20, out: (l) => void out.push(l), err: (l) => void err.push(l), ...extra });
  return code.then((c) => ({ code: c, out, err }));
}

const job = (parallelism?: number): Job => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi", namespace: "default" },
  spec: { ...(parallelism !== undefined ? { parallelism } : {}), completions: 10, template: { spec: { containers: [{ name: "pi", image: "busybox:1" }], restartPolicy: "Never" } } },
});

test("scale patches spec.replicas through the /scale subresource", async () => {
  fake.api.put("deployments", deployment("web", { replicas: 3 }));
  const r = await run(["deployment/web"], { replicas: 6 });
  assert.deepEqual(r, { code: 0, out: ["deployment.apps/web scaled"], err: [] });
  assert.equal((fake.api.objects.get("deployments/default/web") as Deployment).spec.replicas, 6);
  const call = fake.api.calls.find((c) => c.method === "PATCH");
  assert.equal(call?.path, "/apis/apps/v1/namespaces/default/deployments/web/scale");
  assert.equal(call?.contentType, "application/merge-patch+json");
  assert.deepEqual(call?.body, { spec: { replicas: 6 } });
});

test("--current-replicas reads the Scale and PUTs it back with its resourceVersion; a mismatch changes nothing", async () => {
  fake.api.put("deployments", deployment("web", { replicas: 3 }));
  const wrong = await run(["deploy", "web"], { replicas: 2, currentReplicas: 4 });
  assert.deepEqual(wrong, { code: 1, out: [], err: ["error: Expected replicas to be 4, was 3"] });
  assert.equal((fake.api.objects.get("deployments/default/web") as Deployment).spec.replicas, 3);

  const right = await run(["deploy", "web"], { replicas: 2, currentReplicas: 3 });
  assert.deepEqual(right.out, ["deployment.apps/web scaled"]);
  const put = fake.api.calls.find((c) => c.method === "PUT");
  assert.equal(put?.path, "/apis/apps/v1/namespaces/default/deployments/web/scale");
  const body = put?.body as { kind: string; apiVersion: string; spec: { replicas: number }; metadata: { resourceVersion: string } };
  assert.equal(body.kind, "Scale");
  assert.equal(body.apiVersion, "autoscaling/v1");
  assert.equal(body.spec.replicas, 2);
  assert.ok(body.metadata.resourceVersion, "the PUT is a compare-and-swap");
  assert.equal((fake.api.objects.get("deployments/default/web") as Deployment).spec.replicas, 2);

  const staleVersion = await run(["deploy/web"], { replicas: 5, resourceVersion: "1" });
  assert.equal(staleVersion.code, 1);
  assert.match(staleVersion.err[0]!, /^error: Expected resource version to be 1, was \d+$/);
});

test("replicasets and statefulsets scale the same way; several objects at once", async () => {
  const sts: StatefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default" },
    spec: { replicas: 1, selector: { matchLabels: { app: "db" } }, template: template("busybox:1", { app: "db" }) },
  };
  fake.api.put("statefulsets", sts);
  fake.api.put("statefulsets", { ...sts, metadata: { ...sts.metadata, name: "cache" } });
  const r = await run(["sts", "db", "cache"], { replicas: 3 });
  assert.deepEqual(r.out, ["statefulset.apps/db scaled", "statefulset.apps/cache scaled"]);
  assert.equal((fake.api.objects.get("statefulsets/default/cache") as StatefulSet).spec.replicas, 3);
});

test("a Job scales its parallelism, with the precondition on parallelism", async () => {
  fake.api.put("jobs", job(1));
  assert.deepEqual(await run(["job/pi"], { replicas: 4, currentReplicas: 2 }), { code: 1, out: [], err: ["error: Expected parallelism to be 2, was 1"] });
  assert.deepEqual((await run(["jobs", "pi"], { replicas: 4, currentReplicas: 1 })).out, ["job.batch/pi scaled"]);
  assert.equal((fake.api.objects.get("jobs/default/pi") as Job).spec.parallelism, 4);
});

test("--timeout waits until the status reaches the new size, and times out when it does not", async () => {
  const d = fake.api.put("deployments", deployment("web", { replicas: 1, status: { replicas: 1 } }));
  const waiting = run(["deploy/web"], { replicas: 2, timeoutMs: 5000 });
  const current = () => fake.api.objects.get("deployments/default/web") as Deployment;
  while (current().spec.replicas !== 2) await new Promise((r) => setTimeout(r, 5));
  const scaled = current();
  fake.api.put("deployments", { ...scaled, status: { replicas: 2 } });
  assert.deepEqual(await waiting, { code: 0, out: ["deployment.apps/web scaled"], err: [] });

  fake.api.put("deployments", { ...d, spec: { ...d.spec, replicas: 1 }, status: { replicas: 1 } });
  const slow = await run(["deploy/web"], { replicas: 3, timeoutMs: 150 });
  assert.deepEqual(slow, { code: 1, out: [], err: ["error: timed out waiting for the condition"] });
});

test("errors: no --replicas, a kind without scale, a missing object, a missing name", async () => {
  await assert.rejects(run(["deploy/web"]), /The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0/);
  await assert.rejects(run(["deploy/web"], { replicas: -1 }), /--replicas=COUNT flag is required/);
  fake.api.put("daemonsets", daemonSet("agent"));
  assert.deepEqual(await run(["ds/agent"], { replicas: 2 }), {
    code: 1,
    out: [],
    err: ["error: daemonsets.apps cannot be scaled; scale works on deployments, replicasets, statefulsets and jobs"],
  });
  assert.deepEqual(await run(["deploy/nope"], { replicas: 2 }), { code: 1, out: [], err: ['Error from server (NotFound): deployments.apps "nope" not found'] });
  await assert.rejects(run(["deploy"], { replicas: 2 }), /you must specify the name of the object, e.g. 'bosun scale deployment\/web --replicas=3'/);
  await assert.rejects(run(["gizmo/x"], { replicas: 2 }), /the server doesn't have a resource type "gizmo"/);
});
