import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, kubectlCommand, runKubectl, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

describe("discovery and kubectl", () => {
  let server: TestApiServer;
  let url: string;
  let dir: string;
  before(async () => {
    server = await startTestApiServer();
    url = server.url;
    dir = await mkdtemp(join(tmpdir(), "bosun-kubectl-"));
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const kubectl = (...args: string[]) => runKubectl({ server: url, dir }, ...args);

  test("health, version, /api, /apis, /api/v1", async () => {
    for (const path of ["/healthz", "/readyz", "/livez"]) assert.equal((await call(url, "GET", path)).body, "ok");
    const version = await call<{ major: string; minor: string; gitVersion: string }>(url, "GET", "/version");
    assert.equal(version.body.major, "1");
    assert.match(version.body.gitVersion, /^v1\.\d+\.\d+-bosun/);
    const api = await call<{ kind: string; versions: string[] }>(url, "GET", "/api");
    assert.deepEqual([api.body.kind, api.body.versions], ["APIVersions", ["v1"]]);
    const apis = await call<{ kind: string; groups: unknown[] }>(url, "GET", "/apis");
    assert.equal(apis.body.kind, "APIGroupList");
    const v1 = await call<{ groupVersion: string; resources: { name: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[] }[] }>(
      url,
      "GET",
      "/api/v1",
    );
    assert.equal(v1.body.groupVersion, "v1");
    const byName = new Map(v1.body.resources.map((r) => [r.name, r]));
    assert.equal(byName.get("pods")?.namespaced, true);
    assert.deepEqual(byName.get("pods")?.shortNames, ["po"]);
    assert.ok(byName.get("pods")?.verbs.includes("watch"));
    assert.equal(byName.get("nodes")?.namespaced, false);
    for (const sub of ["pods/status", "pods/log", "pods/binding"]) assert.ok(byName.has(sub), sub);
    assert.deepEqual(byName.get("pods/eviction"), {
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
    const policyV1 = await call<{ resources: { name: string; shortNames?: string[] }[] }>(url, "GET", "/apis/policy/v1");
    assert.deepEqual(
      policyV1.body.resources.map((r) => [r.name, r.shortNames ?? []]),
      [["poddisruptionbudgets", ["pdb"]], ["poddisruptionbudgets/status", []]],
    );
  });

  test("/apis lists apps and batch; their resource lists come from the resource table", async () => {
    const apis = await call<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>(url, "GET", "/apis");
    const groups = new Map(apis.body.groups.map((g) => [g.name, g.preferredVersion.groupVersion]));
    assert.equal(groups.get("apps"), "apps/v1");
    assert.equal(groups.get("batch"), "batch/v1");
    type Entry = { name: string; kind: string; namespaced: boolean; verbs: string[]; shortNames?: string[]; categories?: string[]; group?: string; version?: string };
    const list = async (gv: string) => {
      const res = await call<{ groupVersion: string; resources: Entry[] }>(url, "GET", `/apis/${gv}`);
      assert.equal(res.status, 200, gv);
      assert.equal(res.body.groupVersion, gv);
      return new Map(res.body.resources.map((r) => [r.name, r]));
    };
    const appsV1 = await list("apps/v1");
    assert.deepEqual([...appsV1.keys()].sort(), [
      "controllerrevisions",
      "daemonsets",
      "daemonsets/status",
      "deployments",
      "deployments/scale",
      "deployments/status",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
      "statefulsets",
      "statefulsets/scale",
      "statefulsets/status",
    ]);
    assert.deepEqual(appsV1.get("deployments")?.shortNames, ["deploy"]);
    assert.equal(appsV1.get("controllerrevisions")?.categories, undefined, "revisions are not part of `get all`");
    assert.deepEqual(appsV1.get("deployments")?.categories, ["all"]);
    assert.deepEqual(appsV1.get("deployments")?.verbs, ["create", "delete", "get", "list", "patch", "update", "watch"]);
    const scale = appsV1.get("statefulsets/scale");
    assert.deepEqual([scale?.group, scale?.version, scale?.kind, scale?.verbs], ["autoscaling", "v1", "Scale", ["get", "patch", "update"]]);
    assert.deepEqual(appsV1.get("deployments/status")?.kind, "Deployment");
    const batchV1 = await list("batch/v1");
    assert.deepEqual([...batchV1.keys()].sort(), ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]);
    assert.deepEqual(batchV1.get("cronjobs")?.shortNames, ["cj"]);
    const root = await call<{ paths: Record<string, unknown> }>(url, "GET", "/openapi/v3");
    for (const gv of ["api/v1", "apis/apps/v1", "apis/batch/v1"]) assert.ok(root.body.paths[gv], gv);
    const doc = await call<{ paths: Record<string, { patch?: { "x-kubernetes-group-version-kind"?: { kind: string } } }> }>(url, "GET", "/openapi/v3/apis/apps/v1");
    assert.equal(doc.body.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]?.patch?.["x-kubernetes-group-version-kind"]?.kind, "Deployment");
  });

  test("real kubectl: apply a Deployment, a Job and a CronJob; get every workload kind", async () => {
    const manifest = join(dir, "workloads.yaml");
    await writeFile(
      manifest,
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: web",
        "spec:",
        "  replicas: 2",
        "  selector:",
        "    matchLabels: {app: web}",
        "  template:",
        "    metadata:",
        "      labels: {app: web}",
        "    spec:",
        "      containers:",
        "      - name: main",
        "        image: bosun.local/busybox:1",
        "        readinessProbe:",
        "          exec: {command: [cat, /etc/hostname]}",
        "---",
        "apiVersion: batch/v1",
        "kind: Job",
        "metadata:",
        "  name: once",
        "spec:",
        "  template:",
        "    spec:",
        "      restartPolicy: Never",
        "      containers:",
        "      - name: main",
        "        image: bosun.local/busybox:1",
        "---",
        "apiVersion: batch/v1",
        "kind: CronJob",
        "metadata:",
        "  name: tick",
        "spec:",
        "  schedule: '*/5 * * * *'",
        "  jobTemplate:",
        "    spec:",
        "      template:",
        "        spec:",
        "          restartPolicy: OnFailure",
        "          containers:",
        "          - name: main",
        "            image: bosun.local/busybox:1",
        "",
      ].join("\n"),
    );
    const applied = await kubectl("apply", "-f", manifest);
    assert.match(applied.stdout, /deployment.apps\/web created/);
    assert.match(applied.stdout, /job.batch\/once created/);
    assert.match(applied.stdout, /cronjob.batch\/tick created/);
    // A second apply computes a patch against the last applied configuration.
    await writeFile(manifest, (await readFile(manifest, "utf8")).replace("replicas: 2", "replicas: 3"));
    const again = await kubectl("apply", "-f", manifest);
    assert.match(again.stdout, /deployment.apps\/web configured/);
    assert.match(again.stdout, /job.batch\/once unchanged/);
    const deploy = await call<{ metadata: { generation: number }; spec: { replicas: number } }>(url, "GET", "/apis/apps/v1/namespaces/default/deployments/web");
    assert.equal(deploy.body.spec.replicas, 3);
    assert.equal(deploy.body.metadata.generation, 2);

    const got = await kubectl("get", "deploy,rs,ds,sts,job,cj", "-o", "name");
    assert.deepEqual(got.stdout.trim().split("\n").sort(), ["cronjob.batch/tick", "deployment.apps/web", "job.batch/once"]);
    const table = await kubectl("get", "deploy,rs,ds,sts,job,cj");
    assert.match(table.stdout, /web/);
    assert.match(table.stdout, /tick/);
    assert.equal((await kubectl("get", "job", "once", "-o", "jsonpath={.spec.template.spec.restartPolicy}")).stdout, "Never");
    assert.match((await kubectl("delete", "cj", "tick")).stdout, /cronjob.batch "tick" deleted/);
  });

  test("real kubectl: create -f, get, label, delete", async () => {
    const manifest = join(dir, "pod.yaml");
    await writeFile(
      manifest,
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubectl-pod\nspec:\n  containers:\n  - name: main\n    image: bosun.local/busybox:1\n",
    );
    assert.match((await kubectl("create", "-f", manifest)).stdout, /pod\/kubectl-pod created/);
    assert.match((await kubectl("get", "pods")).stdout, /kubectl-pod/);
    assert.equal((await kubectl("get", "pod", "kubectl-pod", "-o", "jsonpath={.spec.containers[0].image}")).stdout, "bosun.local/busybox:1");
    await kubectl("label", "pod", "kubectl-pod", "tier=web");
    assert.equal((await kubectl("get", "pods", "-l", "tier=web", "-o", "name")).stdout.trim(), "pod/kubectl-pod");
    const nodes = await kubectl("get", "nodes");
    assert.match(nodes.stderr, /No resources found/);
    assert.match((await kubectl("delete", "pod", "kubectl-pod")).stdout, /pod "kubectl-pod" deleted/);
    assert.equal((await call(url, "GET", "/api/v1/namespaces/default/pods/kubectl-pod")).status, 404);
  });

  test("real kubectl: a bad manifest is refused with the field path", async () => {
    const manifest = join(dir, "bad.yaml");
    await writeFile(manifest, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: main\n    image: x\n    bogus: 1\n");
    await assert.rejects(kubectl("create", "-f", manifest), (err: { stderr: string }) => {
      assert.match(err.stderr, /spec\.containers\[0\]\.bogus/);
      return true;
    });
    assert.equal((await call(url, "GET", "/api/v1/namespaces/default/pods/bad")).status, 404);
  });

  test("real kubectl: get pods -w shows a new pod", async () => {
    const cmd = kubectlCommand({ server: url, dir }, ["get", "pods", "-w", "--request-timeout=0"]);
    const watcher = execFile(cmd.file, cmd.args, { env: cmd.env });
    let out = "";
    watcher.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await call(url, "POST", "/api/v1/namespaces/default/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "watched" },
        spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
      });
      const deadline = Date.now() + 5000;
      while (!out.includes("watched") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /watched/);
    } finally {
      watcher.kill();
    }
  });
});
