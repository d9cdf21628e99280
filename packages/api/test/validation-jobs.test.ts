// The batch/v1 rules added for Kubernetes 1.33's Jobs: Indexed completion,
// backoffLimitPerIndex, podFailurePolicy, successPolicy and podReplacementPolicy,
// with Kubernetes' messages, and their defaults; and the compressed index ranges.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  checkIndexesFormat,
  formatIndexes,
  intervalsOf,
  jobControllerUidLabel,
  jobNameLabel,
  legacyJobControllerUidLabel,
  legacyJobNameLabel,
  mergeIntervals,
  mustResource,
  overlapCount,
  parseIndexes,
  validateObject,
  type Job,
  type KubeObject,
  type StatusCause,
} from "../src/index.js";

const jobs = mustResource("jobs");
const cronjobs = mustResource("cronjobs");
const uid = "0b5c9a52-4d1e-4e58-a8f6-2f0d8f0f0d11";

type Body = Record<string, unknown> & { metadata: Record<string, unknown>; spec: Record<string, unknown> };

function job(spec: Record<string, unknown> = {}, restartPolicy = "Never", name = "pi"): Body {
  const labels = { [legacyJobControllerUidLabel]: uid, [legacyJobNameLabel]: name, [jobControllerUidLabel]: uid, [jobNameLabel]: name };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default", uid },
    spec: {
      selector: { matchLabels: { [jobControllerUidLabel]: uid } },
      template: { metadata: { labels }, spec: { containers: [{ name: "main", image: "x" }], initContainers: [{ name: "setup", image: "x" }], restartPolicy } },
      ...spec,
    },
  };
}

function check(obj: Body, old?: Body): string[] {
  applyDefaults(jobs, obj as unknown as KubeObject);
  if (old) applyDefaults(jobs, old as unknown as KubeObject);
  return validateObject(jobs, obj, old as unknown as KubeObject | undefined).map((c: StatusCause) => `${c.field}: ${c.message}`);
}

const indexed = (extra: Record<string, unknown> = {}) => ({ completionMode: "Indexed", completions: 5, ...extra });

test("Indexed Jobs: completions required; an unknown mode is not supported; the last pod's hostname must be a DNS label", () => {
  assert.deepEqual(check(job(indexed())), []);
  assert.deepEqual(check(job({ completionMode: "Indexed", parallelism: 2, completions: undefined })), ["spec.completions: Required value: when completion mode is Indexed"]);
  assert.deepEqual(check(job({ completionMode: "Sometimes" })), ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']);
  const long = "a".repeat(62);
  assert.deepEqual(check(job(indexed({ completions: 10 }), "Never", long)), [
    `metadata.name: Invalid value: "${long}": will not able to create pod with invalid DNS label: ${long}-9`,
  ]);
  const changed = check(job(indexed()), job({ completions: 5 }));
  assert.ok(changed.some((m) => m.startsWith("spec.completionMode: Invalid value:") && m.endsWith("field is immutable")), changed.join("\n"));
});

test("backoffLimitPerIndex and maxFailedIndexes: Indexed only, non-negative, maxFailedIndexes needs a limit per index and at most completions", () => {
  assert.deepEqual(check(job(indexed({ backoffLimitPerIndex: 1, maxFailedIndexes: 2 }))), []);
  assert.deepEqual(check(job({ backoffLimitPerIndex: 1 })), ["spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"]);
  assert.deepEqual(check(job(indexed({ maxFailedIndexes: 6 }))), [
    "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
    "spec.maxFailedIndexes: Invalid value: 6: must be less than or equal to completions",
  ]);
  assert.deepEqual(check(job(indexed({ backoffLimitPerIndex: -1 }))), ["spec.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0"]);
});

test("defaults: backoffLimit unlimited with a limit per index; podReplacementPolicy Failed with a pod failure policy; condition status True", () => {
  const perIndex = job(indexed({ backoffLimitPerIndex: 1 }));
  applyDefaults(jobs, perIndex as unknown as KubeObject);
  assert.equal((perIndex as unknown as Job).spec.backoffLimit, 2147483647);
  assert.equal((perIndex as unknown as Job).spec.podReplacementPolicy, "TerminatingOrFailed");
  const withPolicy = job({ podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } });
  applyDefaults(jobs, withPolicy as unknown as KubeObject);
  const spec = (withPolicy as unknown as Job).spec;
  assert.equal(spec.podReplacementPolicy, "Failed");
  assert.equal(spec.backoffLimit, 6);
  assert.deepEqual(spec.podFailurePolicy?.rules[0]?.onPodConditions, [{ type: "DisruptionTarget", status: "True" }]);
});

test("podFailurePolicy: actions, operators, values and containers as Kubernetes checks them", () => {
  const policy = (rules: unknown[]) => job({ podFailurePolicy: { rules } });
  assert.deepEqual(
    check(
      policy([
        { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
        { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        { action: "Count", onExitCodes: { containerName: "setup", operator: "NotIn", values: [0, 1] } },
      ]),
    ),
    [],
  );
  assert.deepEqual(check(policy([{ action: "Explode", onExitCodes: { operator: "In", values: [1] } }])), [
    'spec.podFailurePolicy.rules[0].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
  ]);
  assert.deepEqual(check(policy([{ action: "FailIndex", onExitCodes: { operator: "In", values: [1] } }])), [
    'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
  ]);
  assert.deepEqual(check(policy([{ action: "FailJob", onExitCodes: { containerName: "nope", operator: "Is", values: [0, 3, 3, 2] } }])), [
    'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Is": supported values: "In", "NotIn"',
    'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
    "spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3",
    "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,3,3,2]: must be ordered",
  ]);
  assert.deepEqual(check(policy([{ action: "FailJob", onExitCodes: { operator: "In", values: [0] } }])), [
    "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
  ]);
  // Kubernetes words these without a value (field.OmitValueType).
  assert.deepEqual(check(policy([{ action: "Ignore" }])), ["spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required"]);
  assert.deepEqual(check(policy([{ action: "Ignore", onExitCodes: { operator: "In", values: [1] }, onPodConditions: [{ type: "DisruptionTarget" }] }])), [
    "spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
  ]);
  assert.deepEqual(check(job({ podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } }, "OnFailure")), [
    'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
  ]);
  assert.deepEqual(check(policy([{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "Maybe" }] }])), [
    'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
  ]);
  const changed = check(policy([{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }]), policy([{ action: "Count", onPodConditions: [{ type: "DisruptionTarget" }] }]));
  assert.ok(changed.some((m) => m.startsWith("spec.podFailurePolicy: Invalid value:") && m.endsWith("field is immutable")), changed.join("\n"));
});

test("successPolicy: Indexed only, with succeededIndexes in range and succeededCount within them", () => {
  assert.deepEqual(check(job(indexed({ successPolicy: { rules: [{ succeededIndexes: "0,2-4", succeededCount: 2 }, { succeededCount: 5 }] } }))), []);
  const nonIndexed = check(job({ successPolicy: { rules: [{ succeededCount: 1 }] } }));
  assert.ok(nonIndexed.some((m) => m.startsWith("spec.successPolicy: Invalid value:") && m.endsWith("requires indexed completion mode")), nonIndexed.join("\n"));
  assert.deepEqual(check(job(indexed({ successPolicy: { rules: [] } }))), [
    "spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified",
  ]);
  assert.deepEqual(check(job(indexed({ successPolicy: { rules: [{}] } }))), [
    "spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified",
  ]);
  assert.deepEqual(check(job(indexed({ successPolicy: { rules: [{ succeededIndexes: "3-1" }, { succeededIndexes: "0-1", succeededCount: 3 }, { succeededCount: 6 }] } }))), [
    'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "3-1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
    "spec.successPolicy.rules[1].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)",
    "spec.successPolicy.rules[2].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)",
  ]);
});

test("podReplacementPolicy: TerminatingOrFailed or Failed; only Failed with a pod failure policy", () => {
  assert.deepEqual(check(job({ podReplacementPolicy: "Failed" })), []);
  assert.deepEqual(check(job({ podReplacementPolicy: "Never" })), ['spec.podReplacementPolicy: Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"']);
  assert.deepEqual(check(job({ podReplacementPolicy: "TerminatingOrFailed", podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } })), [
    'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
  ]);
});

test("a CronJob's job template takes the same rules", () => {
  const cj: Body = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "c", namespace: "default" },
    spec: {
      schedule: "* * * * *",
      jobTemplate: { spec: { completionMode: "Indexed", template: { spec: { containers: [{ name: "c", image: "x" }], restartPolicy: "Never" } } } },
    },
  };
  applyDefaults(cronjobs, cj as unknown as KubeObject);
  assert.deepEqual(
    validateObject(cronjobs, cj).map((c) => `${c.field}: ${c.message}`),
    ["spec.jobTemplate.spec.completions: Required value: when completion mode is Indexed"],
  );
});

test("a CronJob's pod failure policy patterns default to status True too, as Kubernetes defaults the type wherever it is", () => {
  const cj: Body = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "c", namespace: "default" },
    spec: {
      schedule: "* * * * *",
      jobTemplate: {
        spec: {
          podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
          template: { spec: { containers: [{ name: "c", image: "x" }], restartPolicy: "Never" } },
        },
      },
    },
  };
  applyDefaults(cronjobs, cj as unknown as KubeObject);
  assert.deepEqual(validateObject(cronjobs, cj), []);
  const jobSpec = (cj.spec.jobTemplate as { spec: Job["spec"] }).spec;
  assert.deepEqual(jobSpec.podFailurePolicy?.rules[0]?.onPodConditions, [{ type: "DisruptionTarget", status: "True" }]);
  assert.equal(jobSpec.podReplacementPolicy, undefined, "the Job's own defaults wait until the Job is created");
});

test("index ranges: parsed leniently, merged, printed compressed as Kubernetes prints them", () => {
  assert.deepEqual(parseIndexes("1,3-5,7,9-20", 10), [
    { first: 1, last: 1 },
    { first: 3, last: 5 },
    { first: 7, last: 7 },
    { first: 9, last: 9 },
  ]);
  assert.deepEqual(parseIndexes("x,2,3", 5), [{ first: 2, last: 3 }], "a part that is no number is skipped; neighbours merge");
  assert.equal(formatIndexes(intervalsOf([0, 1, 2])), "0-2");
  assert.equal(formatIndexes(intervalsOf([5, 1, 3, 4, 7, 8])), "1,3-5,7,8");
  assert.equal(formatIndexes([]), "");
  assert.equal(formatIndexes(mergeIntervals(parseIndexes("0,1", 9), intervalsOf([2, 6]))), "0-2,6");
  assert.equal(overlapCount(parseIndexes("0-4", 9), parseIndexes("3-8", 9)), 2);
  assert.deepEqual(checkIndexesFormat("0,2-4", 5), { total: 4 });
  assert.deepEqual(checkIndexesFormat("1-2-3", 5), { error: `the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by '-'` });
  assert.deepEqual(checkIndexesFormat("2,1", 5), { error: "non-increasing order, previous: 2, current: 1" });
  assert.deepEqual(checkIndexesFormat("5", 5), { error: 'too large index: "5"' });
  assert.deepEqual(checkIndexesFormat("a", 5), { error: 'cannot convert string to integer for index: "a"' });
});
