// Where the CLI finds the cluster and its credentials: a kubeconfig (--kubeconfig,
// $KUBECONFIG, bosun up's), with --server and $BOSUN_SERVER replacing its server.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { createCertificateAuthority, mastersGroup, signCertificate, type KeyPair } from "@bosun/pki";
import { bosunHome, defaultServer, kubeconfigFile, kubeconfigPath, normalizeServer, resolveAccess, writeClientConfig } from "../src/config.js";

let ca: KeyPair;
let admin: KeyPair;

before(async () => {
  ca = await createCertificateAuthority("cli-config-test-ca");
  admin = await signCertificate(ca, { commonName: "bosun-admin", organizations: [mastersGroup], usages: ["client"], validityMs: 3_600_000 });
});

function withHome(fn: (home: string) => void): void {
  const home = mkdtempSync(join(tmpdir(), "bosun-cli-config-"));
  try {
    fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** A kubeconfig with two contexts: "dev" (current, a bearer token) and "prod" (a namespace, a CA file next to it). */
function writeTwoContexts(path: string, caFile: string): void {
  writeFileSync(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- {name: dev, cluster: {server: 'https://dev.example:6443', insecure-skip-tls-verify: true}}",
      `- {name: prod, cluster: {server: 'https://prod.example:6443/', certificate-authority: ${caFile}}}`,
      "users:",
      "- {name: dev, user: {token: dev-token}}",
      "- {name: prod, user: {}}",
      "contexts:",
      "- {name: dev, context: {cluster: dev, user: dev}}",
      "- {name: prod, context: {cluster: prod, user: prod, namespace: shop}}",
      "current-context: dev",
      "",
    ].join("\n"),
  );
}

test("the server comes from the flag, then BOSUN_SERVER, then the kubeconfig, then the default", () => {
  withHome((home) => {
    const env = { BOSUN_HOME: home };
    assert.deepEqual(resolveAccess({ env }), { server: defaultServer, credentials: {}, source: "(no kubeconfig)", serverSource: "default" });
    assert.equal(defaultServer, "https://127.0.0.1:6443");

    writeClientConfig(home, { server: "https://127.0.0.1:7000", ca: ca.cert, cert: admin.cert, key: admin.key });
    const fromFile = resolveAccess({ env });
    assert.equal(fromFile.server, "https://127.0.0.1:7000");
    assert.equal(fromFile.serverSource, "kubeconfig");
    assert.equal(fromFile.source, kubeconfigPath(home));
    assert.deepEqual(fromFile.credentials, { ca: ca.cert, cert: admin.cert, key: admin.key });

    // Overriding the server keeps the kubeconfig's credentials, as kubectl --server does.
    const fromEnv = resolveAccess({ env: { ...env, BOSUN_SERVER: "10.0.0.1:6443" } });
    assert.deepEqual([fromEnv.server, fromEnv.serverSource], ["https://10.0.0.1:6443", "env"]);
    assert.deepEqual(fromEnv.credentials, fromFile.credentials);
    const fromFlag = resolveAccess({ server: "127.0.0.1:9000", env: { ...env, BOSUN_SERVER: "https://x:1" } });
    assert.deepEqual([fromFlag.server, fromFlag.serverSource], ["https://127.0.0.1:9000", "flag"]);
    assert.deepEqual(fromFlag.credentials, fromFile.credentials);
  });
});

test("--kubeconfig, then the first existing file of KUBECONFIG, then bosun up's; --context picks another context", () => {
  withHome((home) => {
    writeClientConfig(home, { server: "https://127.0.0.1:6443", ca: ca.cert, cert: admin.cert, key: admin.key });
    const caFile = join(home, "prod-ca.crt");
    writeFileSync(caFile, ca.cert);
    const other = join(home, "other-kubeconfig");
    writeTwoContexts(other, "prod-ca.crt");
    const missing = join(home, "missing");
    const env = { BOSUN_HOME: home, KUBECONFIG: `${missing}:${other}` };

    assert.equal(kubeconfigFile({ env: { BOSUN_HOME: home } }), kubeconfigPath(home));
    assert.equal(kubeconfigFile({ env }), other, "the first file of KUBECONFIG that exists");
    assert.equal(kubeconfigFile({ flag: kubeconfigPath(home), env }), kubeconfigPath(home), "the flag wins");
    assert.equal(kubeconfigFile({ env: { BOSUN_HOME: home, KUBECONFIG: missing } }), undefined, "KUBECONFIG set: bosun up's is not used");

    const dev = resolveAccess({ env });
    assert.equal(dev.server, "https://dev.example:6443");
    assert.deepEqual(dev.credentials, { insecureSkipTlsVerify: true, token: "dev-token" });
    assert.equal(dev.source, other);

    const prod = resolveAccess({ env, context: "prod" });
    assert.equal(prod.server, "https://prod.example:6443");
    assert.equal(prod.namespace, "shop");
    assert.deepEqual(prod.credentials, { ca: ca.cert }, "a relative certificate-authority is read next to the kubeconfig");

    const viaFlag = resolveAccess({ kubeconfig: kubeconfigPath(home), env });
    assert.equal(viaFlag.server, "https://127.0.0.1:6443");
    assert.deepEqual(viaFlag.credentials, { ca: ca.cert, cert: admin.cert, key: admin.key });
  });
});

test("a broken or incomplete kubeconfig is reported with its path", () => {
  withHome((home) => {
    const file = join(home, "kubeconfig");
    const env = { BOSUN_HOME: home };
    writeFileSync(file, "clusters: [unclosed\n");
    assert.throws(() => resolveAccess({ env }), new RegExp(`${file} is not valid YAML`));
    writeFileSync(file, "apiVersion: v1\nkind: Config\n");
    assert.throws(() => resolveAccess({ env }), new RegExp(`${file} has no current-context`));
    writeTwoContexts(file, "nowhere.crt");
    assert.throws(() => resolveAccess({ env, context: "staging" }), new RegExp(`${file} has no context "staging"`));
    assert.throws(() => resolveAccess({ env, context: "prod" }), new RegExp(`${file}: cannot read certificate-authority ${join(home, "nowhere.crt")}`));
    const gone = join(home, "gone");
    assert.throws(() => resolveAccess({ kubeconfig: gone, env }), new RegExp(`cannot read the kubeconfig ${gone}`));
  });
});

test("bosun up's kubeconfig is its owner's only and carries the CA and the admin certificate inline", () => {
  withHome((home) => {
    writeClientConfig(home, { server: "https://127.0.0.1:6443", ca: ca.cert, cert: admin.cert, key: admin.key });
    const path = kubeconfigPath(home);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const kc = parse(readFileSync(path, "utf8")) as {
      clusters: { name: string; cluster: Record<string, unknown> }[];
      users: { name: string; user: Record<string, string> }[];
      "current-context": string;
    };
    const decode = (b64: unknown) => Buffer.from(String(b64), "base64").toString("utf8");
    const cluster = kc.clusters[0]!.cluster;
    assert.equal(cluster.server, "https://127.0.0.1:6443");
    assert.equal(decode(cluster["certificate-authority-data"]), ca.cert);
    assert.equal(cluster["insecure-skip-tls-verify"], undefined, "the server is verified against the CA");
    const user = kc.users[0]!.user;
    assert.equal(decode(user["client-certificate-data"]), admin.cert);
    assert.equal(decode(user["client-key-data"]), admin.key);
    assert.equal(kc["current-context"], "bosun");
  });
});

test("BOSUN_HOME defaults to ~/.bosun and server URLs are normalised, HTTPS by default", () => {
  assert.equal(bosunHome({ BOSUN_HOME: "/srv/bosun" }), "/srv/bosun");
  assert.match(bosunHome({}), /\.bosun$/);
  assert.equal(normalizeServer("127.0.0.1:6443"), "https://127.0.0.1:6443");
  assert.equal(normalizeServer("https://127.0.0.1:6443/"), "https://127.0.0.1:6443");
  assert.throws(() => normalizeServer("https://"), /not a valid server URL/);
});
