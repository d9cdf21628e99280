// Secrets encrypted at rest on a real cluster: a Secret created with kubectl is in
// etcd only as ciphertext under the aesgcm provider's prefix (read straight from
// etcd), reads back whole through kubectl, and after `bosun secrets rotate` every
// Secret carries the new key's prefix and reads back the same. (Issue 10, E2E 3; the
// secret volume on tmpfs comes with volumes.)
import assert from "node:assert/strict";
import { describe } from "node:test";
import { e2eTest, expectSuccess, useCluster } from "../src/index.js";

describe("Secrets encrypted at rest", () => {
  const c = useCluster({ agents: [{ name: "a" }] });

  e2eTest("etcd holds no plaintext; bosun secrets rotate moves every Secret to a new key and they read back the same", c, async (cl) => {
    expectSuccess("kubectl create secret", await cl.kubectl(["create", "secret", "generic", "db", "--from-literal=password=s3cr3t-in-plain-sight"]));
    const before = await cl.etcdValue("", "secrets", "default", "db");
    assert.ok(before, "the Secret is in etcd");
    assert.equal(before.subarray(0, 23).toString(), "k8s:enc:aesgcm:v1:key1:", `stored as ${before.subarray(0, 30).toString()}`);
    assert.ok(!before.includes("s3cr3t-in-plain-sight") && !before.includes(Buffer.from("s3cr3t-in-plain-sight").toString("base64")), "no plaintext in etcd");
    const read = async () => Buffer.from(expectSuccess("kubectl get secret", await cl.kubectl(["get", "secret", "db", "-o", "jsonpath={.data.password}"])).stdout, "base64").toString();
    assert.equal(await read(), "s3cr3t-in-plain-sight");

    const rotated = expectSuccess("bosun secrets rotate", await cl.bosun(["secrets", "rotate", "--encryption-config", cl.encryptionConfigFile]));
    assert.match(rotated.stdout, /The API server at .* writes Secrets with aesgcm:key2/);
    assert.match(rotated.stdout, /Rewrote \d+ Secrets with aesgcm:key2/);
    assert.equal((await cl.etcdValue("", "secrets", "default", "db"))!.subarray(0, 23).toString(), "k8s:enc:aesgcm:v1:key2:");
    assert.equal(await read(), "s3cr3t-in-plain-sight");
  });
});
