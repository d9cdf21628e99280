import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, protobufBody, protobufMediaType, runKubectl, testPod, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

type Obj = { metadata: { name: string; resourceVersion: string; labels?: Record<string, string>; deletionTimestamp?: string } };
type StatusBody = {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { name?: string; kind?: string; causes?: { reason?: string; field?: string; message?: string }[] };
};

const pods = "/api/v1/namespaces/default/pods";

describe("dryRun=All, and the Status reasons kubectl acts on", () => {
  let server: TestApiServer;
  let url: string;
  let dir: string;
  before(async () => {
    server = await startTestApiServer();
    url = server.url;
    dir = await mkdtemp(join(tmpdir(), "bosun-status-"));
    await call(url, "POST", pods, testPod("kept", { labels: { v: "1" } }));
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const kubectl = (version: string, ...args: string[]) => runKubectl({ server: url, dir, version }, ...args);
  const kubectlFails = async (version: string, ...args: string[]): Promise<string> => {
    try {
      await kubectl(version, ...args);
    } catch (err) {
      return (err as { stderr: string }).stderr;
    }
    assert.fail(`kubectl ${args.join(" ")} succeeded`);
  };
  const stored = async () => (await call<Obj>(url, "GET", `${pods}/kept`)).body;

  test("dryRun=All on create, update, patch and delete answers the result and writes nothing", async () => {
    const before = await stored();
    const created = await call<Obj>(url, "POST", `${pods}?dryRun=All`, testPod("dry"));
    assert.equal(created.status, 201);
    assert.equal((await call(url, "GET", `${pods}/dry`)).status, 404);

    const replacement = { ...testPod("kept", { labels: { v: "2" } }), metadata: { name: "kept", labels: { v: "2" } } };
    const updated = await call<Obj>(url, "PUT", `${pods}/kept?dryRun=All`, replacement);
    assert.equal(updated.status, 200);
    assert.equal(updated.body.metadata.labels?.v, "2");

    const patched = await call<Obj>(url, "PATCH", `${pods}/kept?dryRun=All`, { metadata: { labels: { v: "3" } } }, "application/merge-patch+json");
    assert.equal(patched.status, 200);
    assert.equal(patched.body.metadata.labels?.v, "3");

    const deleted = await call<Obj>(url, "DELETE", `${pods}/kept?dryRun=All`);
    assert.equal(deleted.status, 200);

    const after = await stored();
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, "nothing was written");
    assert.equal(after.metadata.labels?.v, "1");

    const bad = await call<StatusBody>(url, "POST", `${pods}?dryRun=Some`, testPod("dry2"));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.reason, "BadRequest");
  });

  test("real kubectl --dry-run=server changes nothing", async () => {
    const before = await stored();
    for (const version of ["1.33", "1.27"]) {
      assert.match((await kubectl(version, "label", "pod", "kept", "v=9", "--overwrite", "--dry-run=server")).stdout, /labeled \(server dry run\)/);
      assert.match((await kubectl(version, "delete", "pod", "kept", "--dry-run=server")).stdout, /deleted \(server dry run\)/);
    }
    assert.equal((await stored()).metadata.resourceVersion, before.metadata.resourceVersion);
  });

  test("NotFound, AlreadyExists, Conflict, Invalid with causes, BadRequest, MethodNotAllowed", async () => {
    const missing = await call<StatusBody>(url, "GET", `${pods}/nowhere`);
    assert.deepEqual([missing.status, missing.body.reason, missing.body.message], [404, "NotFound", 'pods "nowhere" not found']);
    assert.deepEqual(missing.body.details, { name: "nowhere", group: "", kind: "pods" });

    const twice = await call<StatusBody>(url, "POST", pods, testPod("kept"));
    assert.deepEqual([twice.status, twice.body.reason, twice.body.message], [409, "AlreadyExists", 'pods "kept" already exists']);

    const stale = { ...testPod("kept"), metadata: { name: "kept", resourceVersion: "1" } };
    const conflict = await call<StatusBody>(url, "PUT", `${pods}/kept`, stale);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.reason, "Conflict");
    assert.match(conflict.body.message, /^Operation cannot be fulfilled on pods "kept": the object has been modified/);

    const invalid = await call<StatusBody>(url, "POST", pods, { apiVersion: "v1", kind: "Pod", metadata: { name: "noimage" }, spec: { containers: [{ name: "main" }] } });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.reason, "Invalid");
    assert.deepEqual(invalid.body.details?.causes, [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" }]);
    assert.equal(invalid.body.message, 'Pod "noimage" is invalid: spec.containers[0].image: Required value');

    const badSelector = await call<StatusBody>(url, "GET", `${pods}?labelSelector=a%20in`);
    assert.deepEqual([badSelector.status, badSelector.body.reason], [400, "BadRequest"]);

    const method = await call<StatusBody>(url, "PUT", pods, testPod("x"));
    assert.deepEqual([method.status, method.body.reason], [405, "MethodNotAllowed"]);

    // Expired is covered where it arises: pagination.test.ts (lists) and watch.test.ts (watches).
  });

  test("real kubectl shows the reasons it acts on", async () => {
    const manifest = join(dir, "kept.yaml");
    await writeFile(manifest, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kept\nspec:\n  containers:\n  - name: main\n    image: bosun.local/busybox:1\n");
    for (const version of ["1.33", "1.27"]) {
      assert.match(await kubectlFails(version, "get", "pod", "nowhere"), /Error from server \(NotFound\): pods "nowhere" not found/);
      assert.match(await kubectlFails(version, "create", "-f", manifest), /Error from server \(AlreadyExists\): error when creating ".*kept.yaml": pods "kept" already exists/);
      // `get --ignore-not-found` depends on the NotFound reason.
      assert.equal((await kubectl(version, "get", "pod", "nowhere", "--ignore-not-found")).stdout, "");
    }
  });

  test("protobuf bodies Bosun does not decode are 415 with what to do instead", async () => {
    // A pod, which no kubectl generator sends as protobuf (protobuf-create.test.ts has the kinds they do).
    const pod = await call<StatusBody>(url, "POST", pods, protobufBody("v1", "Pod", Buffer.alloc(0)), protobufMediaType);
    assert.equal(pod.status, 415);
    assert.equal(pod.body.reason, "UnsupportedMediaType");
    assert.match(pod.body.message, /Bosun decodes Kubernetes protobuf for Namespace, .* and Ingress, not for Pod/);
    assert.match(pod.body.message, /kubectl create -f <file>/);
    assert.match(pod.body.message, /--dry-run=client -o yaml \| kubectl apply -f -/);
    // Nor in a patch.
    const patch = await call<StatusBody>(url, "PATCH", `${pods}/kept`, protobufBody("v1", "Pod", Buffer.alloc(0)), protobufMediaType);
    assert.equal(patch.status, 415);
    assert.match(patch.body.message, /Bosun decodes Kubernetes protobuf only in the body of a create or update of Namespace, /);

    // What the message suggests works.
    const yaml = (await kubectl("1.33", "run", "from-yaml", "--image=bosun.local/busybox:1", "--dry-run=client", "-o", "yaml")).stdout;
    const file = join(dir, "from-yaml.yaml");
    await writeFile(file, yaml);
    assert.match((await kubectl("1.33", "create", "-f", file)).stdout, /pod\/from-yaml created/);
  });

  test("a resource Bosun does not serve is 404 naming it (kubectl create quota)", async () => {
    for (const version of ["1.33", "1.27"]) {
      const stderr = await kubectlFails(version, "create", "quota", "small", "--hard=pods=1");
      assert.match(stderr, /the server could not find the requested resource: Bosun does not serve resourcequotas \(v1\)/);
    }
    const raw = await call<StatusBody>(url, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases");
    assert.equal(raw.status, 404);
    assert.match(raw.body.message, /Bosun does not serve leases \(coordination\.k8s\.io\/v1\)/);
    // A served resource with a bad path keeps Kubernetes' plain message.
    const plain = await call<StatusBody>(url, "GET", `${pods}/kept/nosuchsubresource`);
    assert.equal(plain.body.message, "the server could not find the requested resource");
  });
});
