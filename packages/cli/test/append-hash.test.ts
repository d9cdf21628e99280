// `--append-hash`: the suffix must be the one kubectl appends, so the expected names
// below are what kubectl 1.27.16 and 1.33.1 print (both alike) for
// `kubectl create ... --append-hash --dry-run=client -o name` with the same sources.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withHashSuffix } from "../src/create/hash.js";
import { configMapFrom, dockerRegistrySecretFrom, genericSecretFrom } from "../src/create/objects.js";

const none = { fromLiteral: [], fromFile: [], fromEnvFile: [] };

describe("--append-hash", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "bosun-append-hash-test-"));
    writeFileSync(join(dir, "bin.dat"), Buffer.from([0x00, 0xff, 0xfe]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("ConfigMaps: kubectl's names for a literal, no data, and binaryData beside text Go escapes (<&>)", () => {
    assert.equal(withHashSuffix(configMapFrom("x", "default", { ...none, fromLiteral: ["a=b"] })).metadata.name, "x-64686gkt6c");
    assert.equal(withHashSuffix(configMapFrom("x", "default", none)).metadata.name, "x-62ctbmbfd2");
    const mixed = configMapFrom("x", "default", { ...none, fromFile: [join(dir, "bin.dat")], fromLiteral: ["c=<&>"] });
    assert.equal(withHashSuffix(mixed).metadata.name, "x-59mb6dtf7b");
  });

  test("Secrets: kubectl's names for generic (no type, no data, --type) and docker-registry", () => {
    assert.equal(withHashSuffix(genericSecretFrom("s", "default", { ...none, fromLiteral: ["a=b"] })).metadata.name, "s-7fd2tm89d8");
    assert.equal(withHashSuffix(genericSecretFrom("s", "default", none)).metadata.name, "s-6cmg28h685");
    assert.equal(withHashSuffix(genericSecretFrom("s", "default", { ...none, fromLiteral: ["a=b"] }, "foo")).metadata.name, "s-76gkfd766k");
    const registry = dockerRegistrySecretFrom("d", "default", { server: "https://index.docker.io/v1/", username: "u", password: "p", fromFile: [] });
    assert.equal(withHashSuffix(registry).metadata.name, "d-k85gk65kdh");
  });

  test("only the name changes", () => {
    const cm = configMapFrom("x", "team", { ...none, fromLiteral: ["a=b"] });
    const hashed = withHashSuffix(cm);
    assert.deepEqual({ ...hashed, metadata: { ...hashed.metadata, name: "x" } }, cm);
    assert.equal(cm.metadata.name, "x", "the original is left as it was");
  });
});
