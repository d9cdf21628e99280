// describe pod's "Volumes:" and "Mounts:" as kubectl prints them, for each source
// Bosun serves; the exact text follows k8s.io/kubectl/pkg/describe (printHostPathVolumeSource,
// printEmptyDirVolumeSource, ... and describeContainerVolumes).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { describePod } from "../src/printers/describe.js";

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default" },
  spec: {
    containers: [
      {
        name: "c",
        image: "busybox:1",
        volumeMounts: [
          { name: "scratch", mountPath: "/scratch", subPath: "part" },
          { name: "cfg", mountPath: "/etc/app", readOnly: true },
        ],
      },
    ],
    volumes: [
      { name: "cfg", configMap: { name: "app" } },
      { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
      { name: "plain", emptyDir: {} },
      { name: "db", secret: { secretName: "db", optional: true } },
      { name: "data", persistentVolumeClaim: { claimName: "data" } },
      { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, { path: "mem", resourceFieldRef: { resource: "limits.memory" } }] } },
      { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
      { name: "all", projected: { sources: [{ configMap: { name: "app" } }, { secret: { name: "db", optional: true } }, { downwardAPI: {} }] } },
    ],
  },
  status: { phase: "Pending" },
};

function section(text: string, from: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(from));
  const end = lines.findIndex((l, i) => i > start && /^\S/.test(l));
  return lines.slice(start, end);
}

test("mounts by path with rw/ro and the subPath; every volume source's lines", () => {
  const text = describePod(pod, [], Date.parse("2026-01-01T00:00:00Z"));
  const mounts = text.split("\n").filter((l) => /^ {4}Mounts:|^ {6}\//.test(l)).map((l) => l.trimEnd());
  assert.deepEqual(mounts, ["    Mounts:", "      /etc/app from cfg (ro)", '      /scratch from scratch (rw,path="part")']);
  assert.deepEqual(section(text, "Volumes:").map((l) => l.replace(/\s+$/, "").replace(/:\s+/, ": ")), [
    "Volumes:",
    "  cfg:",
    "    Type: ConfigMap (a volume populated by a ConfigMap)",
    "    Name: app",
    "    Optional: false",
    "  scratch:",
    "    Type: EmptyDir (a temporary directory that shares a pod's lifetime)",
    "    Medium: Memory",
    "    SizeLimit: 64Mi",
    "  plain:",
    "    Type: EmptyDir (a temporary directory that shares a pod's lifetime)",
    "    Medium:",
    "    SizeLimit: <unset>",
    "  db:",
    "    Type: Secret (a volume populated by a Secret)",
    "    SecretName: db",
    "    Optional: true",
    "  data:",
    "    Type: PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
    "    ClaimName: data",
    "    ReadOnly: false",
    "  info:",
    "    Type: DownwardAPI (a volume populated by information about the pod)",
    "    Items:",
    "      metadata.labels -> labels",
    "      limits.memory -> mem",
    "  host:",
    "    Type: HostPath (bare host directory volume)",
    "    Path: /var/log",
    "    HostPathType: Directory",
    "  all:",
    "    Type: Projected (a volume that contains injected data from multiple sources)",
    "    ConfigMapName: app",
    "    Optional: false",
    "    SecretName: db",
    "    Optional: true",
    "    DownwardAPI: true",
  ]);
});

test("a pod without volumes or mounts says <none> for both", () => {
  const bare: Pod = { ...pod, spec: { containers: [{ name: "c", image: "busybox:1" }] } };
  const text = describePod(bare, []);
  assert.match(text, /^ {4}Mounts: +<none>$/m);
  assert.match(text, /^Volumes: +<none>$/m);
});
