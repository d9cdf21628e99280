// bosun create configmap|secret: what kubectl's generators make from literals, files,
// directories and env files; TLS and docker-registry Secrets; dry runs; and kubectl's
// refusals for bad sources, with nothing sent to the server.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigMap, KubeObject, Secret } from "@bosun/api";
import { createCertificateAuthority, signCertificate } from "@bosun/pki";
import { parse } from "yaml";
import { runCreate } from "../src/commands/create.js";
import { configMapFrom, dockerRegistrySecretFrom, genericSecretFrom, tlsSecretFrom } from "../src/create/objects.js";
import { fakeApiServerForSuite } from "../src/testing/fake-apiserver.js";

const none = { fromLiteral: [], fromFile: [], fromEnvFile: [] };
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("bosun create", () => {
  const fake = fakeApiServerForSuite();
  let dir: string;
  const at = (name: string) => join(dir, name);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "bosun-create-test-"));
    writeFileSync(at("app.properties"), "color=blue\n");
    writeFileSync(at("logo.bin"), Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    mkdirSync(at("conf"));
    writeFileSync(at("conf/a.conf"), "a\n");
    writeFileSync(at("conf/b.conf"), "b\n");
    mkdirSync(at("conf/nested"));
    writeFileSync(at("app.env"), "\uFEFF# settings\nMODE=prod\n\n  LEVEL=3\nFROM_ENV\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a ConfigMap from literals, a file under its name or a key, a directory's files, and bytes that are not UTF-8", () => {
    const cm = configMapFrom("app", "default", { ...none, fromLiteral: ["greeting=hello=world"], fromFile: [at("app.properties"), `logo=${at("logo.bin")}`, at("conf")] });
    assert.deepEqual(cm.data, { "app.properties": "color=blue\n", "a.conf": "a\n", "b.conf": "b\n", greeting: "hello=world" });
    assert.deepEqual(cm.binaryData, { logo: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("base64") });
    assert.deepEqual(cm.metadata, { name: "app", namespace: "default" });
  });

  test("an env file: comments and blank lines skipped, a KEY alone from the environment", () => {
    process.env.FROM_ENV = "from-the-shell";
    try {
      assert.deepEqual(configMapFrom("env", "default", { ...none, fromEnvFile: [at("app.env")] }).data, { MODE: "prod", LEVEL: "3", FROM_ENV: "from-the-shell" });
    } finally {
      delete process.env.FROM_ENV;
    }
  });

  test("kubectl's refusals: bad literals, keys, duplicates, a key for a directory, a missing file, env files mixed with others", () => {
    assert.throws(() => configMapFrom("x", "default", { ...none, fromLiteral: ["novalue"] }), /invalid literal source novalue, expected key=value/);
    assert.throws(() => configMapFrom("x", "default", { ...none, fromLiteral: ["bad key=1"] }), /"bad key" is not a valid key name for a ConfigMap/);
    assert.throws(() => configMapFrom("x", "default", { ...none, fromLiteral: ["a=1", "a=2"] }), /cannot add key "a", another key by that name already exists in Data for ConfigMap "x"/);
    assert.throws(() => configMapFrom("x", "default", { ...none, fromFile: [`key=${at("conf")}`] }), /cannot give a key name for a directory path/);
    assert.throws(() => configMapFrom("x", "default", { ...none, fromFile: [at("missing.txt")] }), /error reading .*missing\.txt: no such file or directory/);
    assert.throws(() => configMapFrom("x", "default", { ...none, fromFile: [`=${at("app.properties")}`] }), /key name for file path .* missing/);
    assert.throws(() => configMapFrom("x", "default", { ...none, fromEnvFile: [at("app.env")], fromLiteral: ["a=1"] }), /from-env-file cannot be combined with from-file or from-literal/);
    assert.throws(() => configMapFrom("x", "default", { ...none, fromEnvFile: [at("conf")] }), /env config file cannot be a directory/);
  });

  test("generic, TLS and docker-registry Secrets", async () => {
    const generic = genericSecretFrom("db", "default", { ...none, fromLiteral: ["password=s3cr3t"], fromFile: [`logo=${at("logo.bin")}`] }, "kubernetes.io/basic-auth");
    assert.deepEqual(generic.data, { password: b64("s3cr3t"), logo: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("base64") });
    assert.equal(generic.type, "kubernetes.io/basic-auth");

    const ca = await createCertificateAuthority("create-test");
    const site = await signCertificate(ca, { commonName: "site", sans: ["site"], usages: ["server"], validityMs: 3_600_000 });
    writeFileSync(at("tls.crt"), site.cert);
    writeFileSync(at("tls.key"), site.key);
    writeFileSync(at("other.key"), ca.key);
    const tls = tlsSecretFrom("site", "default", at("tls.crt"), at("tls.key"));
    assert.equal(tls.type, "kubernetes.io/tls");
    assert.deepEqual(tls.data, { "tls.crt": b64(site.cert), "tls.key": b64(site.key) });
    assert.throws(() => tlsSecretFrom("site", "default", at("tls.crt"), at("other.key")), /failed to load key pair tls: private key does not match public key/);
    assert.throws(() => tlsSecretFrom("site", "default", at("tls.crt"), undefined), /key and cert must be specified/);

    const registry = dockerRegistrySecretFrom("pull", "default", { server: "registry.example:5000", username: "u", password: "p", email: "u@example", fromFile: [] });
    assert.equal(registry.type, "kubernetes.io/dockerconfigjson");
    assert.deepEqual(JSON.parse(Buffer.from(registry.data![".dockerconfigjson"]!, "base64").toString()), {
      auths: { "registry.example:5000": { username: "u", password: "p", email: "u@example", auth: b64("u:p") } },
    });
    assert.throws(() => dockerRegistrySecretFrom("pull", "default", { server: "s", fromFile: [] }), /either --from-file or the combination of --docker-username, --docker-password and --docker-server is required/);
  });

  test("created on the server, or printed only with --dry-run=client, or checked with --dry-run=server", async () => {
    let out = "";
    const print = (t: string) => void (out += t);
    const cm = configMapFrom("app", "default", { ...none, fromLiteral: ["a=1"] });
    assert.equal(await runCreate(fake.client, cm, { dryRun: "client", output: "yaml" }, print), 0);
    assert.deepEqual((parse(out) as ConfigMap).data, { a: "1" });
    assert.equal(fake.api.objects.size, 0, "a client dry run sends nothing");
    out = "";
    await runCreate(fake.client, cm, { dryRun: "server" }, print);
    assert.equal(out, "configmap/app created (server dry run)\n");
    assert.ok(fake.api.calls.some((c) => c.method === "POST" && c.query.get("dryRun") === "All"));
    out = "";
    await runCreate(fake.client, cm, { dryRun: "none" }, print);
    assert.equal(out, "configmap/app created\n");
    assert.deepEqual((fake.api.objects.get("configmaps/default/app") as ConfigMap | undefined)?.data, { a: "1" });
    out = "";
    await runCreate(fake.client, genericSecretFrom("db", "default", { ...none, fromLiteral: ["k=v"] }) as KubeObject, { dryRun: "none", output: "name" }, print);
    assert.equal(out, "secret/db\n");
    assert.deepEqual((fake.api.objects.get("secrets/default/db") as Secret | undefined)?.data, { k: b64("v") });
  });
});
