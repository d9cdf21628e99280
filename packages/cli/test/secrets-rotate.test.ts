// bosun secrets rotate against a real apiserver over etcd whose encryption
// configuration is a file: the new key goes first in every master's file, the server
// writes with it, every Secret is stored again under the new key's prefix and reads
// back the same; files that disagree or do not parse are refused with nothing changed.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { mustResource, type KubeObject } from "@bosun/api";
import { defaultEncryptionConfig, formatEncryptionConfig, parseEncryptionConfig } from "@bosun/apiserver";
import { startTestApiServer, testPki, type TestApiServer } from "@bosun/apiserver/testing";
import { ApiClient } from "@bosun/client";
import { runSecretsRotate } from "../src/commands/secrets.js";
import { promoteSecretsKey, withNewSecretsKey } from "../src/secrets/rotation.js";

const secrets = mustResource("secrets");

describe("bosun secrets rotate", () => {
  const dir = mkdtempSync(join(tmpdir(), "bosun-rotate-test-"));
  // Two masters' files, as in the lab; this one server follows the first.
  const files = [join(dir, "master-1.yaml"), join(dir, "master-2.yaml")];
  const initial = defaultEncryptionConfig();
  let api: TestApiServer;
  let client: ApiClient;
  let etcd: Etcd3;

  before(async () => {
    for (const f of files) writeFileSync(f, formatEncryptionConfig(initial), { mode: 0o600 });
    api = await startTestApiServer({ encryption: { config: initial, file: files[0]! } });
    const pki = await testPki();
    client = new ApiClient({ server: api.url, credentials: { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key } });
    etcd = new Etcd3({ hosts: api.etcd.endpoint });
    for (const [ns, name] of [["default", "a"], ["kube-system", "b"]] as const) {
      await client.create(secrets, { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, stringData: { value: `${name}-plain` } } as KubeObject, ns);
    }
  });
  after(async () => {
    etcd?.close();
    await client?.close();
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const prefixOf = async (key: string) => ((await etcd.get(key).buffer()) ?? Buffer.alloc(0)).subarray(0, 23).toString();

  test("adds key2 to every master's file, waits for the server to write with it, and rewrites every Secret", async () => {
    assert.equal(await prefixOf("/registry/core/secrets/default/a"), "k8s:enc:aesgcm:v1:key1:");
    const out: string[] = [];
    assert.equal(await runSecretsRotate(client, { files, timeoutMs: 20_000, out: (l) => void out.push(l) }), 0);
    assert.match(out.join("\n"), /Rewrote \d+ Secrets with aesgcm:key2/);
    for (const f of files) {
      const c = parseEncryptionConfig(readFileSync(f, "utf8"), f);
      const first = c.resources[0]!.providers[0]!;
      assert.ok("aesgcm" in first);
      assert.deepEqual(first.aesgcm.keys.map((k) => k.name), ["key2", "key1"], `${f}: the new key first, the old one kept`);
    }
    assert.deepEqual(readFileSync(files[0]!, "utf8"), readFileSync(files[1]!, "utf8"), "both masters have the same file");
    assert.equal(await prefixOf("/registry/core/secrets/default/a"), "k8s:enc:aesgcm:v1:key2:");
    assert.equal(await prefixOf("/registry/core/secrets/kube-system/b"), "k8s:enc:aesgcm:v1:key2:");
    const a = await client.get<KubeObject & { data: Record<string, string> }>(secrets, "a", "default");
    assert.equal(Buffer.from(a.data.value!, "base64").toString(), "a-plain");
  });

  test("files that disagree are refused, and nothing is written", async () => {
    const other = join(dir, "other.yaml");
    writeFileSync(other, formatEncryptionConfig(defaultEncryptionConfig()), { mode: 0o600 });
    const before = readFileSync(files[0]!, "utf8");
    await assert.rejects(runSecretsRotate(client, { files: [files[0]!, other], timeoutMs: 1_000, out: () => undefined }), /differ; every master needs the same one/);
    assert.equal(readFileSync(files[0]!, "utf8"), before);
    writeFileSync(other, "kind: [", { mode: 0o600 });
    await assert.rejects(runSecretsRotate(client, { files: [other], timeoutMs: 1_000, out: () => undefined }), /other\.yaml: not YAML/);
    await assert.rejects(runSecretsRotate(client, { files: [join(dir, "missing.yaml")], timeoutMs: 1_000, out: () => undefined }), /cannot read the encryption configuration .*missing\.yaml/);
  });

  test("a file the server does not follow: the wait ends with what to check, and no Secret is rewritten", async () => {
    const stray = join(dir, "stray.yaml");
    writeFileSync(stray, readFileSync(files[0]!, "utf8"), { mode: 0o600 });
    const before = (await etcd.get("/registry/core/secrets/default/a").buffer())!;
    await assert.rejects(runSecretsRotate(client, { files: [stray], timeoutMs: 1_500, out: () => undefined }), /does not read Secrets with aesgcm:key3 after 2s \(it writes Secrets with aesgcm:key2.*Nothing was rewritten/);
    assert.deepEqual((await etcd.get("/registry/core/secrets/default/a").buffer())!, before);
  });

  test("a new key reads first and writes once promoted; key names count up; a configuration without aesgcm gets one", () => {
    const added = withNewSecretsKey(initial);
    assert.equal(added.name, "aesgcm:key2");
    const first = added.config.resources[0]!.providers[0]!;
    assert.ok("aesgcm" in first && first.aesgcm.keys.map((k) => k.name).join() === "key1,key2", "key1 still writes, key2 reads");
    const promoted = promoteSecretsKey(added.config, added.name).resources[0]!.providers;
    assert.ok("aesgcm" in promoted[0]! && promoted[0].aesgcm.keys.map((k) => k.name).join() === "key2,key1");
    assert.ok("identity" in promoted[1]!);
    const plain = { ...initial, resources: [{ resources: ["secrets"], providers: [{ identity: {} as Record<string, never> }] }] };
    const fromPlain = withNewSecretsKey(plain);
    assert.equal(fromPlain.name, "aesgcm:key1");
    assert.ok("identity" in fromPlain.config.resources[0]!.providers[0]!, "identity still writes until promoted");
    const enabled = promoteSecretsKey(fromPlain.config, fromPlain.name).resources[0]!.providers;
    assert.ok("aesgcm" in enabled[0]! && "identity" in enabled[1]!);
  });
});
