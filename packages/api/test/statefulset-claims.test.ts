// A StatefulSet's volumeClaimTemplates and persistentVolumeClaimRetentionPolicy:
// defaulted as Kubernetes answers them, each template validated as a claim's spec
// at its own path, names given, DNS labels and unique, a mount may name a template
// (whose claim replaces a template volume of that name), the templates immutable
// and the policy not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, mustResource, validateObject, volumesWithClaims, type KubeObject, type PersistentVolumeClaim, type StatefulSet } from "../src/index.js";

const statefulsets = mustResource("statefulsets");

function claimTemplate(name: string, spec: Record<string, unknown> = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } }): Record<string, unknown> {
  return { metadata: { name }, spec };
}

function set(extra: Record<string, unknown> = {}, volumes?: Record<string, unknown>[]): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      serviceName: "web",
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [{ name: "c", image: "bosun.local/busybox:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
          ...(volumes ? { volumes } : {}),
        },
      },
      volumeClaimTemplates: [claimTemplate("data")],
      ...extra,
    },
  } as unknown as StatefulSet;
}

/** Defaults as the apiserver would, then validates; "field: message" lines. */
function check(obj: StatefulSet, old?: StatefulSet): string[] {
  applyDefaults(statefulsets, obj);
  if (old) applyDefaults(statefulsets, old);
  return validateObject(statefulsets, obj, old as KubeObject | undefined).map((c) => `${c.field}: ${c.message}`);
}

test("defaults: each template says it is a v1 claim, Filesystem and Pending; the policy is Retain/Retain", () => {
  const sts = set();
  applyDefaults(statefulsets, sts);
  assert.deepEqual(sts.spec.volumeClaimTemplates, [
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem" },
      status: { phase: "Pending" },
    },
  ]);
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
  const half = set({ persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } });
  applyDefaults(statefulsets, half);
  assert.deepEqual(half.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Delete" });
});

test("a mount may name a claim template; a template volume of that name gives way to the claim", () => {
  assert.deepEqual(check(set()), []);
  assert.deepEqual(check(set({}, [{ name: "data", emptyDir: {} }])), []);
  // A template written the way `kubectl get -o yaml` answers it is accepted as is.
  const echoed = set();
  applyDefaults(statefulsets, echoed);
  assert.deepEqual(check(structuredClone(echoed)), []);
  const undefinedMount = set();
  undefinedMount.spec.template.spec.containers[0]!.volumeMounts!.push({ name: "logs", mountPath: "/logs" });
  assert.deepEqual(check(undefinedMount), ['spec.template.spec.containers[0].volumeMounts[1].name: Not found: "logs"']);
});

test("each template is validated as a claim's spec, at its own path", () => {
  const got = check(
    set({
      volumeClaimTemplates: [
        claimTemplate("data"),
        claimTemplate("logs", { resources: { requests: { storage: "0" } }, storageClassName: "Not_A_Class", volumeMode: "Block" }),
      ],
    }),
  );
  assert.ok(got.includes("spec.volumeClaimTemplates[1].spec.accessModes: Required value: at least 1 access mode is required"), got.join("\n"));
  assert.ok(got.includes('spec.volumeClaimTemplates[1].spec.resources[storage]: Invalid value: "0": must be greater than zero'), got.join("\n"));
  assert.ok(got.some((m) => m.startsWith('spec.volumeClaimTemplates[1].spec.storageClassName: Invalid value: "Not_A_Class"')), got.join("\n"));
  assert.ok(got.some((m) => m.startsWith("spec.volumeClaimTemplates[1].spec.volumeMode: Forbidden:")), got.join("\n"));
  assert.ok(!got.some((m) => m.startsWith("spec.volumeClaimTemplates[0]")), got.join("\n"));
  assert.deepEqual(check(set({ volumeClaimTemplates: [claimTemplate("data", { accessModes: ["ReadWriteOnce"] })] })), [
    "spec.volumeClaimTemplates[0].spec.resources[storage]: Required value",
  ]);
});

test("template names: given, DNS labels, unique", () => {
  const got = check(set({ volumeClaimTemplates: [claimTemplate("data"), claimTemplate("data"), claimTemplate("Bad_Name"), { spec: claimTemplate("x").spec }] }));
  assert.deepEqual(got.filter((m) => m.startsWith("spec.volumeClaimTemplates")), [
    'spec.volumeClaimTemplates[1].metadata.name: Duplicate value: "data"',
    `spec.volumeClaimTemplates[2].metadata.name: Invalid value: "Bad_Name": ${"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"}`,
    "spec.volumeClaimTemplates[3].metadata.name: Required value: name the claim template: it names the pod volume and starts its claims' names, <template>-<set>-<ordinal>",
  ]);
  // The duplicate is one volume for the pod, not two.
  assert.ok(!got.some((m) => m.startsWith("spec.template.spec.volumes")), got.join("\n"));
});

test("the retention policy takes Retain or Delete", () => {
  assert.deepEqual(check(set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" } })), []);
  const got = check(set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Keep" } }));
  assert.equal(got.length, 1, got.join("\n"));
  assert.match(got[0]!, /^spec\.persistentVolumeClaimRetentionPolicy\.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"$/);
});

test("updates: the policy may change, the templates may not", () => {
  assert.deepEqual(check(set({ persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } }), set()), []);
  const grown = set({ volumeClaimTemplates: [claimTemplate("data", { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } })] });
  assert.deepEqual(check(grown, set()), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  // A set stored before the policy existed is defaulted the same on both sides.
  const stored = set();
  delete stored.spec.persistentVolumeClaimRetentionPolicy;
  assert.deepEqual(check(set({ replicas: 3 }), stored), []);
});

test("volumesWithClaims: template volumes keep their place, one of a template's name points at its claim, the others follow", () => {
  const templates = [claimTemplate("data"), claimTemplate("logs")] as unknown as PersistentVolumeClaim[];
  const volumes = volumesWithClaims([{ name: "config", configMap: { name: "cfg" } }, { name: "data", emptyDir: {} }], templates, (t) => `${t.metadata.name}-web-2`);
  assert.deepEqual(volumes, [
    { name: "config", configMap: { name: "cfg" } },
    { name: "data", persistentVolumeClaim: { claimName: "data-web-2" } },
    { name: "logs", persistentVolumeClaim: { claimName: "logs-web-2" } },
  ]);
  assert.deepEqual(volumesWithClaims(undefined, undefined, () => "x"), []);
});
