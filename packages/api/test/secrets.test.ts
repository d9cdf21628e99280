import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyDefaults,
  base64Problem,
  maxSecretSizeBytes,
  mergeStringData,
  printerFor,
  resourceByName,
  secretDataSizes,
  supportedFieldSelectors,
  validateObject,
  type KubeObject,
  type Secret,
  type StatusCause,
} from "../src/index.js";

const secrets = resourceByName("secrets")!;
const b64 = (text: string) => Buffer.from(text).toString("base64");

function secret(extra: Record<string, unknown> = {}): Secret {
  return { apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "default" }, ...extra } as Secret;
}

function messages(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

/** What the apiserver does before validating: merge stringData, then defaults. */
function prepared(s: Secret): Secret {
  mergeStringData(s as KubeObject);
  applyDefaults(secrets, s as KubeObject);
  return s;
}

test("secrets are served as core/v1 kind Secret without short names, resolved by plural, singular and kind", () => {
  assert.deepEqual(
    { group: secrets.group, version: secrets.version, kind: secrets.kind, listKind: secrets.listKind, namespaced: secrets.namespaced, shortNames: secrets.shortNames },
    { group: "", version: "v1", kind: "Secret", listKind: "SecretList", namespaced: true, shortNames: [] },
  );
  assert.deepEqual(secrets.verbs, ["create", "delete", "get", "list", "patch", "update", "watch"]);
  assert.equal(resourceByName("secret"), secrets);
  assert.equal(resourceByName("Secret"), secrets);
  assert.ok(supportedFieldSelectors("Secret").includes("type"), "kubeadm finds bootstrap tokens by type");
});

test("base64 is decoded as Go's StdEncoding does: padding required, newlines skipped, the first bad byte named", () => {
  for (const ok of ["", "QUJD", "QUI=", "QQ==", "QUJD\nREVG", "QUJD\r\n", "QQ=\n="]) assert.equal(base64Problem(ok), undefined, JSON.stringify(ok));
  const cases: [string, number][] = [
    ["QUJ", 0], // a quantum cut short: padding was required
    ["QUJDRQ", 4],
    ["QU*D", 2],
    ["Q===", 1],
    ["QQ=", 3],
    ["QQ=x", 2],
    ["QQ==QQ==", 4],
    ["hello world", 5],
  ];
  for (const [input, offset] of cases) {
    assert.equal(base64Problem(input), `illegal base64 data at input byte ${offset}`, JSON.stringify(input));
  }
});

test("stringData is merged into data as base64 of its UTF-8 bytes, overwriting data's keys, and dropped", () => {
  const s = secret({ data: { keep: b64("k"), user: b64("old") }, stringData: { user: "admin", "pass.word": "s3cr€t" } });
  mergeStringData(s as KubeObject);
  assert.deepEqual(s.data, { keep: b64("k"), user: b64("admin"), "pass.word": Buffer.from("s3cr€t", "utf8").toString("base64") });
  assert.equal("stringData" in s, false);
  const only = secret({ stringData: { token: "abc" } });
  mergeStringData(only as KubeObject);
  assert.deepEqual(only.data, { token: b64("abc") });
  const empty = secret({ stringData: {} });
  mergeStringData(empty as KubeObject);
  assert.equal("data" in empty || "stringData" in empty, false, "nothing to merge leaves no empty data behind");
});

test("a stringData that is not a map of strings is left for validation to report by path", () => {
  const s = secret({ stringData: { port: 5432 } });
  mergeStringData(s as KubeObject);
  assert.deepEqual(messages(validateObject(secrets, prepared(s))), ["stringData[port]: Invalid value: 5432: expected string, got integer"]);
});

test("a Secret without a type is Opaque; a type it names is kept", () => {
  assert.equal(prepared(secret()).type, "Opaque");
  assert.equal(prepared(secret({ type: "" })).type, "Opaque");
  assert.equal(prepared(secret({ type: "bootstrap.kubernetes.io/token" })).type, "bootstrap.kubernetes.io/token");
});

test("a kubeadm bootstrap token Secret is valid as kubeadm writes it", () => {
  const token = prepared(
    secret({
      metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
      type: "bootstrap.kubernetes.io/token",
      stringData: {
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        expiration: "2030-01-01T00:00:00Z",
        "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true",
        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
      },
    }),
  );
  assert.deepEqual(validateObject(secrets, token), []);
  assert.equal(Buffer.from(token.data!["token-secret"]!, "base64").toString(), "0123456789abcdef");
});

test("data keys must be config keys of at most 253 characters, and not step out of a directory", () => {
  const long = "k".repeat(254);
  const s = prepared(secret({ data: { "a b": b64("x"), "..hidden": b64("x"), [long]: b64("x"), "ok.key_-1": b64("x") } }));
  const regex = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
  assert.deepEqual(messages(validateObject(secrets, s)), [
    `data[a b]: Invalid value: "a b": ${regex}`,
    `data[..hidden]: Invalid value: "..hidden": must not start with '..'`,
    `data[${long}]: Invalid value: "${long}": must be no more than 253 characters`,
  ]);
  const dot = prepared(secret({ stringData: { "..": "x" } }));
  assert.deepEqual(messages(validateObject(secrets, dot)), [`data[..]: Invalid value: "..": must not be '..'`], "stringData keys are checked as data keys");
});

test("data values must be base64; the cause says where decoding failed and never quotes the value", () => {
  const s = prepared(secret({ data: { password: "hunter2!" } }));
  const causes = validateObject(secrets, s);
  assert.deepEqual(causes, [
    { reason: "FieldValueInvalid", field: "data[password]", message: 'Invalid value: "<secret contents redacted>": illegal base64 data at input byte 7' },
  ]);
  assert.doesNotMatch(JSON.stringify(causes), /hunter2/);
});

test("the decoded values together may hold at most 1 MiB", () => {
  const half = Buffer.alloc(maxSecretSizeBytes / 2).toString("base64");
  assert.deepEqual(validateObject(secrets, prepared(secret({ data: { a: half, b: half } }))), []);
  const over = prepared(secret({ data: { a: half, b: half }, stringData: { c: "x" } }));
  assert.deepEqual(messages(validateObject(secrets, over)), ["data: Too long: must have at most 1048576 bytes"]);
});

test("well-known types need their keys, as Kubernetes checks them", () => {
  const check = (type: string, extra: Record<string, unknown> = {}) => messages(validateObject(secrets, prepared(secret({ type, ...extra }))));
  assert.deepEqual(check("kubernetes.io/tls", { stringData: { "tls.crt": "c" } }), ["data[tls.key]: Required value"]);
  assert.deepEqual(check("kubernetes.io/basic-auth"), ["data[username]: Required value", "data[password]: Required value"]);
  assert.deepEqual(check("kubernetes.io/basic-auth", { stringData: { password: "" } }), [], "either key may be empty");
  assert.deepEqual(check("kubernetes.io/ssh-auth", { stringData: { "ssh-privatekey": "" } }), ["data[ssh-privatekey]: Required value"]);
  assert.deepEqual(check("kubernetes.io/service-account-token"), ["metadata.annotations[kubernetes.io/service-account.name]: Required value"]);
  assert.deepEqual(check("kubernetes.io/dockerconfigjson", { stringData: { ".dockerconfigjson": '{"auths":{}}' } }), []);
  assert.deepEqual(check("kubernetes.io/dockerconfigjson", { stringData: { ".dockerconfigjson": "[]" } }), [
    'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}',
  ]);
  assert.deepEqual(check("kubernetes.io/dockercfg"), ["data[.dockercfg]: Required value"]);
  assert.deepEqual(check("example.com/anything"), [], "other types have no rules of their own");
});

test("type never changes; an immutable Secret keeps its data and stays immutable; metadata may change", () => {
  const old = prepared(secret({ immutable: true, data: { a: b64("1") } }));
  const update = (extra: Record<string, unknown>) => {
    const next = prepared(secret({ immutable: true, data: { a: b64("1") }, ...extra }));
    return messages(validateObject(secrets, next, old as KubeObject));
  };
  assert.deepEqual(update({ metadata: { name: "creds", namespace: "default", labels: { team: "a" } } }), []);
  assert.deepEqual(update({ stringData: { a: "1" } }), [], "stringData that leaves data as it is changes nothing");
  assert.deepEqual(update({ stringData: { a: "2" } }), ["data: Forbidden: field is immutable when `immutable` is set"]);
  assert.deepEqual(update({ data: { a: b64("1"), b: b64("2") } }), ["data: Forbidden: field is immutable when `immutable` is set"]);
  assert.deepEqual(update({ immutable: false }), ["immutable: Forbidden: field is immutable when `immutable` is set"]);
  assert.deepEqual(update({ type: "kubernetes.io/tls", data: { a: b64("1"), "tls.crt": "", "tls.key": "" } }), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
    "data: Forbidden: field is immutable when `immutable` is set",
  ]);
  const mutable = prepared(secret({ data: { a: b64("1") } }));
  const changed = prepared(secret({ data: { a: b64("2") }, immutable: true }));
  assert.deepEqual(validateObject(secrets, changed, mutable as KubeObject), [], "a mutable Secret may change its data and become immutable");
});

test("the table shows NAME, TYPE, how many keys DATA holds, and AGE", () => {
  const s = secret({ metadata: { name: "creds", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" }, type: "Opaque", data: { a: b64("1"), b: b64("22") } });
  assert.deepEqual(printerFor("Secret").columns.map((c) => [c.name, c.type, c.priority]), [
    ["Name", "string", 0],
    ["Type", "string", 0],
    ["Data", "string", 0],
    ["Age", "string", 0],
  ]);
  assert.deepEqual(printerFor("Secret").cells(s, Date.parse("2024-05-01T12:00:00Z")), ["creds", "Opaque", 2, "60m"]);
  assert.deepEqual(printerFor("Secret").cells(secret({ type: "Opaque" }), Date.parse("2024-05-01T12:00:00Z"))[2], 0);
  assert.deepEqual(secretDataSizes(s), [["a", 1], ["b", 2]]);
});
