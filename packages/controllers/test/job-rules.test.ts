// The Job controller's rules without an API server: defaults, counting, backoff
// limit, deadline, how many pods to run, which to delete, failure backoff, TTL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jobControllerUidLabel, jobNameLabel, type Job, type Pod, type PodStatus } from "@bosun/api";
import { ensureJobCondition, finishedCondition, isJobFinished } from "../src/job/conditions.js";
import { withJobDefaults } from "../src/job/defaults.js";
import { activeDeadlineAt, countPods, isComplete, pastBackoffLimit, podsToDelete, wantActive } from "../src/job/job-math.js";
import { failureRecord, podFinishedAt, remainingBackoffMs } from "../src/job/pod-failure-backoff.js";
import { ttlExpiresAt } from "../src/job/ttl-after-finished.js";

function job(spec: Partial<Job["spec"]> = {}, status?: Job["status"]): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "ns", uid: "uid-1" },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } }, ...spec },
    ...(status ? { status } : {}),
  };
}

let podSeq = 0;
function pod(phase: PodStatus["phase"], extra: { created?: string; node?: string; ready?: boolean; restarts?: number; finishedAt?: string; deleting?: boolean } = {}): Pod {
  const status: PodStatus = { phase };
  if (extra.ready !== undefined) status.conditions = [{ type: "Ready", status: extra.ready ? "True" : "False" }];
  if (extra.restarts !== undefined || extra.finishedAt !== undefined) {
    status.containerStatuses = [
      {
        name: "c",
        image: "i",
        ready: false,
        restartCount: extra.restarts ?? 0,
        ...(extra.finishedAt ? { state: { terminated: { exitCode: 1, finishedAt: extra.finishedAt } } } : {}),
      },
    ];
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `p${++podSeq}`,
      namespace: "ns",
      creationTimestamp: extra.created ?? "2025-01-01T00:00:00Z",
      ...(extra.deleting ? { deletionTimestamp: "2025-01-01T00:10:00Z" } : {}),
    },
    spec: { containers: [{ name: "c", image: "i" }], ...(extra.node ? { nodeName: extra.node } : {}) },
    status,
  };
}

test("defaults: completions and parallelism 1, backoffLimit 6, a selector on the Job's uid and the labels on its template", () => {
  const d = withJobDefaults(job());
  assert.equal(d.spec.parallelism, 1);
  assert.equal(d.spec.completions, 1);
  assert.equal(d.spec.backoffLimit, 6);
  assert.deepEqual(d.spec.selector, { matchLabels: { [jobControllerUidLabel]: "uid-1" } });
  assert.deepEqual(d.spec.template.metadata?.labels, {
    [jobControllerUidLabel]: "uid-1",
    [jobNameLabel]: "pi",
    "controller-uid": "uid-1",
    "job-name": "pi",
  });
});

test("defaults: parallelism alone makes a work-queue Job; given values and selectors are kept", () => {
  assert.equal(withJobDefaults(job({ parallelism: 3 })).spec.completions, undefined);
  const given = withJobDefaults(job({ completions: 5, backoffLimit: 0, selector: { matchLabels: { app: "x" } } }));
  assert.equal(given.spec.parallelism, 1);
  assert.equal(given.spec.completions, 5);
  assert.equal(given.spec.backoffLimit, 0);
  assert.deepEqual(given.spec.selector, { matchLabels: { app: "x" } });
  assert.equal(given.spec.template.metadata, undefined, "a given selector leaves the template alone");
});

test("pods are counted by phase; active excludes finished and deleting pods", () => {
  const counts = countPods([
    pod("Running", { ready: true }),
    pod("Pending"),
    pod("Running", { deleting: true, ready: true }),
    pod("Succeeded"),
    pod("Succeeded"),
    pod("Failed"),
  ]);
  assert.equal(counts.active.length, 2);
  assert.equal(counts.ready, 1);
  assert.equal(counts.succeeded, 2);
  assert.equal(counts.failed, 1);
});

test("backoff limit: more failed pods than the limit; OnFailure also counts container restarts of live pods", () => {
  const never = withJobDefaults(job({ backoffLimit: 2 }));
  assert.equal(pastBackoffLimit(never, [], 2), false);
  assert.equal(pastBackoffLimit(never, [], 3), true);
  assert.equal(pastBackoffLimit(never, [pod("Running", { restarts: 5 })], 0), false, "restarts do not count for restartPolicy Never");

  const onFailure = withJobDefaults(job({ backoffLimit: 3, template: { spec: { restartPolicy: "OnFailure", containers: [] } } }));
  assert.equal(pastBackoffLimit(onFailure, [pod("Running", { restarts: 2 })], 0), false);
  assert.equal(pastBackoffLimit(onFailure, [pod("Running", { restarts: 2 }), pod("Pending", { restarts: 1 })], 0), true);
  assert.equal(pastBackoffLimit(onFailure, [pod("Failed", { restarts: 9 })], 0), false, "restarts of finished pods are not retries any more");

  const zero = withJobDefaults(job({ backoffLimit: 0, template: { spec: { restartPolicy: "OnFailure", containers: [] } } }));
  assert.equal(pastBackoffLimit(zero, [pod("Running", { restarts: 1 })], 0), true);
  assert.equal(pastBackoffLimit(zero, [pod("Running", { restarts: 0 })], 0), false);
});

test("activeDeadlineSeconds counts from status.startTime and not while suspended", () => {
  const start = "2025-01-01T00:00:00Z";
  assert.equal(activeDeadlineAt(withJobDefaults(job({ activeDeadlineSeconds: 30 })), start), Date.parse(start) + 30_000);
  assert.equal(activeDeadlineAt(withJobDefaults(job({ activeDeadlineSeconds: 30 })), undefined), undefined);
  assert.equal(activeDeadlineAt(withJobDefaults(job({ activeDeadlineSeconds: 30, suspend: true })), start), undefined);
  assert.equal(activeDeadlineAt(withJobDefaults(job()), start), undefined);
});

test("wanted pods: parallelism capped by the completions still missing; work queues stop after a success", () => {
  const j = withJobDefaults(job({ completions: 5, parallelism: 2 }));
  assert.equal(wantActive(j, 0, 0), 2);
  assert.equal(wantActive(j, 4, 1), 1);
  assert.equal(wantActive(j, 5, 0), 0);
  assert.equal(wantActive(j, 7, 0), 0);
  const queue = withJobDefaults(job({ parallelism: 3 }));
  assert.equal(wantActive(queue, 0, 1), 3);
  assert.equal(wantActive(queue, 1, 2), 2, "after a success the running pods finish, no more start");
  assert.equal(isComplete(j, 5, 0), true);
  assert.equal(isComplete(j, 5, 1), false);
  assert.equal(isComplete(queue, 1, 0), true);
  assert.equal(isComplete(queue, 0, 0), false);
});

test("excess pods are deleted unscheduled, pending, unready and newest first", () => {
  const running = pod("Running", { node: "n1", ready: true, created: "2025-01-01T00:00:00Z" });
  const unready = pod("Running", { node: "n1", ready: false, created: "2025-01-01T00:00:00Z" });
  const pendingOld = pod("Pending", { node: "n1", created: "2025-01-01T00:00:00Z" });
  const pendingNew = pod("Pending", { node: "n1", created: "2025-01-01T00:05:00Z" });
  const unscheduled = pod("Pending");
  const order = podsToDelete([running, unready, pendingOld, pendingNew, unscheduled], 5).map((p) => p.metadata.name);
  assert.deepEqual(order, [unscheduled, pendingNew, pendingOld, unready, running].map((p) => p.metadata.name));
  assert.equal(podsToDelete([running, unscheduled], 1)[0], unscheduled);
});

test("pod failure backoff: 10 s, doubled per failure since the last success, capped, counted from the last failure", () => {
  const t0 = Date.parse("2025-01-01T00:00:00Z");
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  assert.deepEqual(failureRecord([pod("Succeeded"), pod("Running")]), { failuresAfterLastSuccess: 0 });

  const one = failureRecord([pod("Failed", { finishedAt: at(0) })]);
  assert.deepEqual(one, { failuresAfterLastSuccess: 1, lastFailureAt: t0 });
  assert.equal(remainingBackoffMs(one, t0 + 4000, 10_000, 360_000), 6000);
  assert.equal(remainingBackoffMs(one, t0 + 10_000, 10_000, 360_000), 0);

  const three = failureRecord([pod("Failed", { finishedAt: at(0) }), pod("Failed", { finishedAt: at(20) }), pod("Failed", { finishedAt: at(60) })]);
  assert.equal(three.failuresAfterLastSuccess, 3);
  assert.equal(remainingBackoffMs(three, t0 + 60_000, 10_000, 360_000), 40_000);

  const reset = failureRecord([pod("Failed", { finishedAt: at(0) }), pod("Succeeded", { finishedAt: at(5) }), pod("Failed", { finishedAt: at(9) })]);
  assert.equal(reset.failuresAfterLastSuccess, 1, "a success in between resets the count");

  const many = failureRecord(Array.from({ length: 12 }, (_, i) => pod("Failed", { finishedAt: at(i) })));
  assert.equal(remainingBackoffMs(many, t0 + 11_000, 10_000, 360_000), 360_000, "capped at 6 minutes");
});

test("a pod's finish time falls back from container termination to Ready=False to creation", () => {
  assert.equal(podFinishedAt(pod("Failed", { finishedAt: "2025-01-01T00:01:00Z" })), Date.parse("2025-01-01T00:01:00Z"));
  const notReady = pod("Failed", { ready: false });
  notReady.status!.conditions![0]!.lastTransitionTime = "2025-01-01T00:02:00Z";
  assert.equal(podFinishedAt(notReady), Date.parse("2025-01-01T00:02:00Z"));
  assert.equal(podFinishedAt(pod("Failed", { created: "2025-01-01T00:03:00Z" })), Date.parse("2025-01-01T00:03:00Z"));
});

test("conditions: a finished Job has Complete or Failed True; Suspended=False is only written over an existing condition", () => {
  const now = "2025-01-01T00:00:00Z";
  assert.equal(isJobFinished(job()), false);
  const failed = job({}, { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] });
  assert.equal(finishedCondition(failed)?.type, "Failed");
  assert.equal(isJobFinished(job({}, { conditions: [{ type: "Complete", status: "False" }] })), false);

  assert.deepEqual(ensureJobCondition(undefined, "Suspended", "False", "JobResumed", "Job resumed", now), { conditions: [], changed: false });
  const suspended = ensureJobCondition(undefined, "Suspended", "True", "JobSuspended", "Job suspended", now);
  assert.equal(suspended.changed, true);
  assert.equal(ensureJobCondition(suspended.conditions, "Suspended", "True", "JobSuspended", "Job suspended", "2025-01-02T00:00:00Z").changed, false);
  const resumed = ensureJobCondition(suspended.conditions, "Suspended", "False", "JobResumed", "Job resumed", "2025-01-02T00:00:00Z");
  assert.equal(resumed.changed, true);
  assert.deepEqual(resumed.conditions[0], {
    type: "Suspended",
    status: "False",
    reason: "JobResumed",
    message: "Job resumed",
    lastProbeTime: "2025-01-02T00:00:00Z",
    lastTransitionTime: "2025-01-02T00:00:00Z",
  });
});

test("TTL after finished counts from the finishing condition's transition", () => {
  const done = job({ ttlSecondsAfterFinished: 30 }, { conditions: [{ type: "Complete", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" }] });
  assert.equal(ttlExpiresAt(done), Date.parse("2025-01-01T00:00:30Z"));
  assert.equal(ttlExpiresAt(job({ ttlSecondsAfterFinished: 30 })), undefined, "not finished");
  assert.equal(ttlExpiresAt({ ...done, spec: { ...done.spec, ttlSecondsAfterFinished: undefined } }), undefined, "no TTL");
  assert.equal(ttlExpiresAt({ ...done, metadata: { ...done.metadata, deletionTimestamp: "2025-01-01T00:00:01Z" } }), undefined, "already going");
});
