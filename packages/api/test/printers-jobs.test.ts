import { test } from "node:test";
import assert from "node:assert/strict";
import { jobCompletions, jobDuration, jobStatus, printerFor, type CronJob, type Job } from "../src/index.js";

const now = Date.parse("2024-05-01T12:00:00Z");

function job(extra: Partial<Job["spec"]> = {}, status: Job["status"] = {}): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default", creationTimestamp: "2024-05-01T11:50:00Z" },
    spec: { template: { spec: { containers: [{ name: "pi", image: "busybox:1" }], restartPolicy: "Never" } }, ...extra },
    status,
  };
}

test("job STATUS as kubectl 1.28+, COMPLETIONS with and without completions, DURATION", () => {
  const done = job({ completions: 3 }, {
    startTime: "2024-05-01T11:50:00Z",
    completionTime: "2024-05-01T11:50:42Z",
    succeeded: 3,
    conditions: [{ type: "Complete", status: "True" }],
  });
  assert.deepEqual([jobStatus(done), jobCompletions(done), jobDuration(done, now)], ["Complete", "3/3", "42s"]);
  assert.equal(jobStatus(job({}, { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] })), "Failed");
  assert.equal(jobStatus(job({ suspend: true }, { conditions: [{ type: "Suspended", status: "True" }] })), "Suspended");
  assert.equal(jobStatus(job({}, { conditions: [{ type: "Complete", status: "False" }] })), "Running");
  const deleting = job();
  deleting.metadata.deletionTimestamp = "2024-05-01T11:59:00Z";
  assert.equal(jobStatus(deleting), "Terminating");
  assert.equal(jobCompletions(job({ parallelism: 4 })), "0/1 of 4");
  assert.equal(jobCompletions(job({})), "0/1");
  assert.equal(jobDuration(job(), now), "", "no duration before the job starts");
  assert.equal(jobDuration(job({}, { startTime: "2024-05-01T11:59:00Z" }), now), "60s", "a running job's duration grows");
});

test("job and cronjob rows: every column, the selector of -o wide, suspend as text", () => {
  const running = job({ completions: 3, parallelism: 2, selector: { matchLabels: { "batch.kubernetes.io/job-name": "pi" } } }, { startTime: "2024-05-01T11:59:00Z", succeeded: 1 });
  assert.deepEqual(printerFor("Job").cells(running, now), ["pi", "Running", "1/3", "60s", "10m", "pi", "busybox:1", "batch.kubernetes.io/job-name=pi"]);
  assert.equal(printerFor("Job").cells(job(), now)[7], "<none>", "a job without a selector yet");
  const cj: CronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "hello", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" },
    spec: { schedule: "*/1 * * * *", jobTemplate: { spec: job().spec } },
    status: { active: [{ name: "hello-1" }], lastScheduleTime: "2024-05-01T11:59:30Z" },
  };
  const printer = printerFor("CronJob");
  assert.deepEqual(
    printer.columns.map((c) => c.name),
    ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"],
  );
  assert.deepEqual(printer.cells(cj, now), ["hello", "*/1 * * * *", "<none>", "<unset>", 1, "30s", "60m", "pi", "busybox:1", "<none>"]);
  const suspended: CronJob = { ...cj, spec: { ...cj.spec, suspend: true } };
  assert.equal(printer.cells(suspended, now)[3], "True");
  const resumed: CronJob = { ...cj, spec: { ...cj.spec, suspend: false } };
  assert.equal(printer.cells(resumed, now)[3], "False");
  const never: CronJob = { ...cj, spec: { ...cj.spec, timeZone: "Europe/Paris" }, status: {} };
  assert.deepEqual(printer.cells(never, now).slice(0, 7), ["hello", "*/1 * * * *", "Europe/Paris", "<unset>", 0, "<none>", "60m"], "never scheduled");
});
