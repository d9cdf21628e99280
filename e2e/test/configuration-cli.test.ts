// bosun create configmap|secret against a real cluster: the objects kubectl's
// generators would make, stored and read back through kubectl; a bad source is
// refused before anything is sent. And bosun describe pod's volumes and mounts,
// compared with kubectl's.
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

  e2eTest("bosun describe pod prints volumes and mounts as kubectl does", c, async (cl) => {
    const manifest = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "mounts", namespace: "default", labels: { app: "mounts" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "c",
            image: "bosun.local/busybox:1",
            imagePullPolicy: "Never",
            command: ["sh", "-c", "sleep 3600"],
            volumeMounts: [
              { name: "cfg", mountPath: "/etc/app" },
              { name: "scratch", mountPath: "/scratch", subPath: "part" },
              { name: "db", mountPath: "/secrets", readOnly: true },
              { name: "info", mountPath: "/info" },
              { name: "host", mountPath: "/host" },
              { name: "all", mountPath: "/all" },
            ],
          },
        ],
        volumes: [
          { name: "cfg", configMap: { name: "app" } },
          { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
          { name: "db", secret: { secretName: "db", optional: true } },
          { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
          { name: "host", hostPath: { path: "/tmp", type: "Directory" } },
          { name: "all", projected: { sources: [{ configMap: { name: "app" } }, { secret: { name: "db" } }, { downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } }] } },
        ],
      },
    };
    const file = join(mkdtempSync(join(tmpdir(), "bosun-e2e-mounts-")), "pod.json");
    writeFileSync(file, JSON.stringify(manifest));
    expectSuccess("kubectl apply", await cl.kubectl(["apply", "-f", file]));
    const section = (text: string) => {
      const lines = text.split("\n");
      const start = lines.findIndex((l) => l.startsWith("Volumes:"));
      const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
      return [...lines.filter((l) => /^ {4}Mounts:|^ {6}\//.test(l)), ...lines.slice(start, end)].join("\n");
    };
    const ours = section(expectSuccess("bosun describe pod", await cl.bosun(["describe", "pod", "mounts"])).stdout);
    const theirs = section(expectSuccess("kubectl describe pod", await cl.kubectl(["describe", "pod", "mounts"])).stdout);
    assert.ok(ours.includes("/scratch from scratch (rw,path=\"part\")"), ours);
    assert.equal(ours, theirs);
  });
});
