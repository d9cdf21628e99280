// bosun create configmap|secret against a real cluster: the objects kubectl's
// generators would make, stored and read back through kubectl; a bad source is
// refused before anything is sent.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "node:test";
import { mustResource, type ConfigMap, type Secret } from "@bosun/api";
import { e2eTest, expectSuccess, useCluster } from "../src/index.js";

describe("bosun create configmap and secret", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("from literals and files, read back through kubectl; bad sources refused with nothing stored", c, async (cl) => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-e2e-create-"));
    writeFileSync(join(dir, "app.properties"), "color=blue\n");
    const made = expectSuccess("bosun create configmap", await cl.bosun(["create", "configmap", "app", `--from-file=${join(dir, "app.properties")}`, "--from-literal=mode=prod"]));
    assert.equal(made.stdout, "configmap/app created\n");
    const cm = await cl.client.get<ConfigMap>(mustResource("configmaps"), "app", "default");
    assert.deepEqual(cm.data, { "app.properties": "color=blue\n", mode: "prod" });
    assert.match(expectSuccess("kubectl get cm", await cl.kubectl(["get", "configmap", "app"])).stdout, /^app +2 +/m);

    expectSuccess("bosun create secret generic", await cl.bosun(["create", "secret", "generic", "db", "--from-literal=password=s3cr3t"]));
    const secret = await cl.client.get<Secret>(mustResource("secrets"), "db", "default");
    assert.equal(secret.type, "Opaque");
    assert.equal(Buffer.from(secret.data!.password!, "base64").toString(), "s3cr3t");

    const bad = await cl.bosun(["create", "configmap", "broken", "--from-literal=a=1", "--from-literal=a=2"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cannot add key "a", another key by that name already exists in Data for ConfigMap "broken"/);
    const missing = await cl.kubectl(["get", "configmap", "broken"]);
    assert.notEqual(missing.code, 0, "nothing was stored");
  });
});
