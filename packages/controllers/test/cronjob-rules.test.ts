// The CronJob controller's rules without an API server, on a fake clock: schedule
// parsing, which missed time to start, when to wake, Job naming and templates,
// history pruning.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CronJob, Job } from "@bosun/api";
import { jobsToPrune } from "../src/cronjob/history.js";
import { formatInTimeZone, jobFromTemplate, jobNameFor, scheduledTimestampAnnotation } from "../src/cronjob/job-template.js";
import { parseSchedule, ScheduleError } from "../src/cronjob/schedule.js";
import { mostRecentScheduleTime, nextScheduleTime, nextSyncAt } from "../src/cronjob/schedule-times.js";

const T = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

test("five-field schedules, descriptors and the seconds extension", () => {
  const from = T("2025-01-01T00:00:00Z");
  assert.equal(iso(parseSchedule("*/15 * * * *", "UTC").next(from)), "2025-01-01T00:15:00.000Z");
  assert.equal(iso(parseSchedule("@hourly", "UTC").next(from)), "2025-01-01T01:00:00.000Z");
  assert.equal(iso(parseSchedule("@midnight", "UTC").next(from)), "2025-01-02T00:00:00.000Z");
  assert.equal(iso(parseSchedule("@weekly", "UTC").next(from)), "2025-01-05T00:00:00.000Z", "the next Sunday");
  const seconds = parseSchedule("*/2 * * * * *", "UTC");
  assert.equal(seconds.withSeconds, true);
  assert.equal(iso(seconds.next(from + 500)), "2025-01-01T00:00:02.000Z");
  assert.equal(parseSchedule("* * * * *").withSeconds, false);
  assert.equal(parseSchedule("@hourly").withSeconds, false);
  assert.equal(iso(parseSchedule("0 9 * * 1-5", "UTC").next(T("2025-01-03T10:00:00Z"))), "2025-01-06T09:00:00.000Z", "Friday to Monday");
});

test("spec.timeZone decides when a schedule fires", () => {
  const from = T("2025-01-01T00:00:00Z");
  assert.equal(iso(parseSchedule("0 9 * * *", "Europe/Berlin").next(from)), "2025-01-01T08:00:00.000Z");
  assert.equal(iso(parseSchedule("0 9 * * *", "America/New_York").next(from)), "2025-01-01T14:00:00.000Z");
  assert.equal(iso(parseSchedule("0 9 * * *", "Europe/Berlin").next(T("2025-07-01T00:00:00Z"))), "2025-07-01T07:00:00.000Z", "summer time");
});

test("bad schedules and time zones are refused with a message that says what is wrong", () => {
  const refuses = (schedule: string, pattern: RegExp, tz?: string) =>
    assert.throws(() => parseSchedule(schedule, tz), (err: unknown) => err instanceof ScheduleError && pattern.test(err.message));
  refuses("* * *", /expected exactly 5 fields/);
  refuses("* * * * * * *", /found 7/);
  refuses("61 * * * *", /61/);
  refuses("@reboot", /unrecognized descriptor/);
  refuses("0 0 L * *", /unsupported cron field syntax/);
  refuses("0 * * * *", /spec.timeZone "Mars\/Olympus": unknown time zone/, "Mars/Olympus");
});

test("without spec.timeZone a schedule runs in UTC", () => {
  assert.equal(iso(parseSchedule("0 9 * * *").next(T("2025-01-01T00:00:00Z"))), "2025-01-01T09:00:00.000Z");
});

const everyMinute = parseSchedule("* * * * *", "UTC");

test("nothing is due before the first schedule time after creation", () => {
  const created = T("2025-01-01T00:00:30Z");
  const r = nextScheduleTime({ createdMs: created }, T("2025-01-01T00:00:59Z"), everyMinute);
  assert.equal(r.mostRecentMs, undefined);
  assert.equal(r.missed, "none");
  assert.equal(nextSyncAt({ createdMs: created }, T("2025-01-01T00:00:59Z"), everyMinute), T("2025-01-01T00:01:00.100Z"));
});

test("only the most recent of several missed times is started", () => {
  const state = { createdMs: T("2025-01-01T00:00:00Z"), lastScheduleMs: T("2025-01-01T00:01:00Z") };
  const now = T("2025-01-01T00:05:30Z");
  const r = nextScheduleTime(state, now, everyMinute);
  assert.equal(iso(r.mostRecentMs), "2025-01-01T00:05:00.000Z");
  assert.equal(r.missed, "few");
  assert.equal(r.missedCount, 4);
  assert.equal(nextSyncAt(state, now, everyMinute), T("2025-01-01T00:06:00.100Z"));
});

test("more than 100 missed times are reported as many, and the latest is still found", () => {
  const state = { createdMs: T("2025-01-01T00:00:00Z") };
  const now = T("2025-01-03T00:00:30Z");
  const r = nextScheduleTime(state, now, everyMinute);
  assert.equal(r.missed, "many");
  assert.equal(r.missedCount, 2880);
  assert.equal(iso(r.mostRecentMs), "2025-01-03T00:00:00.000Z");
  const irregular = parseSchedule("0 9,10 * * *", "UTC");
  const far = nextScheduleTime({ createdMs: T("2025-01-01T00:00:00Z") }, T("2025-06-01T09:30:00Z"), irregular);
  assert.equal(far.missed, "many");
  assert.equal(iso(far.mostRecentMs), "2025-06-01T09:00:00.000Z");
});

test("startingDeadlineSeconds: times older than the deadline are not started", () => {
  const state = { createdMs: T("2025-01-01T00:00:00Z"), lastScheduleMs: T("2025-01-01T00:00:00Z"), startingDeadlineSeconds: 20 };
  assert.equal(nextScheduleTime(state, T("2025-01-01T00:10:30Z"), everyMinute).mostRecentMs, undefined, "10:00 is 30 s ago");
  assert.equal(iso(nextScheduleTime(state, T("2025-01-01T00:10:15Z"), everyMinute).mostRecentMs), "2025-01-01T00:10:00.000Z");
  // The deadline only narrows what may start; the wake-up time is the next tick either way.
  assert.equal(nextSyncAt(state, T("2025-01-01T00:10:30Z"), everyMinute), T("2025-01-01T00:11:00.100Z"));
  const without = mostRecentScheduleTime(state, T("2025-01-01T00:10:30Z"), everyMinute, false);
  assert.equal(iso(without.mostRecentMs), "2025-01-01T00:10:00.000Z");
});

test("Job names use minutes since the epoch, or seconds for sub-minute schedules", () => {
  const t = T("2025-01-01T00:02:00Z");
  assert.equal(jobNameFor("hello", t, false), `hello-${t / 60_000}`);
  assert.equal(jobNameFor("hello", t + 2000, true), `hello-${(t + 2000) / 1000}`);
  assert.notEqual(jobNameFor("hello", t, true), jobNameFor("hello", t + 2000, true));
});

test("the scheduled-timestamp annotation is RFC 3339 in the CronJob's time zone", () => {
  const t = T("2025-01-01T08:00:00Z");
  assert.equal(formatInTimeZone(t), "2025-01-01T08:00:00Z");
  assert.equal(formatInTimeZone(t, "Europe/Berlin"), "2025-01-01T09:00:00+01:00");
  assert.equal(formatInTimeZone(t, "America/New_York"), "2025-01-01T03:00:00-05:00");
  assert.equal(formatInTimeZone(t, "Asia/Kolkata"), "2025-01-01T13:30:00+05:30");
});

test("a Job from the template carries its labels, annotations, owner and spec", () => {
  const cj: CronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "hello", namespace: "ns", uid: "cj-uid" },
    spec: {
      schedule: "* * * * *",
      timeZone: "Europe/Berlin",
      jobTemplate: {
        metadata: { labels: { app: "hello" }, annotations: { note: "x" } },
        spec: { backoffLimit: 2, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } },
      },
    },
  };
  const t = T("2025-01-01T08:00:00Z");
  const job = jobFromTemplate(cj, t, false);
  assert.equal(job.metadata.name, `hello-${t / 60_000}`);
  assert.equal(job.metadata.namespace, "ns");
  assert.deepEqual(job.metadata.labels, { app: "hello" });
  assert.deepEqual(job.metadata.annotations, { note: "x", [scheduledTimestampAnnotation]: "2025-01-01T09:00:00+01:00" });
  assert.deepEqual(job.metadata.ownerReferences, [
    { apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: "cj-uid", controller: true, blockOwnerDeletion: true },
  ]);
  assert.deepEqual(job.spec, cj.spec.jobTemplate.spec);
  assert.notEqual(job.spec, cj.spec.jobTemplate.spec, "a copy, not the template itself");
});

test("history pruning deletes the oldest finished Jobs beyond each limit", () => {
  const mk = (name: string, type: "Complete" | "Failed" | undefined, start?: string, deleting = false): Job => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, ...(deleting ? { deletionTimestamp: "2025-01-01T01:00:00Z" } : {}) },
    spec: { template: { spec: { containers: [] } } },
    status: {
      ...(start ? { startTime: start } : {}),
      ...(type ? { conditions: [{ type, status: "True" as const }] } : {}),
    },
  });
  const jobs = [
    mk("s3", "Complete", "2025-01-01T00:03:00Z"),
    mk("s1", "Complete", "2025-01-01T00:01:00Z"),
    mk("s-nostart", "Complete"),
    mk("s2", "Complete", "2025-01-01T00:02:00Z"),
    mk("s0-deleting", "Complete", "2025-01-01T00:00:00Z", true),
    mk("f1", "Failed", "2025-01-01T00:01:00Z"),
    mk("f2", "Failed", "2025-01-01T00:02:00Z"),
    mk("running", undefined, "2025-01-01T00:00:00Z"),
  ];
  assert.deepEqual(jobsToPrune(jobs, 2, 1).map((j) => j.metadata.name), ["s1", "s2", "f1"]);
  assert.deepEqual(jobsToPrune(jobs, 0, 0).map((j) => j.metadata.name), ["s1", "s2", "s3", "s-nostart", "f1", "f2"]);
  assert.deepEqual(jobsToPrune(jobs, 10, 10), []);
});
