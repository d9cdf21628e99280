import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { loadManifests, ManifestError, parseManifests } from "../src/manifests.js";

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: c\n      image: busybox\n`;

test("multi-document YAML gives one manifest per document, with its line", () => {
  const text = `${pod("a")}---\n${pod("b")}---\n`;
  const manifests = parseManifests(text, "pods.yaml");
  assert.deepEqual(manifests.map((m) => [m.object.metadata.name, m.line, m.source]), [["a", 1, "pods.yaml"], ["b", 10, "pods.yaml"]]);
});

test("a syntax error names the file, line and column", () => {
  const bad = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {a: b\nspec: {}\n";
  assert.throws(() => parseManifests(bad, "bad.yaml"), (err: Error) => {
    assert.ok(err instanceof ManifestError);
    assert.match(err.message, /^error parsing bad\.yaml: line \d+, column \d+: /);
    return true;
  });
  assert.throws(() => parseManifests("a: b: c\n", "x.yaml"), /error parsing x\.yaml: line 1, column 4: Nested mappings/);
});

test("documents without apiVersion or kind, or that are not mappings, are refused", () => {
  assert.throws(() => parseManifests("metadata:\n  name: x\n", "f.yaml"), /error validating "f\.yaml:1": error validating data: \[apiVersion not set, kind not set\]/);
  assert.throws(() => parseManifests("- a\n- b\n", "f.yaml"), /not a sequence/);
  assert.throws(() => parseManifests("apiVersion: v1\nkind: Pod\nmetadata: [1]\n", "f.yaml"), /metadata must be a mapping/);
});

test("empty documents are skipped and a v1 List is flattened", () => {
  const list = `---\n# nothing\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: []}}\n  - {apiVersion: v1, kind: Namespace, metadata: {name: ns1}}\n`;
  assert.deepEqual(parseManifests(list, "l.yaml").map((m) => `${m.object.kind}/${m.object.metadata.name}`), ["Pod/a", "Namespace/ns1"]);
});

test("JSON manifests parse too", () => {
  const [m] = parseManifests(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "j" } }), "ns.json");
  assert.equal(m!.object.metadata.name, "j");
});

test("a directory loads its .yaml, .yml and .json files in name order and ignores the rest", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-cli-manifests-"));
  try {
    writeFileSync(join(dir, "b.yml"), pod("b"));
    writeFileSync(join(dir, "a.yaml"), pod("a"));
    writeFileSync(join(dir, "c.json"), JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "c" } }));
    writeFileSync(join(dir, "notes.txt"), "not a manifest");
    const manifests = await loadManifests(dir);
    assert.deepEqual(manifests.map((m) => m.object.metadata.name), ["a", "b", "c"]);
    assert.equal(manifests[0]!.source, join(dir, "a.yaml"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("- reads stdin; a missing path is a clear error", async () => {
  const manifests = await loadManifests("-", Readable.from([Buffer.from(pod("x")), Buffer.from(`---\n${pod("y")}`)]));
  assert.deepEqual(manifests.map((m) => [m.object.metadata.name, m.source]), [["x", "STDIN"], ["y", "STDIN"]]);
  await assert.rejects(loadManifests("/nonexistent/bosun.yaml"), /the path "\/nonexistent\/bosun\.yaml" does not exist/);
});
