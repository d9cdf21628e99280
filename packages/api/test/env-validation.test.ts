// A container's env and envFrom as Kubernetes 1.33 validates them: every cause
// names its field path and carries Kubernetes' wording; fieldRef's apiVersion is
// defaulted to v1 first, as the apiserver decodes it.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  convertDownwardApiFieldLabel,
  resourceByName,
  splitSubscriptedPath,
  validateObject,
  type EnvFromSource,
  type EnvVar,
  type KubeObject,
  type Pod,
} from "../src/index.js";

const pods = resourceByName("pods")!;

function podWith(env: unknown[], envFrom?: unknown[]): Pod {
  const container: Record<string, unknown> = { name: "app", image: "bosun.local/busybox:1", env };
  if (envFrom) container.envFrom = envFrom;
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" }, spec: { containers: [container] } } as unknown as Pod;
}

/** The causes of a pod with these variables, after defaulting, as "field: message". */
function problems(env: EnvVar[] | unknown[], envFrom?: EnvFromSource[] | unknown[]): string[] {
  const pod = podWith(env, envFrom);
  applyDefaults(pods, pod as unknown as KubeObject);
  return validateObject(pods, pod).map((c) => `${c.field}: ${c.message}`);
}

const env0 = "spec.containers[0].env[0]";

test("every source Kubernetes knows passes, and fieldRef's apiVersion is defaulted to v1", () => {
  const env = [
    { name: "PLAIN", value: "x" },
    { name: "EMPTY" },
    { name: "FROM_CM", valueFrom: { configMapKeyRef: { name: "settings", key: "log.level", optional: true } } },
    { name: "FROM_SECRET", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "APP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels['app.kubernetes.io/name']" } } },
    { name: "NOTE", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['Example.com/Note']" } } },
    { name: "OLD_HOST", valueFrom: { fieldRef: { fieldPath: "spec.host" } } },
    ...["metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"].map(
      (fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } }),
    ),
    { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
    { name: "CPU_M", valueFrom: { resourceFieldRef: { containerName: "app", resource: "requests.cpu", divisor: "1m" } } },
    { name: "DISK", valueFrom: { resourceFieldRef: { resource: "limits.ephemeral-storage", divisor: "1000" } } },
    { name: "ZERO_DIVISOR", valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "0" } } },
  ];
  const envFrom = [{ configMapRef: { name: "settings" } }, { prefix: "DB_", secretRef: { name: "db", optional: false } }, { configMapRef: { name: "gen-" } }];
  assert.deepEqual(problems(env, envFrom), []);
  const pod = podWith([{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }]);
  applyDefaults(pods, pod as unknown as KubeObject);
  assert.equal(pod.spec.containers[0]!.env![0]!.valueFrom!.fieldRef!.apiVersion, "v1");
});

test("names: any printable ASCII but '=', and never empty", () => {
  assert.deepEqual(problems([{ name: "1 weird.NAME-ok!", value: "x" }]), []);
  assert.deepEqual(problems([{ name: "A=B", value: "x" }, { name: "", value: "y" }, { name: "tab\there" }]), [
    `${env0}.name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    "spec.containers[0].env[1].name: Required value",
    `spec.containers[0].env[2].name: Invalid value: "tab\\there": a valid environment variable name must consist only of printable ASCII characters other than '='`,
  ]);
});

test("exactly one source, and no value beside it", () => {
  assert.deepEqual(problems([{ name: "A", valueFrom: {} }]), [
    `${env0}.valueFrom: Invalid value: "": must specify one of: \`fieldRef\`, \`resourceFieldRef\`, \`configMapKeyRef\` or \`secretKeyRef\``,
  ]);
  assert.deepEqual(problems([{ name: "A", value: "x", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }]), [
    `${env0}.valueFrom: Invalid value: "": may not be specified when \`value\` is not empty`,
  ]);
  const two = { configMapKeyRef: { name: "a", key: "k" }, secretKeyRef: { name: "b", key: "k" } };
  assert.deepEqual(problems([{ name: "A", valueFrom: two }]), [`${env0}.valueFrom: Invalid value: "": may not have more than one field specified at a time`]);
});

test("configMapKeyRef and secretKeyRef: a DNS subdomain name and a config key", () => {
  const got = problems([
    { name: "A", valueFrom: { configMapKeyRef: { name: "Bad_Name", key: "" } } },
    { name: "B", valueFrom: { secretKeyRef: { name: "ok", key: "bad/key" } } },
    { name: "C", valueFrom: { secretKeyRef: { key: "k" } } },
  ]);
  assert.equal(got.length, 4, got.join("\n"));
  assert.match(got[0]!, /^spec\.containers\[0\]\.env\[0\]\.valueFrom\.configMapKeyRef\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  assert.equal(got[1], `${env0}.valueFrom.configMapKeyRef.key: Required value`);
  assert.match(got[2]!, /^spec\.containers\[0\]\.env\[1\]\.valueFrom\.secretKeyRef\.key: Invalid value: "bad\/key": a valid config key must consist of alphanumeric characters/);
  assert.match(got[3]!, /^spec\.containers\[0\]\.env\[2\]\.valueFrom\.secretKeyRef\.name: Invalid value: "": a lowercase RFC 1123 subdomain/);
});

test("fieldRef: only the pod fields the downward API gives a variable", () => {
  const ref = (fieldRef: Record<string, string>) => [{ name: "A", valueFrom: { fieldRef } }];
  const path = `${env0}.valueFrom.fieldRef`;
  assert.deepEqual(problems(ref({ fieldPath: "status.phase" })), [
    `${path}.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"`,
  ]);
  assert.deepEqual(problems(ref({ fieldPath: "spec.containers" })), [
    `${path}.fieldPath: Invalid value: "spec.containers": error converting fieldPath: field label not supported: spec.containers`,
  ]);
  assert.deepEqual(problems(ref({ apiVersion: "v2", fieldPath: "metadata.name" })), [
    `${path}.fieldPath: Invalid value: "metadata.name": error converting fieldPath: unsupported pod version: v2`,
  ]);
  assert.deepEqual(problems(ref({ fieldPath: "metadata.name['x']" })), [
    `${path}.fieldPath: Invalid value: "metadata.name['x']": error converting fieldPath: field label does not support subscript: metadata.name['x']`,
  ]);
  assert.deepEqual(problems(ref({ fieldPath: "" })), [`${path}.fieldPath: Required value`]);
  const badKey = problems(ref({ fieldPath: "metadata.labels['bad key']" }));
  assert.equal(badKey.length, 1);
  assert.match(badKey[0]!, /^spec\.containers\[0\]\.env\[0\]\.valueFrom\.fieldRef: Invalid value: "bad key": name part must consist of alphanumeric/);
});

test("resourceFieldRef: a container resource, and a divisor that fits it", () => {
  const ref = (resourceFieldRef: Record<string, string>) => [{ name: "A", valueFrom: { resourceFieldRef } }];
  const path = `${env0}.valueFrom.resourceFieldRef`;
  assert.deepEqual(problems(ref({ resource: "limits.gpu" })), [
    `${path}.resource: Unsupported value: "limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"`,
  ]);
  assert.deepEqual(problems(ref({ resource: "" })), [`${path}.resource: Required value`]);
  assert.deepEqual(problems(ref({ resource: "limits.cpu", divisor: "1Mi" })), [
    `${path}.divisor: Invalid value: "limits.cpu": only divisor's values 1m and 1 are supported with the cpu resource`,
  ]);
  assert.deepEqual(problems(ref({ resource: "requests.memory", divisor: "3" })), [
    `${path}.divisor: Invalid value: "requests.memory": only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource`,
  ]);
  assert.match(problems(ref({ resource: "limits.ephemeral-storage", divisor: "1m" }))[0]!, /supported with the local ephemeral storage resource$/);
  assert.match(problems(ref({ resource: "limits.memory", divisor: "lots" }))[0]!, /^spec\.containers\[0\]\.env\[0\]\.valueFrom\.resourceFieldRef\.divisor: Invalid value: "lots": quantities must match/);
});

test("envFrom: one source each, a required name, a prefix that is a variable name", () => {
  const path = "spec.containers[0].envFrom";
  assert.deepEqual(problems([], [{ prefix: "X_" }]), [`${path}: Invalid value: "": must specify one of: \`configMapRef\` or \`secretRef\``]);
  assert.deepEqual(problems([], [{ configMapRef: { name: "a" }, secretRef: { name: "b" } }]), [
    `${path}: Invalid value: "": may not have more than one field specified at a time`,
  ]);
  assert.deepEqual(problems([], [{ configMapRef: {} }, { secretRef: { name: "" } }]), [`${path}[0].configMapRef.name: Required value`, `${path}[1].secretRef.name: Required value`]);
  assert.deepEqual(problems([], [{ prefix: "A=", configMapRef: { name: "a" } }]), [
    `${path}[0].prefix: Invalid value: "A=": a valid environment variable name must consist only of printable ASCII characters other than '='`,
  ]);
  assert.match(problems([], [{ secretRef: { name: "Not.Valid" } }])[0]!, /^spec\.containers\[0\]\.envFrom\[0\]\.secretRef\.name: Invalid value: "Not\.Valid": a lowercase RFC 1123 subdomain/);
});

test("a pod template's containers are checked the same way", () => {
  const deployments = resourceByName("deployments")!;
  const d = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "a", image: "x", env: [{ name: "A", valueFrom: {} }] }] } },
    },
  };
  const got = validateObject(deployments, d).map((c) => c.field);
  assert.deepEqual(got, ["spec.template.spec.containers[0].env[0].valueFrom"]);
});

test("field paths: subscripts and the downward API's conversions", () => {
  assert.deepEqual(splitSubscriptedPath("metadata.labels['a']"), { path: "metadata.labels", subscript: "a" });
  assert.deepEqual(splitSubscriptedPath("metadata.labels"), { path: "metadata.labels" });
  assert.deepEqual(splitSubscriptedPath("['a']"), { path: "['a']" });
  assert.deepEqual(convertDownwardApiFieldLabel("v1", "spec.host"), { ok: true, fieldPath: "spec.nodeName" });
  assert.deepEqual(convertDownwardApiFieldLabel("v1", "status.phase"), { ok: true, fieldPath: "status.phase" });
});
