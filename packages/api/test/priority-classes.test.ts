// scheduling.k8s.io/v1 PriorityClass: the rules of Kubernetes' ValidatePriorityClass
// and ValidatePriorityClassUpdate with its messages, the default preemption policy,
// the printer's columns, and the priority fields of a pod spec and a pod template.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyDefaults,
  printerFor,
  resourceByName,
  systemPriorityClasses,
  validateObject,
  type KubeObject,
  type PriorityClass,
  type StatusCause,
} from "../src/index.js";

const classes = resourceByName("pc")!;
const pods = resourceByName("pods")!;
const deployments = resourceByName("deployments")!;

function messages(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

function priorityClass(name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass {
  return { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, ...extra };
}

test("PriorityClass is served cluster-scoped in scheduling.k8s.io/v1 with the short name pc", () => {
  assert.equal(classes.group, "scheduling.k8s.io");
  assert.equal(classes.version, "v1");
  assert.equal(classes.resource, "priorityclasses");
  assert.equal(classes.namespaced, false);
  assert.deepEqual(classes.shortNames, ["pc"]);
});

test("a user class may have at most 1000000000, and names starting system- are the system's", () => {
  assert.deepEqual(validateObject(classes, priorityClass("high", 1_000_000_000)), []);
  assert.deepEqual(validateObject(classes, priorityClass("negative", -5)), []);
  assert.deepEqual(messages(validateObject(classes, priorityClass("too-high", 1_000_000_001))), [
    "value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
  ]);
  assert.deepEqual(messages(validateObject(classes, priorityClass("system-mine", 5))), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
  ]);
  assert.deepEqual(messages(validateObject(classes, priorityClass("system-node-critical", 5))), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
  ]);
  assert.deepEqual(messages(validateObject(classes, priorityClass("system-cluster-critical", 2_000_000_000, { globalDefault: true }))), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
  ]);
  for (const pc of systemPriorityClasses) assert.deepEqual(validateObject(classes, structuredClone(pc)), [], pc.metadata.name ?? "");
});

test("the system classes are Kubernetes' own", () => {
  assert.deepEqual(
    systemPriorityClasses.map((pc) => [pc.metadata.name, pc.value, pc.globalDefault ?? false]),
    [
      ["system-node-critical", 2_000_001_000, false],
      ["system-cluster-critical", 2_000_000_000, false],
    ],
  );
});

test("preemptionPolicy is PreemptLowerPriority or Never, defaults to PreemptLowerPriority, and value and policy never change", () => {
  const pc = priorityClass("batch", 100);
  applyDefaults(classes, pc as KubeObject);
  assert.equal(pc.preemptionPolicy, "PreemptLowerPriority");
  const bad = validateObject(classes, priorityClass("odd", 1, { preemptionPolicy: "Sometimes" as "Never" }));
  assert.equal(bad.length, 1);
  assert.equal(bad[0]!.field, "preemptionPolicy");

  const changedValue = priorityClass("batch", 101, { preemptionPolicy: "PreemptLowerPriority" });
  assert.deepEqual(messages(validateObject(classes, changedValue, pc as KubeObject)), ["value: Forbidden: may not be changed in an update."]);
  const changedPolicy = priorityClass("batch", 100, { preemptionPolicy: "Never" });
  assert.deepEqual(messages(validateObject(classes, changedPolicy, pc as KubeObject)), ['preemptionPolicy: Invalid value: "Never": field is immutable']);
  const described = priorityClass("batch", 100, { preemptionPolicy: "PreemptLowerPriority", description: "for batch jobs", globalDefault: true });
  assert.deepEqual(validateObject(classes, described, pc as KubeObject), []);
});

test("kubectl get priorityclasses: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY", () => {
  const printer = printerFor("PriorityClass");
  assert.deepEqual(
    printer.columns.map((c) => [c.name, c.type]),
    [
      ["Name", "string"],
      ["Value", "integer"],
      ["Global-Default", "boolean"],
      ["Age", "string"],
      ["PreemptionPolicy", "string"],
    ],
  );
  const now = Date.parse("2025-05-01T12:00:00Z");
  const pc = priorityClass("high", 1000, { globalDefault: true, preemptionPolicy: "Never" });
  pc.metadata.creationTimestamp = "2025-05-01T11:00:00Z";
  assert.deepEqual(printer.cells(pc as KubeObject, now), ["high", 1000, true, "60m", "Never"]);
  const bare = priorityClass("plain", 1);
  bare.metadata.creationTimestamp = "2025-05-01T11:00:00Z";
  assert.deepEqual(printer.cells(bare as KubeObject, now), ["plain", 1, false, "60m", ""]);
});

test("a pod's priorityClassName is a DNS subdomain and its preemptionPolicy one of the two, in pods and templates alike", () => {
  const pod = (spec: Record<string, unknown>): KubeObject =>
    ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } }) as KubeObject;
  assert.deepEqual(validateObject(pods, pod({ priorityClassName: "high", priority: 1000, preemptionPolicy: "Never" })), []);
  const badName = validateObject(pods, pod({ priorityClassName: "Not_A_Name" }));
  assert.equal(badName.length, 1);
  assert.equal(badName[0]!.field, "spec.priorityClassName");
  assert.match(badName[0]!.message ?? "", /^Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain/);
  const badPolicy = validateObject(pods, pod({ preemptionPolicy: "Always" }));
  assert.equal(badPolicy.length, 1);
  assert.equal(badPolicy[0]!.field, "spec.preemptionPolicy");

  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" } }, spec: { priorityClassName: "Bad_Name", containers: [{ name: "c", image: "busybox" }] } },
    },
  } as KubeObject;
  assert.deepEqual(
    validateObject(deployments, deployment).map((c) => c.field),
    ["spec.template.spec.priorityClassName"],
  );
});
