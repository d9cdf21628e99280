// PATCH over HTTP: server-side apply (create on a missing object, options,
// conflicts, status, dry run), the managedFields every write records, and the
// 4xx Status of every bad patch, with nothing written.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { apiServerForSuite, call, testPod } from "../src/testing/index.js";

const pods = "/api/v1/namespaces/default/pods";
const deployments = "/apis/apps/v1/namespaces/default/deployments";
const applyType = "application/apply-patch+yaml";

interface Entry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: Record<string, unknown>;
}
interface Obj {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string>; managedFields?: Entry[] };
  spec: { replicas?: number; containers?: { name: string; ports?: unknown[] }[] };
  status?: { phase?: string };
}
interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { reason: string; field: string; message: string }[] };
}

function deploymentYaml(name: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: main, image: bosun.local/busybox:1}]
`;
}

describe("PATCH over HTTP", () => {
  const api = apiServerForSuite();

  const send = <T = Obj>(method: string, path: string, body: unknown, contentType: string, userAgent = "tester/1.0 (linux)") =>
    call<T>(api.url, method, path, body, contentType, { "user-agent": userAgent });
  const managers = (o: Obj) => (o.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ""}`).sort();

  test("apply to a missing object creates it (201), then applies to it (200)", async () => {
    const created = await send("PATCH", `${deployments}/made?fieldManager=ci`, deploymentYaml("made", 2), applyType);
    assert.equal(created.status, 201);
    assert.equal(created.body.spec.replicas, 2);
    assert.deepEqual(managers(created.body), ["ci/Apply"]);
    const again = await send("PATCH", `${deployments}/made?fieldManager=ci`, deploymentYaml("made", 3), applyType);
    assert.equal(again.status, 200);
    assert.equal(again.body.spec.replicas, 3);
    // JSON is YAML: another manager's configuration as a JSON body. (Were it ci's, the
    // fields ci no longer applies, its whole spec, would go.)
    const json = await send("PATCH", `${deployments}/made?fieldManager=ci-json`, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "made", labels: { j: "1" } } }, applyType);
    assert.equal(json.status, 200);
    assert.equal(json.body.metadata.labels?.j, "1");
  });

  test("apply's options: a field manager is required, force only for apply, managedFields never in the body", async () => {
    const noManager = await send<StatusBody>("PATCH", `${deployments}/made`, deploymentYaml("made", 1), applyType);
    assert.equal(noManager.status, 422);
    assert.equal(noManager.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const forced = await send<StatusBody>("PATCH", `${deployments}/made?force=true`, { spec: { replicas: 1 } }, "application/merge-patch+json");
    assert.equal(forced.status, 422);
    assert.match(forced.body.message, /force: Forbidden: may not be specified for non-apply patch/);
    const withFields = await send<StatusBody>("PATCH", `${deployments}/made?fieldManager=ci`, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "made", managedFields: [] },
    }, applyType);
    assert.equal(withFields.status, 400);
    assert.equal(withFields.body.message, "metadata.managedFields must be nil");
    const version = await send<StatusBody>("PATCH", `${deployments}/made?fieldManager=ci`, { apiVersion: "apps/v2", kind: "Deployment" }, applyType);
    assert.equal(version.status, 400);
    assert.match(version.body.message, /Incorrect version specified in apply patch\. Specified patch version: apps\/v2, expected: apps\/v1/);
    const dup = await send<StatusBody>("PATCH", `${pods}/dup?fieldManager=ci`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "dup" },
      spec: { containers: [{ name: "a", image: "x" }, { name: "a", image: "y" }] },
    }, applyType);
    assert.equal(dup.status, 400);
    assert.match(dup.body.message, /duplicate entries for key \[name="a"\]/);
    assert.equal((await call(api.url, "GET", `${pods}/dup`)).status, 404);
  });

  test("a conflict is a 409 with a FieldManagerConflict cause; force takes the field", async () => {
    await send("PATCH", `${deployments}/owned?fieldManager=alice`, deploymentYaml("owned", 2), applyType);
    const clash = await send<StatusBody>("PATCH", `${deployments}/owned?fieldManager=bob`, deploymentYaml("owned", 4), applyType);
    assert.equal(clash.status, 409);
    assert.equal(clash.body.reason, "Conflict");
    assert.equal(clash.body.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    assert.deepEqual(clash.body.details?.causes, [{ reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".spec.replicas" }]);
    assert.equal((await call<Obj>(api.url, "GET", `${deployments}/owned`)).body.spec.replicas, 2);
    const forced = await send("PATCH", `${deployments}/owned?fieldManager=bob&force=true`, deploymentYaml("owned", 4), applyType);
    assert.equal(forced.status, 200);
    assert.equal(forced.body.spec.replicas, 4);
  });

  test("dry run applies nothing; a resourceVersion in the configuration is a precondition", async () => {
    const dry = await send("PATCH", `${deployments}/owned?fieldManager=bob&dryRun=All`, deploymentYaml("owned", 9), applyType);
    assert.equal(dry.status, 200);
    assert.equal(dry.body.spec.replicas, 9);
    assert.equal((await call<Obj>(api.url, "GET", `${deployments}/owned`)).body.spec.replicas, 4);
    const stale = await send<StatusBody>(
      "PATCH",
      `${deployments}/owned?fieldManager=bob`,
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "owned", resourceVersion: "1" } },
      applyType,
    );
    assert.equal(stale.status, 409);
    const missingDry = await send("PATCH", `${deployments}/ghost?fieldManager=ci&dryRun=All`, deploymentYaml("ghost", 1), applyType);
    assert.equal(missingDry.status, 201);
    assert.equal((await call(api.url, "GET", `${deployments}/ghost`)).status, 404);
  });

  test("apply to status owns status only, as an entry of the status subresource", async () => {
    await call(api.url, "POST", pods, testPod("stat"));
    const res = await send("PATCH", `${pods}/stat/status?fieldManager=agent`, { apiVersion: "v1", kind: "Pod", metadata: { name: "stat" }, status: { phase: "Running" } }, applyType);
    assert.equal(res.status, 200);
    assert.equal(res.body.status?.phase, "Running");
    const entry = res.body.metadata.managedFields!.find((e) => e.manager === "agent")!;
    assert.equal(entry.subresource, "status");
    assert.deepEqual(entry.fieldsV1, { "f:status": { "f:phase": {} } });
  });

  test("creates, updates and patches record Update entries under ?fieldManager= or the User-Agent's name", async () => {
    const created = await send("POST", pods, testPod("tracked"), "application/json");
    assert.deepEqual(managers(created.body), ["tester/Update"]);
    const labeled = await send("PATCH", `${pods}/tracked?fieldManager=labeler`, { metadata: { labels: { a: "1" } } }, "application/merge-patch+json");
    assert.deepEqual(managers(labeled.body), ["labeler/Update", "tester/Update"]);
    const put = structuredClone(labeled.body);
    put.metadata.labels = { a: "2" };
    const updated = await send("PUT", `${pods}/tracked`, put, "application/json", "other-tool");
    const fieldsOf = (m: string) => JSON.stringify(updated.body.metadata.managedFields!.find((e) => e.manager === m)?.fieldsV1);
    assert.match(fieldsOf("other-tool"), /"f:a"/);
    assert.doesNotMatch(fieldsOf("labeler"), /"f:a"/, "labeler lost the label it set");
    const noop = await send("PUT", `${pods}/tracked`, updated.body, "application/json", "third");
    assert.equal(noop.body.metadata.resourceVersion, updated.body.metadata.resourceVersion, "nothing changed, nothing written");
    const scaled = await send("PATCH", `${deployments}/made/scale?fieldManager=scaler`, { spec: { replicas: 5 } }, "application/merge-patch+json");
    assert.equal(scaled.status, 200);
    const d = (await call<Obj>(api.url, "GET", `${deployments}/made`)).body;
    const scaler = d.metadata.managedFields!.find((e) => e.manager === "scaler")!;
    assert.equal(scaler.subresource, "scale");
    assert.deepEqual(scaler.fieldsV1, { "f:spec": { "f:replicas": {} } });
  });

  test("every bad patch is a 4xx naming the problem, and nothing is written", async () => {
    await call(api.url, "POST", pods, testPod("bad"));
    const before = (await call<Obj>(api.url, "GET", `${pods}/bad`)).body.metadata.resourceVersion;
    const cases: [unknown, string, number, RegExp][] = [
      [[{ op: "remove", path: "/spec/nothere" }], "application/json-patch+json", 422, /JSON patch remove operation on "\/spec\/nothere" failed/],
      [[{ op: "test", path: "/metadata/name", value: "other" }], "application/json-patch+json", 422, /the value is "bad", not "other"/],
      [[{ op: "move", from: "/metadata", path: "/metadata/x" }], "application/json-patch+json", 422, /cannot be moved into one of its own children/],
      [{ op: "add" }, "application/json-patch+json", 400, /a JSON patch must be a list of operations/],
      [[{ op: "frobnicate", path: "/x" }], "application/json-patch+json", 400, /"frobnicate" is not supported/],
      [{ spec: { containers: [{ image: "x" }] } }, "application/strategic-merge-patch+json", 400, /spec\.containers\[0\]: the item has no "name"/],
      [{ metadata: { $patch: "nope" } }, "application/strategic-merge-patch+json", 400, /unknown \$patch directive "nope"/],
      [["x"], "application/merge-patch+json", 400, /a merge patch must be a JSON object/],
      [{ spec: { containers: [{ name: "main", image: "" }] } }, "application/strategic-merge-patch+json", 422, /spec\.containers\[0\]\.image/],
    ];
    for (const [patch, type, code, message] of cases) {
      const res = await send<StatusBody>("PATCH", `${pods}/bad`, patch, type);
      assert.equal(res.status, code, `${type} ${JSON.stringify(patch)}: ${res.body.message}`);
      assert.match(res.body.message, message);
    }
    assert.equal((await call<Obj>(api.url, "GET", `${pods}/bad`)).body.metadata.resourceVersion, before);
  });

  test("JSON patch copy and move, and a test of the resourceVersion as kubectl sends it", async () => {
    await call(api.url, "POST", pods, testPod("moved", { labels: { a: "1" } }));
    const current = (await call<Obj>(api.url, "GET", `${pods}/moved`)).body;
    const res = await send("PATCH", `${pods}/moved`, [
      { op: "test", path: "/metadata/resourceVersion", value: current.metadata.resourceVersion },
      { op: "copy", from: "/metadata/labels/a", path: "/metadata/labels/b" },
      { op: "move", from: "/metadata/labels/a", path: "/metadata/labels/c" },
    ], "application/json-patch+json");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.metadata.labels, { b: "1", c: "1" });
    const stale = await send<StatusBody>("PATCH", `${pods}/moved`, [{ op: "replace", path: "/metadata/resourceVersion", value: current.metadata.resourceVersion }], "application/json-patch+json");
    assert.equal(stale.status, 409);
  });
});
