// `bosun etcd snapshot save|restore` against real etcd: a snapshot saved from one
// etcd, restored into a new data directory and started there, holds the same keys;
// bad input (unreachable etcd, missing or corrupt file, a data directory in use)
// is refused with a clear message and nothing written.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startTestEtcd, type TestEtcd } from "@bosun/apiserver/testing";
import { createCertificateAuthority, signCertificate } from "@bosun/pki";
import { etcdctlBinary } from "../src/cluster/binaries.js";
import { Etcdctl } from "../src/etcd/snapshot.js";
import { runCli as bosun } from "../src/testing/run-cli.js";

const etcdctl = new Etcdctl(etcdctlBinary());

/** Every key under /registry/ with its value. */
async function registryKeys(endpoint: string): Promise<Record<string, string>> {
  const out = await etcdctl.run([`--endpoints=${endpoint}`, "get", "--prefix", "/registry/", "--write-out=json"]);
  const kvs = (JSON.parse(out) as { kvs?: { key: string; value: string }[] }).kvs ?? [];
  return Object.fromEntries(kvs.map((kv) => [Buffer.from(kv.key, "base64").toString(), Buffer.from(kv.value, "base64").toString()]));
}

const objects: Record<string, string> = {
  "/registry/core/namespaces/default": JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } }),
  "/registry/core/pods/default/web": JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" } }),
  "/registry/apps/deployments/default/web": JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } }),
};

describe("bosun etcd snapshot", () => {
  let etcd: TestEtcd;
  let dir: string;
  let snapshot: string;

  before(async () => {
    etcd = await startTestEtcd();
    dir = mkdtempSync(join(tmpdir(), "bosun-snapshot-test-"));
    snapshot = join(dir, "cluster.db");
    for (const [key, value] of Object.entries(objects)) await etcdctl.run([`--endpoints=${etcd.endpoint}`, "put", key, value]);
  });
  after(async () => {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("save, restore into a new data directory, start etcd there: the keys are back", async () => {
    const saved = await bosun(["etcd", "snapshot", "save", snapshot, "--etcd-servers", `http://127.0.0.1:1,${etcd.endpoint}`]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, new RegExp(`^Snapshot saved to ${snapshot} from ${etcd.endpoint}: revision \\d+, \\d+ keys, \\d+ bytes, hash \\d+; integrity checked\\n$`));
    // Only the snapshot itself: no partial files beside it.
    assert.deepEqual(readdirSync(dir), ["cluster.db"]);

    const dataDir = join(dir, "restored");
    const peer = `http://127.0.0.1:${await freePort()}`;
    const restored = await bosun(["etcd", "snapshot", "restore", snapshot, "--data-dir", dataDir, "--name", "test", "--initial-advertise-peer-urls", peer]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, new RegExp(`^Restored ${snapshot} \\(revision \\d+, .*\\) into ${dataDir} as member test of test=${peer}\\.`));
    assert.match(restored.stdout, new RegExp(`etcd \\\\\\n +--name test \\\\\\n +--data-dir ${dataDir} \\\\\\n +--listen-peer-urls ${peer}`));
    assert.deepEqual(readdirSync(dir).sort(), ["cluster.db", "restored"]);

    const restoredEtcd = await startTestEtcd(undefined, { dataDir });
    try {
      assert.deepEqual(await registryKeys(restoredEtcd.endpoint), objects);
    } finally {
      await restoredEtcd.stop();
    }
  });

  test("an empty data directory is restored into too", async () => {
    const dataDir = join(dir, "empty");
    mkdirSync(dataDir);
    const res = await bosun(["etcd", "snapshot", "restore", snapshot, "--data-dir", dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(readdirSync(dataDir), ["member"]);
    rmSync(dataDir, { recursive: true });
  });

  test("an unreachable etcd: a clear error and no file", async () => {
    const file = join(dir, "never.db");
    const res = await bosun(["etcd", "snapshot", "save", file, "--etcd-servers", `http://127.0.0.1:${await freePort()}`]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^error: no snapshot saved: etcd did not give one \(http:\/\/127\.0\.0\.1:\d+: not healthy: .+\)\. Check that etcd runs at --etcd-servers/);
    assert.equal(existsSync(file), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes("never")), []);
  });

  test("bad flags and an existing file are refused before etcd is asked", async () => {
    const before = readFileSync(snapshot);
    const exists = await bosun(["etcd", "snapshot", "save", snapshot, "--etcd-servers", etcd.endpoint]);
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /already exists; name a new file, or remove the old one first/);
    assert.ok(readFileSync(snapshot).equals(before), "the existing snapshot is untouched");

    const half = await bosun(["etcd", "snapshot", "save", join(dir, "x.db"), "--etcd-servers", etcd.endpoint, "--etcd-certfile", snapshot]);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /--etcd-certfile and --etcd-keyfile go together/);

    const notUrl = await bosun(["etcd", "snapshot", "save", join(dir, "x.db"), "--etcd-servers", "127.0.0.1:2379"]);
    assert.equal(notUrl.code, 1);
    assert.match(notUrl.stderr, /--etcd-servers entry "127\.0\.0\.1:2379" is not an http\(s\) URL/);
    assert.equal(existsSync(join(dir, "x.db")), false);
  });

  test("a missing, corrupt or foreign file, or a data directory in use, is refused and nothing is written", async () => {
    const target = join(dir, "target");
    const restore = (file: string, dataDir = target) => bosun(["etcd", "snapshot", "restore", file, "--data-dir", dataDir]);

    const missing = await restore(join(dir, "missing.db"));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: snapshot .*missing\.db does not exist/);

    const flipped = join(dir, "flipped.db");
    copyFileSync(snapshot, flipped);
    const bytes = readFileSync(flipped);
    bytes[9000] = bytes[9000]! ^ 0xff;
    writeFileSync(flipped, bytes);
    const corrupt = await restore(flipped);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /flipped\.db is corrupt: the sha256 of its database does not match the one etcd recorded in the snapshot/);

    const text = join(dir, "notes.db");
    writeFileSync(text, "not a snapshot\n");
    const foreign = await restore(text);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /notes\.db is not an etcd snapshot/);
    assert.equal(existsSync(target), false, "no data directory was made");

    const inUse = join(dir, "in-use");
    mkdirSync(inUse);
    writeFileSync(join(inUse, "keep"), "x");
    const refused = await restore(snapshot, inUse);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--data-dir .*in-use is not empty; restore into a new directory/);
    assert.deepEqual(readdirSync(inUse), ["keep"]);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes("restoring")), []);
  });
});

describe("bosun etcd snapshot against etcd with TLS and client certificates", () => {
  test("save with --etcd-cafile, --etcd-certfile and --etcd-keyfile; without them etcd refuses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-snapshot-tls-"));
    const hour = 3_600_000;
    const ca = await createCertificateAuthority("etcd-test-ca");
    const server = await signCertificate(ca, { commonName: "etcd", sans: ["127.0.0.1", "localhost"], usages: ["server"], validityMs: hour });
    const client = await signCertificate(ca, { commonName: "bosun-master", usages: ["client"], validityMs: hour });
    const files = { ca: join(dir, "ca.crt"), cert: join(dir, "etcd.crt"), key: join(dir, "etcd.key"), clientCert: join(dir, "client.crt"), clientKey: join(dir, "client.key") };
    writeFileSync(files.ca, ca.cert);
    writeFileSync(files.cert, server.cert);
    writeFileSync(files.key, server.key, { mode: 0o600 });
    writeFileSync(files.clientCert, client.cert);
    writeFileSync(files.clientKey, client.key, { mode: 0o600 });
    const etcd = await startTestEtcd(undefined, { dataDir: join(dir, "data"), tls: { caFile: files.ca, certFile: files.cert, keyFile: files.key } });
    try {
      const tlsFlags = ["--etcd-cafile", files.ca, "--etcd-certfile", files.clientCert, "--etcd-keyfile", files.clientKey];
      const file = join(dir, "tls.db");
      const saved = await bosun(["etcd", "snapshot", "save", file, "--etcd-servers", etcd.endpoint, ...tlsFlags]);
      assert.equal(saved.code, 0, saved.stderr);
      assert.match(saved.stdout, new RegExp(`^Snapshot saved to ${file} from ${etcd.endpoint}: revision \\d+`));
      assert.ok(existsSync(file));

      const refused = await bosun(["etcd", "snapshot", "save", join(dir, "no-cert.db"), "--etcd-servers", etcd.endpoint, "--etcd-cafile", files.ca]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^error: no snapshot saved: etcd did not give one \(https:\/\/127\.0\.0\.1:\d+: not healthy: /);
      assert.equal(existsSync(join(dir, "no-cert.db")), false);
    } finally {
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
