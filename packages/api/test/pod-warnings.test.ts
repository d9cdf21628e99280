import assert from "node:assert/strict";
import { test } from "node:test";
import { objectWarnings } from "../src/index.js";

function podSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { containers: [{ name: "a", image: "x" }], ...overrides };
}

test("a valid pod draws no warning", () => {
  assert.deepEqual(objectWarnings("Pod", { metadata: { name: "p" }, spec: podSpec() }), []);
});

test("deprecated node labels and annotations, in Kubernetes' words", () => {
  const pod = {
    metadata: { annotations: { "scheduler.alpha.kubernetes.io/critical-pod": "" } },
    spec: podSpec({ nodeSelector: { "beta.kubernetes.io/os": "linux", "kubernetes.io/os": "linux" } }),
  };
  assert.deepEqual(objectWarnings("Pod", pod), [
    'spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead',
    'metadata.annotations[scheduler.alpha.kubernetes.io/critical-pod]: non-functional in v1.16+; use the "priorityClassName" field instead',
  ]);
});

test("fractional bytes of memory, printed in milli-units", () => {
  const spec = podSpec({
    containers: [{ name: "a", image: "x", resources: { requests: { memory: "100m", cpu: "100m" }, limits: { memory: "1.5", "ephemeral-storage": "1Gi" } } }],
  });
  assert.deepEqual(objectWarnings("Pod", { spec }), [
    'spec.containers[0].resources.limits[memory]: fractional byte value "1500m" is invalid, must be an integer',
    'spec.containers[0].resources.requests[memory]: fractional byte value "100m" is invalid, must be an integer',
  ]);
});

test("an env var that hides an earlier one, unless it builds on it", () => {
  const env = [
    { name: "A", value: "1" },
    { name: "A", value: "2" },
    { name: "B", value: "x" },
    { name: "B", value: "$(B):y" },
  ];
  assert.deepEqual(objectWarnings("Pod", { spec: podSpec({ containers: [{ name: "a", image: "x", env }] }) }), [
    'spec.containers[0].env[1]: hides previous definition of "A", which may be dropped when using apply',
  ]);
});

test("ports defined twice across containers", () => {
  const containers = [
    { name: "a", image: "x", ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }] },
    { name: "b", image: "x", ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 53, protocol: "TCP" }, { containerPort: 80, hostPort: 8080 }] },
  ];
  assert.deepEqual(objectWarnings("Pod", { spec: podSpec({ containers }) }), [
    "spec.containers[1].ports[0]: duplicate port definition with spec.containers[0].ports[0]",
    "spec.containers[1].ports[2]: overlapping port definition with spec.containers[0].ports[0]",
    "spec.containers[1].ports[2]: overlapping port definition with spec.containers[1].ports[0]",
  ]);
});

test("workload pod templates are checked at their path; other kinds and malformed objects draw nothing", () => {
  const template = { metadata: {}, spec: podSpec({ nodeSelector: { "beta.kubernetes.io/arch": "amd64" } }) };
  assert.deepEqual(objectWarnings("Deployment", { spec: { template } }), [
    'spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead',
  ]);
  assert.deepEqual(objectWarnings("CronJob", { spec: { jobTemplate: { spec: { template } } } }), [
    'spec.jobTemplate.spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead',
  ]);
  assert.deepEqual(objectWarnings("Node", { spec: { nodeSelector: { "beta.kubernetes.io/arch": "x" } } }), []);
  assert.deepEqual(objectWarnings("Deployment", { spec: "nonsense" }), []);
  assert.deepEqual(objectWarnings("Pod", { spec: { containers: [null, { env: "x", ports: [7] }] } }), []);
});
