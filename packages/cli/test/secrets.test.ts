// Secrets in the CLI: `bosun get secrets` with kubectl's columns, and `bosun
// describe secret` with kubectl's layout, showing each key's size and never a
// value. Through the binary against a fake API server, as users run it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Secret } from "@bosun/api";
import { describeSecret } from "../src/printers/describe-secrets.js";
import { printTable } from "../src/printers/tables.js";
import type { FakeApiServer } from "../src/testing/fake-apiserver.js";
import { startCliAgainstFakeApi, type CliAgainstFakeApi } from "../src/testing/run-cli.js";

const now = Date.parse("2024-05-01T12:00:00Z");
const b64 = (text: string) => Buffer.from(text).toString("base64");

function secret(name: string, namespace: string, type: string, data: Record<string, string>, extra: Partial<Secret["metadata"]> = {}): Secret {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace, creationTimestamp: "2024-05-01T11:00:00Z", ...extra }, type, data: encoded };
}

const token = secret("bootstrap-token-abcdef", "kube-system", "bootstrap.kubernetes.io/token", {
  "token-secret": "0123456789abcdef",
  "token-id": "abcdef",
  "usage-bootstrap-authentication": "true",
});
const creds = secret("creds", "default", "Opaque", { password: "hunter2-hunter2", user: "admin" }, { labels: { app: "web" } });

let cli: CliAgainstFakeApi;
let api: FakeApiServer;

before(async () => {
  cli = await startCliAgainstFakeApi();
  api = cli.api;
  api.put("secrets", token);
  api.put("secrets", creds);
});
after(() => cli.close());

const bosun = (args: string[]) => cli.run(args);

test("the secrets table: NAME, TYPE, DATA (how many keys) and AGE, as kubectl prints it", () => {
  assert.equal(
    printTable("Secret", [creds, token], { now }),
    [
      "NAME                     TYPE                            DATA   AGE",
      "creds                    Opaque                          2      60m",
      "bootstrap-token-abcdef   bootstrap.kubernetes.io/token   3      60m",
      "",
    ].join("\n"),
  );
});

test("describe: metadata, the type, then each key with its size in bytes, sorted, never a value", () => {
  const text = describeSecret(token);
  assert.equal(
    text,
    [
      "Name:         bootstrap-token-abcdef",
      "Namespace:    kube-system",
      "Labels:       <none>",
      "Annotations:  <none>",
      "",
      "Type:  bootstrap.kubernetes.io/token",
      "",
      "Data",
      "====",
      "token-id:                        6 bytes",
      "token-secret:                    16 bytes",
      "usage-bootstrap-authentication:  4 bytes",
      "",
    ].join("\n"),
  );
  assert.doesNotMatch(text, /0123456789abcdef/);
  assert.match(describeSecret({ ...creds, data: {} }), /Data\n====\n$/, "a Secret without data lists no keys");
});

test("bosun get secrets, get secret NAME, -A: kubectl's columns through the binary", async () => {
  const list = await bosun(["get", "secrets"]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^NAME +TYPE +DATA +AGE\ncreds +Opaque +2 +\S+\n$/);
  const one = await bosun(["-n", "kube-system", "get", "secret", "bootstrap-token-abcdef"]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^NAME +TYPE +DATA +AGE\nbootstrap-token-abcdef +bootstrap\.kubernetes\.io\/token +3 +\S+\n$/);
  const all = await bosun(["get", "secrets", "-A"]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(
    all.stdout.trimEnd().split("\n").map((line) => line.split(/ +/).slice(0, 4)),
    [["NAMESPACE", "NAME", "TYPE", "DATA"], ["default", "creds", "Opaque", "2"], ["kube-system", "bootstrap-token-abcdef", "bootstrap.kubernetes.io/token", "3"]],
  );
});

test("bosun describe secret shows sizes and no value", async () => {
  const r = await bosun(["describe", "secret", "creds"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Name: +creds\nNamespace: +default\nLabels: +app=web\n/);
  assert.match(r.stdout, /\nType:  Opaque\n\nData\n====\npassword:  15 bytes\nuser:      5 bytes\n$/);
  assert.doesNotMatch(r.stdout, /hunter2|admin|aHVudGVy/);
});
