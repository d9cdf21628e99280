import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  jobControllerUidLabel,
  jobNameLabel,
  legacyJobControllerUidLabel,
  legacyJobNameLabel,
  mustResource,
  scaleSchema,
  validateObject,
  type KubeObject,
  type ResourceInfo,
  type StatusCause,
} from "../src/index.js";

type Body = Record<string, unknown> & { metadata: Record<string, unknown>; spec: Record<string, unknown> };

function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

/** Defaults as the apiserver would, then validates. */
function check(res: ResourceInfo, obj: Body, old?: Body): string[] {
  applyDefaults(res, obj as unknown as KubeObject);
  if (old) applyDefaults(res, old as unknown as KubeObject);
  return fields(validateObject(res, obj, old as unknown as KubeObject | undefined));
}

function podTemplate(restartPolicy?: string): Record<string, unknown> {
  return {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "bosun.local/busybox:1" }], ...(restartPolicy ? { restartPolicy } : {}) },
  };
}

function apps(kind: string, spec: Record<string, unknown> = {}): Body {
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name: "web", namespace: "default" },
    spec: { selector: { matchLabels: { app: "web" } }, template: podTemplate(), ...spec },
  };
}

const deployments = mustResource("deployments");
const replicasets = mustResource("replicasets");
const daemonsets = mustResource("daemonsets");
const statefulsets = mustResource("statefulsets");
const jobs = mustResource("jobs");
const cronjobs = mustResource("cronjobs");

test("well-formed apps kinds have no problems", () => {
  for (const [res, kind] of [
    [deployments, "Deployment"],
    [replicasets, "ReplicaSet"],
    [daemonsets, "DaemonSet"],
    [statefulsets, "StatefulSet"],
  ] as const) {
    assert.deepEqual(check(res, apps(kind)), [], kind);
  }
});

test("unknown fields, wrong types and bad names are refused by path for every kind", () => {
  const d = apps("Deployment", { replica: 3 });
  assert.deepEqual(check(deployments, d), ['spec.replica: unknown field "spec.replica"']);
  const wrongType = apps("StatefulSet", { replicas: "three" });
  assert.deepEqual(check(statefulsets, wrongType), ['spec.replicas: Invalid value: "three": expected integer, got string']);
  const badName = apps("DaemonSet");
  badName.metadata.name = "Bad_Name";
  assert.match(check(daemonsets, badName)[0]!, /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const nested = apps("ReplicaSet");
  (nested.spec.template as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]!.imagePolicy = "x";
  assert.deepEqual(check(replicasets, nested), ['spec.template.spec.containers[0].imagePolicy: unknown field "spec.template.spec.containers[0].imagePolicy"']);
  const cj = cronJob({ schedul: "* * * * *" });
  assert.ok(check(cronjobs, cj).includes('spec.schedul: unknown field "spec.schedul"'));
  const j = job({ parallelism: 1.5 });
  assert.deepEqual(check(jobs, j), ["spec.parallelism: Invalid value: 1.5: expected integer, got number"]);
});

test("selector: required, non-empty, valid, and must match the template labels", () => {
  const missing = apps("Deployment");
  delete missing.spec.selector;
  assert.deepEqual(check(deployments, missing), ["spec.selector: Required value"]);

  const empty = apps("Deployment", { selector: {} });
  assert.deepEqual(check(deployments, empty), ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]);
  assert.deepEqual(check(daemonsets, apps("DaemonSet", { selector: {} })), ["spec.selector: Invalid value: {}: empty selector is invalid for daemonset"]);
  assert.deepEqual(check(statefulsets, apps("StatefulSet", { selector: {} })), [
    "spec.selector: Invalid value: {}: empty selector is invalid for statefulset",
  ]);

  const mismatch = apps("ReplicaSet", { selector: { matchLabels: { app: "db" } } });
  assert.deepEqual(check(replicasets, mismatch), [
    'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
  ]);
  const expr = apps("Deployment", { selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] } });
  assert.deepEqual(check(deployments, expr), []);

  const badExpr = apps("Deployment", {
    selector: {
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In" },
        { key: "x", operator: "Exists", values: ["a"] },
        { key: "bad key", operator: "NotIn", values: ["ok", "not ok!"] },
      ],
    },
  });
  const got = check(deployments, badExpr);
  assert.ok(got.includes("spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"), got.join("\n"));
  assert.ok(got.includes("spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  assert.ok(got.some((m) => m.startsWith('spec.selector.matchExpressions[2].key: Invalid value: "bad key"')));
  assert.ok(got.some((m) => m.startsWith('spec.selector.matchExpressions[2].values[1]: Invalid value: "not ok!"')));
});

test("replicas, minReadySeconds, revisionHistoryLimit may not be negative", () => {
  const d = apps("Deployment", { replicas: -1, minReadySeconds: -2, revisionHistoryLimit: -3 });
  assert.deepEqual(check(deployments, d), [
    "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    "spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0",
    "spec.revisionHistoryLimit: Invalid value: -3: must be greater than or equal to 0",
  ]);
  assert.deepEqual(check(replicasets, apps("ReplicaSet", { replicas: -1 })), ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
  assert.deepEqual(check(statefulsets, apps("StatefulSet", { replicas: -5 })), ["spec.replicas: Invalid value: -5: must be greater than or equal to 0"]);
});

test("the template is validated as a pod, with spec.template paths", () => {
  const d = apps("Deployment");
  const t = d.spec.template as { metadata: { labels: Record<string, string> }; spec: { containers: Record<string, unknown>[] } };
  t.spec.containers[0]!.image = "";
  t.spec.containers.push({ name: "c", image: "x" });
  const got = check(deployments, d);
  assert.deepEqual(got, ["spec.template.spec.containers[0].image: Required value", 'spec.template.spec.containers[1].name: Duplicate value: "c"']);
  const rs = apps("ReplicaSet");
  delete rs.spec.template;
  assert.deepEqual(check(replicasets, rs), [
    "spec.template.spec.containers: Required value",
    "spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`",
  ]);
});

test("apps templates must restart Always", () => {
  for (const [res, kind] of [
    [deployments, "Deployment"],
    [replicasets, "ReplicaSet"],
    [daemonsets, "DaemonSet"],
    [statefulsets, "StatefulSet"],
  ] as const) {
    const obj = apps(kind, { template: podTemplate("OnFailure") });
    const got = check(res, obj);
    assert.deepEqual(got, ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'], kind);
  }
});

test("Deployment strategy: int or percentage, not both 0, not over 100%", () => {
  const strategy = (rollingUpdate: Record<string, unknown>) => apps("Deployment", { strategy: { type: "RollingUpdate", rollingUpdate } });
  assert.deepEqual(check(deployments, strategy({ maxUnavailable: 0, maxSurge: "0%" })), [
    "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
  ]);
  assert.deepEqual(check(deployments, strategy({ maxUnavailable: "ten", maxSurge: -1 })), [
    `spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "ten": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0",
  ]);
  assert.deepEqual(check(deployments, strategy({ maxUnavailable: "150%" })), [
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
  ]);
  assert.deepEqual(check(deployments, strategy({ maxUnavailable: 0, maxSurge: 1 })), []);
  const recreate = apps("Deployment", { strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } } });
  assert.deepEqual(check(deployments, recreate), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
  const deadline = apps("Deployment", { minReadySeconds: 10, progressDeadlineSeconds: 10 });
  assert.deepEqual(check(deployments, deadline), ["spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"]);
});

test("DaemonSet rolling update: exactly one of maxUnavailable and maxSurge", () => {
  const ds = (rollingUpdate: Record<string, unknown>) => apps("DaemonSet", { updateStrategy: { type: "RollingUpdate", rollingUpdate } });
  assert.deepEqual(check(daemonsets, ds({ maxUnavailable: 0, maxSurge: 0 })), [
    "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
  ]);
  assert.deepEqual(check(daemonsets, ds({ maxUnavailable: 1, maxSurge: "10%" })), [
    'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "10%": may not be set when maxUnavailable is non-zero',
  ]);
  assert.deepEqual(check(daemonsets, ds({ maxUnavailable: 0, maxSurge: "10%" })), []);
});

test("StatefulSet: rolling update parameters and what an update may change", () => {
  const neg = apps("StatefulSet", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: -1, maxUnavailable: 0 } } });
  assert.deepEqual(check(statefulsets, neg), [
    "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
    "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0",
  ]);
  const onDelete = apps("StatefulSet", { updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } } });
  assert.deepEqual(check(statefulsets, onDelete), [
    "spec.updateStrategy.rollingUpdate: Invalid value: {\"partition\":1}: only allowed for updateStrategy 'RollingUpdate'",
  ]);
  const old = apps("StatefulSet", { serviceName: "web" });
  const scaled = apps("StatefulSet", { serviceName: "web", replicas: 5 });
  assert.deepEqual(check(statefulsets, scaled, old), []);
  const renamed = apps("StatefulSet", { serviceName: "other" });
  assert.deepEqual(check(statefulsets, renamed, apps("StatefulSet", { serviceName: "web" })), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});

test("apps selectors are immutable; key order and template changes do not count", () => {
  for (const [res, kind] of [
    [deployments, "Deployment"],
    [replicasets, "ReplicaSet"],
    [daemonsets, "DaemonSet"],
  ] as const) {
    const old = apps(kind, { selector: { matchLabels: { app: "web", tier: "a" } }, template: { ...podTemplate(), metadata: { labels: { app: "web", tier: "a" } } } });
    const same = apps(kind, { selector: { matchLabels: { tier: "a", app: "web" } }, template: { ...podTemplate(), metadata: { labels: { app: "web", tier: "a", v: "2" } } } });
    assert.deepEqual(check(res, same, old), [], kind);
    const changed = apps(kind, { selector: { matchLabels: { app: "web" } } });
    assert.deepEqual(check(res, changed, apps(kind, { selector: { matchLabels: { app: "web", tier: "a" } }, template: { ...podTemplate(), metadata: { labels: { app: "web", tier: "a" } } } })), [
      'spec.selector: Invalid value: {"matchLabels":{"app":"web"}}: field is immutable',
    ], kind);
  }
});

// ---- Job ----

const uid = "0b5c9a52-4d1e-4e58-a8f6-2f0d8f0f0d11";

/** A Job as the apiserver's create path prepares it: uid and generated selector and labels. */
function job(spec: Record<string, unknown> = {}, restartPolicy = "Never"): Body {
  const labels = {
    [legacyJobControllerUidLabel]: uid,
    [legacyJobNameLabel]: "pi",
    [jobControllerUidLabel]: uid,
    [jobNameLabel]: "pi",
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default", uid },
    spec: {
      selector: { matchLabels: { [jobControllerUidLabel]: uid } },
      template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "x" }], restartPolicy } },
      ...spec,
    },
  };
}

test("a Job with the generated selector is valid", () => {
  assert.deepEqual(check(jobs, job()), []);
  assert.deepEqual(check(jobs, job({}, "OnFailure")), []);
});

test("Job: restartPolicy must be OnFailure or Never", () => {
  assert.deepEqual(check(jobs, job({}, "Always")), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  const unset = job();
  delete (unset.spec.template as { spec: Record<string, unknown> }).spec.restartPolicy;
  assert.deepEqual(check(jobs, unset), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
});

test("Job: counts may not be negative, activeDeadlineSeconds must be positive", () => {
  const j = job({ parallelism: -1, completions: -2, backoffLimit: -3, activeDeadlineSeconds: 0, ttlSecondsAfterFinished: -4 });
  assert.deepEqual(check(jobs, j), [
    "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
    "spec.completions: Invalid value: -2: must be greater than or equal to 0",
    "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
    "spec.ttlSecondsAfterFinished: Invalid value: -4: must be greater than or equal to 0",
    "spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0",
  ]);
});

test("Job: the selector must be the generated one unless manualSelector", () => {
  const own = job({ selector: { matchLabels: { app: "x" } } });
  const got = check(jobs, own);
  assert.ok(got.some((m) => m.startsWith("spec.selector: Invalid value:") && m.endsWith("`selector` not auto-generated")), got.join("\n"));
  assert.ok(got.some((m) => m.startsWith("spec.template.metadata.labels:") && m.endsWith("`selector` does not match template `labels`")));

  const wrongLabel = job();
  (wrongLabel.spec.template as { metadata: { labels: Record<string, string> } }).metadata.labels[jobNameLabel] = "other";
  assert.ok(check(jobs, wrongLabel).some((m) => m.startsWith(`spec.template.metadata.labels[${jobNameLabel}]: Invalid value:`) && m.endsWith("must be 'pi'")));

  const manual: Body = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "m", namespace: "default" },
    spec: {
      manualSelector: true,
      selector: { matchLabels: { app: "m" } },
      template: { metadata: { labels: { app: "m" } }, spec: { containers: [{ name: "c", image: "x" }], restartPolicy: "Never" } },
    },
  };
  assert.deepEqual(check(jobs, manual), []);
  const manualNoSelector = structuredClone(manual);
  delete manualNoSelector.spec.selector;
  assert.deepEqual(check(jobs, manualNoSelector), ["spec.selector: Required value"]);
});

test("Job updates: selector, template, completions are immutable; parallelism may change", () => {
  const old = job({ completions: 3 });
  assert.deepEqual(check(jobs, job({ completions: 3, parallelism: 5 }), old), []);
  const newImage = job({ completions: 3 });
  (newImage.spec.template as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image = "y";
  assert.ok(check(jobs, newImage, job({ completions: 3 })).some((m) => m.startsWith("spec.template: Invalid value:") && m.endsWith("field is immutable")));
  assert.ok(check(jobs, job({ completions: 4 }), job({ completions: 3 })).includes("spec.completions: Invalid value: 4: field is immutable"));
  const reselected = job({ manualSelector: true, selector: { matchLabels: { [jobControllerUidLabel]: uid, extra: "x" } } });
  (reselected.spec.template as { metadata: { labels: Record<string, string> } }).metadata.labels.extra = "x";
  assert.ok(check(jobs, reselected, job({ manualSelector: true })).some((m) => m.startsWith("spec.selector: Invalid value:") && m.endsWith("field is immutable")));
});

// ---- CronJob ----

function cronJob(spec: Record<string, unknown> = {}, restartPolicy = "OnFailure"): Body {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "tick", namespace: "default" },
    spec: {
      schedule: "*/5 * * * *",
      jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "x" }], restartPolicy } } } },
      ...spec,
    },
  };
}

test("CronJob: schedules as Kubernetes accepts them, plus six fields with seconds", () => {
  for (const schedule of ["*/5 * * * *", "0 3 * * MON-FRI", "@hourly", "@midnight", "*/10 * * * * *", "0 0 1 jan *"]) {
    assert.deepEqual(check(cronjobs, cronJob({ schedule })), [], schedule);
  }
  assert.deepEqual(check(cronjobs, cronJob({ schedule: "" })), ["spec.schedule: Required value"]);
  assert.deepEqual(check(cronjobs, cronJob({ schedule: "* * * *" })), [
    'spec.schedule: Invalid value: "* * * *": expected exactly 5 fields (or 6 with seconds first, a Bosun extension), found 4: [* * * *]',
  ]);
  assert.match(check(cronjobs, cronJob({ schedule: "61 * * * *" }))[0]!, /^spec\.schedule: Invalid value: "61 \* \* \* \*": .*59/);
  assert.match(check(cronjobs, cronJob({ schedule: "@every 5m" }))[0]!, /unrecognized descriptor: @every 5m/);
  assert.deepEqual(check(cronjobs, cronJob({ schedule: "TZ=UTC */5 * * * *" })), [
    'spec.schedule: Invalid value: "TZ=UTC */5 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
});

test("CronJob: time zone, history limits, job template rules, name length", () => {
  assert.deepEqual(check(cronjobs, cronJob({ timeZone: "Europe/Berlin" })), []);
  assert.deepEqual(check(cronjobs, cronJob({ timeZone: "Mars/Olympus" })), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  assert.deepEqual(check(cronjobs, cronJob({ timeZone: "Local" })), [
    'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
  ]);
  assert.deepEqual(check(cronjobs, cronJob({ successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -1, startingDeadlineSeconds: -1 })), [
    "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
    "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
    "spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
  ]);
  assert.deepEqual(check(cronjobs, cronJob({}, "Always")), ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  const withSelector = cronJob();
  (withSelector.spec.jobTemplate as { spec: Record<string, unknown> }).spec.selector = { matchLabels: { a: "b" } };
  (withSelector.spec.jobTemplate as { spec: Record<string, unknown> }).spec.manualSelector = true;
  assert.deepEqual(check(cronjobs, withSelector), [
    'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
    'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
  ]);
  const badImage = cronJob();
  (badImage.spec.jobTemplate as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image = "";
  assert.deepEqual(check(cronjobs, badImage), ["spec.jobTemplate.spec.template.spec.containers[0].image: Required value"]);
  const long = cronJob();
  long.metadata.name = "a".repeat(53);
  assert.deepEqual(check(cronjobs, long), [`metadata.name: Invalid value: "${"a".repeat(53)}": must be no more than 52 characters`]);
  assert.deepEqual(check(cronjobs, structuredClone(long), structuredClone(long)), [], "an existing long name may be updated");
});

test("Scale: replicas may not be negative", () => {
  const scales: ResourceInfo = { ...deployments, group: "autoscaling", kind: "Scale", schema: scaleSchema, subresources: [] };
  const scale = (replicas: number) => ({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web", namespace: "default" }, spec: { replicas } });
  assert.deepEqual(validateObject(scales, scale(3)), []);
  assert.deepEqual(fields(validateObject(scales, scale(-1))), ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
});
