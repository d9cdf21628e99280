import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { bosunHome, defaultServer, normalizeServer, resolveServer, writeClientConfig } from "../src/config.js";

function withHome(fn: (home: string) => void): void {
  const home = mkdtempSync(join(tmpdir(), "bosun-cli-config-"));
  try {
    fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test("the server comes from the flag, then BOSUN_SERVER, then config.json, then the default", () => {
  withHome((home) => {
    const env = { BOSUN_HOME: home };
    assert.deepEqual(resolveServer({ env }), { server: defaultServer, source: "default" });
    writeClientConfig(home, "http://127.0.0.1:7000");
    assert.deepEqual(resolveServer({ env }), { server: "http://127.0.0.1:7000", source: "config" });
    assert.deepEqual(resolveServer({ env: { ...env, BOSUN_SERVER: "http://10.0.0.1:6443" } }), { server: "http://10.0.0.1:6443", source: "env" });
    assert.deepEqual(resolveServer({ flag: "127.0.0.1:9000", env: { ...env, BOSUN_SERVER: "http://x:1" } }), { server: "http://127.0.0.1:9000", source: "flag" });
  });
});

test("bosun up's kubeconfig points kubectl at the same server", () => {
  withHome((home) => {
    writeClientConfig(home, "http://127.0.0.1:6443");
    const kc = parse(readFileSync(join(home, "kubeconfig"), "utf8")) as {
      clusters: { cluster: { server: string; "insecure-skip-tls-verify"?: boolean } }[];
      "current-context": string;
    };
    assert.equal(kc.clusters[0]!.cluster.server, "http://127.0.0.1:6443");
    // @kubernetes/client-node needs it to talk plain HTTP.
    assert.equal(kc.clusters[0]!.cluster["insecure-skip-tls-verify"], true);
    assert.equal(kc["current-context"], "bosun");
  });
});

test("a broken config file is reported with its path", () => {
  withHome((home) => {
    writeFileSync(join(home, "config.json"), "{not json");
    assert.throws(() => resolveServer({ env: { BOSUN_HOME: home } }), new RegExp(`${join(home, "config.json")} is not valid JSON`));
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: 6443 }));
    assert.throws(() => resolveServer({ env: { BOSUN_HOME: home } }), /"server" in .* must be a string URL/);
  });
});

test("BOSUN_HOME defaults to ~/.bosun and server URLs are normalised", () => {
  assert.equal(bosunHome({ BOSUN_HOME: "/srv/bosun" }), "/srv/bosun");
  assert.match(bosunHome({}), /\.bosun$/);
  assert.equal(normalizeServer("http://127.0.0.1:6443/"), "http://127.0.0.1:6443");
  assert.throws(() => normalizeServer("http://"), /not a valid server URL/);
});
