// The CronJob controller against a real apiserver over a real etcd, on a 6-field
// schedule every 2 seconds. No Job controller runs: the test finishes Jobs by
// writing their status, as the Job controller would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rfc3339, type CronJob, type CronJobSpec, type Job } from "@bosun/api";
import { isNotFound, sleep } from "@bosun/client";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { CronJobController, scheduledTimestampAnnotation } from "../src/index.js";
import { cronJobsResource, eventReasons, jobsResource, startScene, type Scene } from "./job-harness.js";
import { waitFor } from "./controller-harness.js";

let server: TestApiServer;
before(async () => {
  server = await startTestApiServer();
});
after(async () => {
  await server.stop();
});

const cronScene = (): Promise<Scene> => startScene(server, (ctx) => [new CronJobController(ctx)]);

function newCronJob(scene: Scene, name: string, spec: Partial<CronJobSpec> = {}): Promise<CronJob> {
  return scene.client.create<CronJob>(cronJobsResource, {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: scene.namespace },
    spec: {
      schedule: "*/2 * * * * *",
      jobTemplate: {
        metadata: { labels: { app: name }, annotations: { team: "batch" } },
        spec: {
          backoffLimit: 0,
          template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "bosun.local/busybox:1" }] } },
        },
      },
      ...spec,
    },
  });
}

async function jobsOf(scene: Scene): Promise<Job[]> {
  const items = (await scene.client.list<Job>(jobsResource, { namespace: scene.namespace })).items;
  return items.sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}

const getCronJob = (scene: Scene, name: string) => scene.client.get<CronJob>(cronJobsResource, name, scene.namespace);

/** Plays the Job controller: marks a Job Complete or Failed. */
async function finishJob(scene: Scene, job: Job, type: "Complete" | "Failed"): Promise<void> {
  const now = rfc3339();
  const fresh = await scene.client.get<Job>(jobsResource, job.metadata.name!, scene.namespace);
  await scene.client.update<Job>(
    jobsResource,
    {
      ...fresh,
      status: {
        startTime: fresh.metadata.creationTimestamp ?? now,
        ...(type === "Complete" ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
        conditions: [{ type, status: "True", lastProbeTime: now, lastTransitionTime: now }],
      },
    },
    { subresource: "status" },
  );
}

const seconds = (job: Job, cronJob: string): number => Number((job.metadata.name ?? "").slice(cronJob.length + 1));

test("a CronJob every 2 seconds starts Jobs on time, records them and keeps only its history limits", async () => {
  const scene = await cronScene();
  try {
    const cj = await newCronJob(scene, "tick", { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 });
    const first = await waitFor("the first Job", async () => (await jobsOf(scene))[0]);
    const scheduled = seconds(first, "tick");
    assert.match(first.metadata.name ?? "", /^tick-\d{10}$/, "named after the schedule time in seconds");
    assert.equal(scheduled % 2, 0, "on the 2-second grid");
    assert.ok(Math.abs(Date.now() / 1000 - scheduled) < 2, "started about when it was due");
    assert.deepEqual(first.metadata.labels, { app: "tick" });
    assert.equal(first.metadata.annotations?.team, "batch");
    assert.equal(first.metadata.annotations?.[scheduledTimestampAnnotation], new Date(scheduled * 1000).toISOString().replace(".000Z", "Z"));
    assert.deepEqual(first.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [["CronJob", "tick", cj.metadata.uid, true]]);
    assert.equal(first.spec.backoffLimit, 0);
    const recorded = await waitFor("status.active", async () => {
      const s = (await getCronJob(scene, "tick")).status;
      return s?.active?.some((r) => r.uid === first.metadata.uid) && s;
    });
    assert.equal(recorded.lastScheduleTime, rfc3339(scheduled * 1000));

    // Finish every Job as it comes: the first one fails, the rest succeed.
    const finished = new Set<string>();
    await waitFor(
      "five finished Jobs",
      async () => {
        for (const job of await jobsOf(scene)) {
          if (finished.has(job.metadata.name!)) continue;
          await finishJob(scene, job, finished.size === 0 ? "Failed" : "Complete");
          finished.add(job.metadata.name!);
        }
        return finished.size >= 5;
      },
      20_000,
    );
    const names = [...finished].map((n) => Number(n.slice("tick-".length))).sort();
    for (let i = 1; i < names.length; i++) assert.equal(names[i]! - names[i - 1]!, 2, `one Job per 2-second tick: ${names.join(", ")}`);

    const kept = await waitFor("the history limits to be applied", async () => {
      const jobs = await jobsOf(scene);
      const done = jobs.filter((j) => finished.has(j.metadata.name!));
      const complete = done.filter((j) => j.status?.conditions?.some((c) => c.type === "Complete"));
      return complete.length <= 2 && done.length === complete.length + 1 && jobs;
    });
    const keptNames = kept.map((j) => j.metadata.name);
    assert.ok(keptNames.includes([...finished][0]), "the only failed Job is within failedJobsHistoryLimit 1");
    assert.ok(!keptNames.includes([...finished][1]), "the oldest successful Jobs went first");

    const status = await waitFor("finished Jobs to leave status.active", async () => {
      const s = (await getCronJob(scene, "tick")).status;
      return s && !s.active?.some((r) => finished.has(r.name ?? "")) && s;
    });
    assert.ok(status.lastSuccessfulTime, "lastSuccessfulTime is set");
    const reasons = eventReasons(scene, "tick");
    assert.ok(reasons.includes("SawCompletedJob"));
    assert.ok(reasons.includes("SuccessfulDelete"));
    assert.ok(scene.recorder.events.some((e) => e.reason === "SuccessfulCreate" && e.message === `Created job ${first.metadata.name}`));
  } finally {
    await scene.stop();
  }
});

test("concurrencyPolicy Forbid skips ticks while a Job runs and starts the next one after it finishes", async () => {
  const scene = await cronScene();
  try {
    await newCronJob(scene, "solo", { concurrencyPolicy: "Forbid" });
    const first = await waitFor("the first Job", async () => (await jobsOf(scene))[0]);
    await sleep(4500);
    assert.equal((await jobsOf(scene)).length, 1, "no second Job while the first runs");
    assert.ok(eventReasons(scene, "solo").includes("JobAlreadyActive"));
    await finishJob(scene, first, "Complete");
    await waitFor("a second Job after the first finished", async () => (await jobsOf(scene)).length === 2);
  } finally {
    await scene.stop();
  }
});

test("concurrencyPolicy Replace deletes the running Job and starts the new one", async () => {
  const scene = await cronScene();
  try {
    await newCronJob(scene, "fresh", { concurrencyPolicy: "Replace" });
    const first = await waitFor("the first Job", async () => (await jobsOf(scene))[0]);
    const second = await waitFor("a second Job", async () => (await jobsOf(scene)).find((j) => j.metadata.name !== first.metadata.name));
    await waitFor("the first Job to be deleted", async () => {
      try {
        await scene.client.get<Job>(jobsResource, first.metadata.name!, scene.namespace);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    const status = await waitFor("status.active to hold only the newest Job", async () => {
      const s = (await getCronJob(scene, "fresh")).status;
      return s?.active?.length === 1 && !s.active.some((r) => r.uid === first.metadata.uid) && s;
    });
    assert.ok(seconds(second, "fresh") > seconds(first, "fresh"));
    assert.ok(status.active![0]!.name! >= second.metadata.name!);
    assert.ok(scene.recorder.events.some((e) => e.reason === "SuccessfulDelete" && e.message === `Deleted job ${first.metadata.name}`));
  } finally {
    await scene.stop();
  }
});

test("a suspended CronJob starts nothing until it is resumed", async () => {
  const scene = await cronScene();
  try {
    await newCronJob(scene, "paused", { suspend: true });
    await sleep(3000);
    assert.equal((await jobsOf(scene)).length, 0);
    await scene.client.patch<CronJob>(cronJobsResource, "paused", { spec: { suspend: false } }, { namespace: scene.namespace });
    const job = await waitFor("a Job after resuming", async () => (await jobsOf(scene))[0]);
    // Only the most recent missed tick is started, not every one missed while suspended.
    await sleep(500);
    assert.ok((await jobsOf(scene)).length <= 2, "missed ticks are not all started");
    assert.ok(Math.abs(Date.now() / 1000 - seconds(job, "paused")) < 3);
  } finally {
    await scene.stop();
  }
});
