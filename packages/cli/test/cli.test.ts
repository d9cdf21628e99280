// The bosun binary end to end against a fake API server: argument parsing,
// output, stderr messages and exit codes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { FakeApiServer } from "../src/testing/fake-apiserver.js";
import { startCliAgainstFakeApi, type CliAgainstFakeApi } from "../src/testing/run-cli.js";

let cli: CliAgainstFakeApi;
let api: FakeApiServer;

before(async () => {
  cli = await startCliAgainstFakeApi();
  api = cli.api;
});
after(() => cli.close());

const bosun = (args: string[], stdin?: string) => cli.run(args, stdin);

const manifest = (image: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: c\n      image: ${image}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n`;

test("apply creates, then reports unchanged, then configured", async () => {
  const first = await bosun(["apply", "-f", "-"], manifest("busybox:1"));
  assert.equal(first.stdout, "pod/web created\nnamespace/team-a created\n", first.stderr);
  assert.equal(first.code, 0);
  assert.equal(api.objects.get("pods/default/web")?.metadata.namespace, "default");

  const again = await bosun(["apply", "-f", "-"], manifest("busybox:1"));
  assert.equal(again.stdout, "pod/web unchanged\nnamespace/team-a unchanged\n");

  const changed = await bosun(["apply", "-f", "-"], manifest("busybox:2"));
  assert.equal(changed.stdout, "pod/web configured\nnamespace/team-a unchanged\n");
  const stored = api.objects.get("pods/default/web") as unknown as { spec: { containers: { image: string }[] } };
  assert.equal(stored.spec.containers[0]!.image, "busybox:2");
  assert.ok(api.requests.some((r) => r === "PUT /api/v1/namespaces/default/pods/web"));
});

test("apply refuses bad YAML and unknown kinds before writing anything", async () => {
  const before = api.requests.length;
  const bad = await bosun(["apply", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: error parsing STDIN: line \d+, column \d+: /);
  const unknown = await bosun(["apply", "-f", "-"], `${manifest("busybox:1")}---\napiVersion: apps/v9\nkind: Gizmo\nmetadata: {name: g}\n`);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no matches for kind "Gizmo" in version "apps\/v9"/);
  assert.equal(api.requests.length, before, "no request was sent");
});

test("get prints a table, kind/name, -o name, and the server's NotFound message", async () => {
  const table = await bosun(["get", "pods"]);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^NAME +READY +STATUS +RESTARTS +AGE\nweb +0\/1 +Pending +0 +\d+s\n$/);
  const named = await bosun(["get", "pod/web", "-o", "name"]);
  assert.equal(named.stdout, "pod/web\n");
  const missing = await bosun(["get", "pods", "nope"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  const empty = await bosun(["get", "pods", "-n", "team-a"]);
  assert.equal(empty.stderr, "No resources found in team-a namespace.\n");
  const badKind = await bosun(["get", "gizmos"]);
  assert.match(badKind.stderr, /^error: the server doesn't have a resource type "gizmos"/);
  assert.equal(badKind.code, 1);
});

test("get -o yaml|json hides managedFields unless --show-managed-fields", async () => {
  const pod = api.objects.get("pods/default/web")!;
  pod.metadata.managedFields = [{ manager: "kubectl", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": {} } }];
  try {
    const yaml = await bosun(["get", "pod", "web", "-o", "yaml"]);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^ {2}name: web$/m);
    assert.doesNotMatch(yaml.stdout, /managedFields/);
    const json = await bosun(["get", "pods", "-o", "json"]);
    assert.doesNotMatch(json.stdout, /managedFields/);
    const shown = await bosun(["get", "pod", "web", "-o", "yaml", "--show-managed-fields"]);
    assert.match(shown.stdout, /^ {2}managedFields:\n {4}- manager: kubectl$/m);
  } finally {
    delete pod.metadata.managedFields;
  }
});

test("describe shows the pod and its events", async () => {
  const out = await bosun(["describe", "pod", "web"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^Name: +web\nNamespace: +default\n/);
  assert.match(out.stdout, /Containers:\n {2}c:\n {4}Image: +busybox:2\n/);
  assert.match(out.stdout, /Events: +<none>\n$/);
});

test("delete prints what it deleted, waits, and treats a missing object as an error", async () => {
  const del = await bosun(["delete", "pod", "web"]);
  assert.equal(del.stdout, 'pod "web" deleted\n', del.stderr);
  assert.equal(del.code, 0);
  assert.equal(api.objects.has("pods/default/web"), false);
  const again = await bosun(["delete", "pod/web"]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'Error from server (NotFound): pods "web" not found\n');
  const ignored = await bosun(["delete", "pod/web", "--ignore-not-found"]);
  assert.equal(ignored.code, 0);
});

test("version prints the client and the server version", async () => {
  const out = await bosun(["version"]);
  assert.equal(out.stdout, "Client Version: v0.1.0\nServer Version: v1.30.0-bosun\n");
});
