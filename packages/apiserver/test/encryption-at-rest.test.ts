// Encryption at rest through a real apiserver and etcd: Secrets are stored under
// the aesgcm provider's prefix with no plaintext, read back whole through get, list
// and watch; other kinds stay plain; a Secret stored before encryption (or with an
// old key) still reads and is rewritten with the writing key by an update that
// changes nothing; a changed configuration file takes effect without a restart;
// /v1-bosun/encryption names providers and keys to admins only. Bad configuration
// files are refused naming the line of trouble.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { sleep } from "@bosun/client";
import { encryptionConfigApiVersion, formatEncryptionConfig, newAesGcmKey, parseEncryptionConfig, type AesGcmKey, type EncryptionConfiguration } from "../src/storage/value/encryption-config.js";
import { Agent } from "undici";
import { signCertificate } from "@bosun/pki";
import { call, startTestApiServer, testPki, WatchReader, type TestApiServer } from "../src/testing/index.js";

function config(keys: AesGcmKey[], identity = true): EncryptionConfiguration {
  return {
    apiVersion: encryptionConfigApiVersion,
    kind: "EncryptionConfiguration",
    resources: [{ resources: ["secrets"], providers: [{ aesgcm: { keys } }, ...(identity ? [{ identity: {} as Record<string, never> }] : [])] }],
  };
}

const secret = (name: string, value: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: "default" },
  data: { password: Buffer.from(value).toString("base64") },
});

describe("encryption at rest", () => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-encryption-test-"));
  const file = join(dir, "encryption-config.yaml");
  const key1 = newAesGcmKey("key1");
  const key2 = newAesGcmKey("key2");
  let api: TestApiServer;
  let etcd: Etcd3;
  const raw = async (key: string) => (await etcd.get(key).buffer()) ?? Buffer.alloc(0);

  before(async () => {
    writeFileSync(file, formatEncryptionConfig(config([key1])), { mode: 0o600 });
    api = await startTestApiServer({ encryption: { config: config([key1]), file } });
    etcd = new Etcd3({ hosts: api.etcd.endpoint });
  });
  after(async () => {
    etcd?.close();
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a Secret is stored under the aesgcm prefix with no plaintext, and reads back whole through get, list and watch", async () => {
    const watch = await WatchReader.open(api.url, "/api/v1/namespaces/default/secrets?watch=true");
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces/default/secrets", secret("db", "hunter2-plaintext"))).status, 201);
    const stored = await raw("/registry/core/secrets/default/db");
    assert.ok(stored.subarray(0, 23).toString() === "k8s:enc:aesgcm:v1:key1:", `stored as ${stored.subarray(0, 30).toString()}`);
    assert.ok(!stored.includes("hunter2-plaintext") && !stored.includes(Buffer.from("hunter2-plaintext").toString("base64")) && !stored.includes('"kind"'), "no plaintext in etcd");
    const got = await call<{ data: Record<string, string> }>(api.url, "GET", "/api/v1/namespaces/default/secrets/db");
    assert.equal(Buffer.from(got.body.data.password!, "base64").toString(), "hunter2-plaintext");
    const listed = await call<{ items: { data: Record<string, string> }[] }>(api.url, "GET", "/api/v1/namespaces/default/secrets");
    assert.equal(Buffer.from(listed.body.items[0]!.data.password!, "base64").toString(), "hunter2-plaintext");
    const event = await watch.next();
    watch.close();
    assert.equal(event.type, "ADDED");
    assert.equal(Buffer.from((event.object.data as Record<string, string>).password!, "base64").toString(), "hunter2-plaintext");
  });

  test("kinds the configuration does not name stay plain JSON", async () => {
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "plain" } })).status, 201);
    assert.equal((await raw("/registry/core/namespaces/plain")).subarray(0, 1).toString(), "{");
  });

  test("a Secret stored before encryption reads back, and an update that changes nothing encrypts it", async () => {
    // As an apiserver without encryption stored it: the whole object as JSON.
    const legacy = secret("legacy", "old-plaintext");
    const stored = { ...legacy, type: "Opaque", metadata: { ...legacy.metadata, uid: "6f1c1d7e-0000-4000-8000-000000000001", creationTimestamp: "2026-01-01T00:00:00Z" } };
    await etcd.put("/registry/core/secrets/default/legacy").value(JSON.stringify(stored));
    const got = await call<{ data: Record<string, string>; metadata: { resourceVersion: string } }>(api.url, "GET", "/api/v1/namespaces/default/secrets/legacy");
    assert.equal(got.status, 200);
    assert.equal(Buffer.from(got.body.data.password!, "base64").toString(), "old-plaintext");
    assert.equal((await call(api.url, "PUT", "/api/v1/namespaces/default/secrets/legacy", got.body)).status, 200);
    assert.equal((await raw("/registry/core/secrets/default/legacy")).subarray(0, 23).toString(), "k8s:enc:aesgcm:v1:key1:");
  });

  test("a new key put first in the file writes from then on; values of the old key still read, and are rewritten by an unchanged update", async () => {
    writeFileSync(file, formatEncryptionConfig(config([key2, key1])), { mode: 0o600 });
    // The file is followed (polled each second): wait until the status names the new writer.
    let writer = "";
    for (let i = 0; i < 100 && writer !== "aesgcm:key2"; i++) {
      await sleep(100);
      writer = (await call<{ resources: { resource: string; write: string }[] }>(api.url, "GET", "/v1-bosun/encryption")).body.resources[0]?.write ?? "";
    }
    assert.equal(writer, "aesgcm:key2");
    const status = await call<{ resources: unknown[] }>(api.url, "GET", "/v1-bosun/encryption");
    assert.deepEqual(status.body.resources, [{ resource: "secrets", write: "aesgcm:key2", read: ["aesgcm:key2", "aesgcm:key1", "identity"] }]);
    assert.ok(!JSON.stringify(status.body).includes(key1.secret), "no key material in the status");
    const db = await call<Record<string, unknown>>(api.url, "GET", "/api/v1/namespaces/default/secrets/db");
    assert.equal((await raw("/registry/core/secrets/default/db")).subarray(0, 23).toString(), "k8s:enc:aesgcm:v1:key1:", "reading does not rewrite");
    assert.equal((await call(api.url, "PUT", "/api/v1/namespaces/default/secrets/db", db.body)).status, 200);
    assert.equal((await raw("/registry/core/secrets/default/db")).subarray(0, 23).toString(), "k8s:enc:aesgcm:v1:key2:");
    const again = await call<{ data: Record<string, string> }>(api.url, "GET", "/api/v1/namespaces/default/secrets/db");
    assert.equal(Buffer.from(again.body.data.password!, "base64").toString(), "hunter2-plaintext");
  });

  test("a broken file leaves the providers in force", async () => {
    writeFileSync(file, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [", { mode: 0o600 });
    await sleep(2_500);
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces/default/secrets", secret("after-broken", "x"))).status, 201);
    assert.equal((await raw("/registry/core/secrets/default/after-broken")).subarray(0, 23).toString(), "k8s:enc:aesgcm:v1:key2:");
  });

  test("a value moved under another key does not decrypt, and the error says what to do", async () => {
    await etcd.put("/registry/core/secrets/default/moved").value(await raw("/registry/core/secrets/default/db"));
    const moved = await call<{ message: string }>(api.url, "GET", "/api/v1/namespaces/default/secrets/moved");
    assert.equal(moved.status, 500);
    assert.match(moved.body.message, /cannot decrypt \/registry\/core\/secrets\/default\/moved/);
    await etcd.delete().key("/registry/core/secrets/default/moved");
  });

  test("only admins may read /v1-bosun/encryption", async () => {
    const pki = await testPki();
    const node = await signCertificate(pki.ca, { commonName: "system:node:n1", organizations: ["system:nodes"], usages: ["client"], validityMs: 3_600_000 });
    const asNode = new Agent({ connect: { ca: pki.ca.cert, cert: node.cert, key: node.key } });
    const refused = await fetch(`${api.url}/v1-bosun/encryption`, { dispatcher: asNode } as unknown as RequestInit);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { message: string }).message, /User "system:node:n1" is not in system:masters/);
    await asNode.close();
    assert.equal((await call(api.url, "POST", "/v1-bosun/encryption", {})).status, 405);
  });
});

describe("a master whose encryption configuration lacks a key the Secrets are written with", () => {
  test("refuses to start, naming the Secret, the key and what to do", async () => {
    const writer = await startTestApiServer({ encryption: { config: config([newAesGcmKey("key1")]) } });
    try {
      assert.equal((await call(writer.url, "POST", "/api/v1/namespaces/default/secrets", secret("s", "v"))).status, 201);
      const { createApiServer } = await import("../src/server.js");
      const pki = await testPki();
      await assert.rejects(
        createApiServer({
          etcdEndpoints: [writer.etcd.endpoint],
          prefix: "/registry",
          tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert },
          encryption: { config: config([newAesGcmKey("key1")]) },
        }),
        /1 of the 1 secrets in etcd cannot be read with this master's encryption configuration; the first: cannot decrypt \/registry\/core\/secrets\/default\/s.*Every master needs the same --encryption-provider-config file/,
      );
    } finally {
      await writer.stop();
    }
  });
});

describe("encryption configuration files", () => {
  const key = newAesGcmKey("k");
  const parse = (text: string) => parseEncryptionConfig(text, "enc.yaml");
  const head = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n";

  test("a good file, and each kind of mistake named with its place", () => {
    const good = parse(`${head}resources:\n  - resources: [secrets, configmaps]\n    providers:\n      - aesgcm:\n          keys:\n            - name: k\n              secret: ${key.secret}\n      - identity: {}\n`);
    assert.deepEqual(good.resources[0]!.resources, ["secrets", "configmaps"]);
    assert.throws(() => parse("apiVersion: v1\nkind: Secret\n"), /enc\.yaml: apiVersion\/kind: must be apiserver\.config\.k8s\.io\/v1 EncryptionConfiguration/);
    assert.throws(() => parse(`${head}resources: []\n`), /resources: must list at least one entry/);
    assert.throws(() => parse(`${head}resources:\n  - resources: [secrets]\n    providers:\n      - secretbox: {}\n`), /providers\[0\]: the secretbox provider is not supported by Bosun; use aesgcm/);
    assert.throws(() => parse(`${head}resources:\n  - resources: [secrets]\n    providers:\n      - aesgcm:\n          keys:\n            - name: k\n              secret: c2hvcnQ=\n`), /keys\[0\]\.secret: must be the base64 of 16, 24 or 32 random bytes \(got 5 bytes\)/);
    assert.throws(() => parse(`${head}resources:\n  - resources: [secrets]\n    providers: [{identity: {}}]\n  - resources: [secrets]\n    providers: [{identity: {}}]\n`), /secrets is configured twice/);
    assert.throws(() => parse(`${head}resources:\n  - resources: ["*.*"]\n    providers: [{identity: {}}]\n`), /is not a resource name/);
    assert.throws(() => parse("resources: ["), /enc\.yaml: not YAML/);
  });
});
