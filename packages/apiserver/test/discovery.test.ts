import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { call, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

const run = promisify(execFile);

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

  const kubectl = (...args: string[]) =>
    run("/usr/bin/kubectl", ["--server", url, "--cache-dir", join(dir, "cache"), ...args], { env: { ...process.env, KUBECONFIG: join(dir, "none") } });

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
    assert.equal((await call(url, "GET", "/apis/apps/v1")).status, 404);
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
    const watcher = execFile("/usr/bin/kubectl", ["--server", url, "--cache-dir", join(dir, "cache"), "get", "pods", "-w", "--request-timeout=0"]);
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
