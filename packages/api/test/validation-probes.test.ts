import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, mustResource, validateObject, type KubeObject, type StatusCause } from "../src/index.js";

const pods = mustResource("pods");

function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

function podWith(container: Record<string, unknown>, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec: { containers: [{ name: "c", image: "x", ...container }], ...spec },
  };
}

function check(pod: Record<string, unknown>): string[] {
  applyDefaults(pods, pod as unknown as KubeObject);
  return fields(validateObject(pods, pod));
}

test("probes of each handler type are valid after defaulting", () => {
  assert.deepEqual(
    check(
      podWith({
        livenessProbe: { httpGet: { port: 8080, httpHeaders: [{ name: "X-Probe", value: "1" }] }, initialDelaySeconds: 5 },
        readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 2, successThreshold: 2 },
        startupProbe: { exec: { command: ["cat", "/ready"] }, failureThreshold: 30 },
      }),
    ),
    [],
  );
});

test("a probe needs exactly one handler", () => {
  assert.deepEqual(check(podWith({ livenessProbe: { periodSeconds: 3 } })), ["spec.containers[0].livenessProbe: Required value: must specify a handler type"]);
  assert.deepEqual(check(podWith({ readinessProbe: { exec: { command: ["true"] }, tcpSocket: { port: 80 } } })), [
    "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
  ]);
  assert.deepEqual(check(podWith({ startupProbe: { exec: {} } })), ["spec.containers[0].startupProbe.exec.command: Required value"]);
});

test("probe timings: positive periods and thresholds, liveness and startup succeed once", () => {
  const got = check(
    podWith({
      livenessProbe: { exec: { command: ["true"] }, periodSeconds: -1, timeoutSeconds: -2, failureThreshold: -3, successThreshold: 2, initialDelaySeconds: -4 },
      startupProbe: { exec: { command: ["true"] }, successThreshold: 3 },
      readinessProbe: { exec: { command: ["true"] }, successThreshold: -1, terminationGracePeriodSeconds: 5 },
    }),
  );
  assert.deepEqual(got.sort(), [
    "spec.containers[0].livenessProbe.failureThreshold: Invalid value: -3: must be greater than or equal to 1",
    "spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -4: must be greater than or equal to 0",
    "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 1",
    "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    "spec.containers[0].livenessProbe.timeoutSeconds: Invalid value: -2: must be greater than or equal to 1",
    "spec.containers[0].readinessProbe.successThreshold: Invalid value: -1: must be greater than or equal to 1",
    "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes",
    "spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1",
  ]);
});

test("probe ports are 1-65535 or a port name; http paths and header names are checked", () => {
  const got = check(
    podWith({
      livenessProbe: { httpGet: { port: 70000, path: "/healthz", httpHeaders: [{ name: "bad header", value: "v" }] } },
      readinessProbe: { tcpSocket: { port: "Not_A_Port" } },
    }),
  );
  assert.deepEqual(got, [
    "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 70000: must be between 1 and 65535, inclusive",
    `spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name: Invalid value: "bad header": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')`,
    'spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: "Not_A_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  ]);
  assert.deepEqual(check(podWith({ livenessProbe: { tcpSocket: { port: 0 } } })), [
    "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive",
  ]);
});

test("tolerations: Exists takes no value, an empty key needs Exists, tolerationSeconds needs NoExecute", () => {
  const ok = [
    { operator: "Exists" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
    { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" },
    { key: "dedicated", value: "gpu" },
  ];
  assert.deepEqual(check(podWith({}, { tolerations: ok })), []);
  const bad = [
    { key: "a", operator: "Exists", value: "x" },
    { value: "x" },
    { key: "b", operator: "Equal", value: "v", effect: "NoSchedule", tolerationSeconds: 10 },
    { key: "bad key!", operator: "Exists" },
    { key: "c", value: "not a value!" },
  ];
  const got = check(podWith({}, { tolerations: bad }));
  assert.deepEqual(got, [
    `spec.tolerations[0].operator: Invalid value: {"key":"a","operator":"Exists","value":"x"}: value must be empty when \`operator\` is 'Exists'`,
    'spec.tolerations[1].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    got[3]!,
    got[4]!,
  ]);
  assert.match(got[3]!, /^spec\.tolerations\[3\]\.key: Invalid value: "bad key!": name part must consist of alphanumeric characters/);
  assert.match(got[4]!, /^spec\.tolerations\[4\]\.operator: Invalid value: "not a value!": a valid label must be an empty string/);
});

test("hostname and subdomain must be DNS labels; a pod's activeDeadlineSeconds lies between 1 and 2^31-1", () => {
  assert.deepEqual(check(podWith({}, { hostname: "web-0", subdomain: "web" })), []);
  const got = check(podWith({}, { hostname: "Web.0" }));
  assert.equal(got.length, 1);
  assert.match(got[0]!, /^spec\.hostname: Invalid value: "Web\.0": a lowercase RFC 1123 label/);
  assert.deepEqual(check(podWith({}, { activeDeadlineSeconds: 60 })), []);
  assert.deepEqual(check(podWith({}, { activeDeadlineSeconds: 0 })), [
    "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
  ]);
});

test("orphan and foregroundDeletion finalizers cannot both be set", () => {
  const pod = podWith({});
  (pod.metadata as Record<string, unknown>).finalizers = ["orphan", "foregroundDeletion"];
  assert.deepEqual(check(pod), ['metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set']);
});
