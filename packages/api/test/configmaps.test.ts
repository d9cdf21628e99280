import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyDefaults,
  maxConfigMapSizeBytes,
  printerFor,
  resourceByName,
  validateObject,
  type ConfigMap,
  type KubeObject,
  type StatusCause,
} from "../src/index.js";

const configMaps = resourceByName("configmaps")!;
const b64 = (text: string) => Buffer.from(text).toString("base64");

function configMap(extra: Record<string, unknown> = {}): ConfigMap {
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "default" }, ...extra } as ConfigMap;
  applyDefaults(configMaps, cm as KubeObject);
  return cm;
}

function messages(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

const check = (cm: ConfigMap, old?: ConfigMap) => messages(validateObject(configMaps, cm, old as KubeObject | undefined));

test("configmaps are served as core/v1 kind ConfigMap, namespaced, short name cm", () => {
  assert.deepEqual(
    { group: configMaps.group, version: configMaps.version, kind: configMaps.kind, listKind: configMaps.listKind, namespaced: configMaps.namespaced, shortNames: configMaps.shortNames },
    { group: "", version: "v1", kind: "ConfigMap", listKind: "ConfigMapList", namespaced: true, shortNames: ["cm"] },
  );
  assert.deepEqual(configMaps.subresources, []);
  assert.equal(resourceByName("cm"), configMaps);
  assert.equal(resourceByName("ConfigMap"), configMaps);
});

test("data and binaryData keys are config keys; a key may not be in both", () => {
  assert.deepEqual(check(configMap({ data: { "app.properties": "a=1\nb=2", EMPTY: "" }, binaryData: { "logo.png": b64("\x89PNG") } })), []);
  const regex = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
  assert.deepEqual(check(configMap({ data: { "a/b": "x", shared: "1" }, binaryData: { "..up": b64("x"), shared: b64("1") } })), [
    `data[a/b]: Invalid value: "a/b": ${regex}`,
    'data[shared]: Invalid value: "shared": duplicate of key present in binaryData',
    "binaryData[..up]: Invalid value: \"..up\": must not start with '..'",
  ]);
});

test("binaryData values must be base64, reported where decoding failed", () => {
  assert.deepEqual(check(configMap({ binaryData: { blob: "not base64!" } })), [
    'binaryData[blob]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3',
  ]);
});

test("data (UTF-8 bytes) and binaryData (decoded bytes) together hold at most 1 MiB, reported on the whole object as Kubernetes does", () => {
  assert.equal(maxConfigMapSizeBytes, 1048576);
  const half = maxConfigMapSizeBytes / 2;
  const text = "x".repeat(half);
  const bytes = Buffer.alloc(half).toString("base64");
  assert.ok(bytes.length > half, "the base64 text is longer than what it decodes to, and only the decoded size counts");
  assert.deepEqual(check(configMap({ data: { a: text }, binaryData: { b: bytes } })), []);
  assert.deepEqual(check(configMap({ data: { a: text, c: "é" }, binaryData: { b: bytes } })), ["[]: Too long: must have at most 1048576 bytes"], "é is two bytes");
  assert.deepEqual(check(configMap({ data: { a: text, b: `${text}x` } })), ["[]: Too long: must have at most 1048576 bytes"]);
});

test("an immutable ConfigMap keeps data and binaryData and stays immutable; metadata may change", () => {
  const old = configMap({ immutable: true, data: { a: "1" }, binaryData: { b: b64("2") } });
  const update = (extra: Record<string, unknown>) => check(configMap({ immutable: true, data: { a: "1" }, binaryData: { b: b64("2") }, ...extra }), old);
  assert.deepEqual(update({ metadata: { name: "settings", namespace: "default", labels: { team: "a" } } }), []);
  assert.deepEqual(update({ data: { a: "changed" } }), ["data: Forbidden: field is immutable when `immutable` is set"]);
  assert.deepEqual(update({ binaryData: {} }), ["binaryData: Forbidden: field is immutable when `immutable` is set"]);
  assert.deepEqual(update({ immutable: false }), ["immutable: Forbidden: field is immutable when `immutable` is set"]);
  assert.deepEqual(update({ immutable: undefined, data: {} }), [
    "immutable: Forbidden: field is immutable when `immutable` is set",
    "data: Forbidden: field is immutable when `immutable` is set",
  ]);
  const mutable = configMap({ data: { a: "1" } });
  assert.deepEqual(check(configMap({ data: { a: "2" }, immutable: true }), mutable), [], "a mutable ConfigMap may change and become immutable");
});

test("the table shows NAME, DATA (keys of data and binaryData together) and AGE", () => {
  const cm = configMap({ metadata: { name: "settings", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" }, data: { a: "1", b: "2" }, binaryData: { c: b64("3") } });
  assert.deepEqual(printerFor("ConfigMap").columns.map((c) => [c.name, c.type, c.priority]), [
    ["Name", "string", 0],
    ["Data", "string", 0],
    ["Age", "string", 0],
  ]);
  assert.deepEqual(printerFor("ConfigMap").cells(cm, Date.parse("2024-05-01T12:00:00Z")), ["settings", 3, "60m"]);
  assert.equal(printerFor("ConfigMap").cells(configMap(), Date.parse("2024-05-01T12:00:00Z"))[1], 0);
});
