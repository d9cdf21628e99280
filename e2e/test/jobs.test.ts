// Jobs run pods to completion: completions 3 at parallelism 2 completes without
// ever running more than 2 at once; a pod that always fails stops at backoffLimit
// with Failed; a podFailurePolicy FailJob rule fails the Job on exit code 42
// without a retry; an Indexed Job's pods see their index and hostname. A CronJob
// on a seconds schedule creates Jobs and keeps only its history limits.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "node:test";
import { sleep } from "@bosun/client";
import type { CronJob, Job, Pod } from "@bosun/api";
import {
  PodWatcher,
  cronjobs,
  e2eTest,
  expectSuccess,
  jobs,
  parseTable,
  podsWithLabels,
  repoRoot,
  shContainer,
  useCluster,
  type Cluster,
} from "../src/index.js";

function jobManifest(name: string, script: string, spec: Partial<Job["spec"]>): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default" },
    spec: {
      ...spec,
      template: { spec: { restartPolicy: "Never", containers: [shContainer("work", script)] } },
    },
  };
}

function condition(job: Job, type: string) {
  return job.status?.conditions?.find((x) => x.type === type && x.status === "True");
}

async function waitForJobCondition(cl: Cluster, name: string, type: string, timeoutMs: number): Promise<Job> {
  return cl.waitFor(
    async (note) => {
      const job = await cl.client.get<Job>(jobs, name, "default");
      note(job.status);
      return condition(job, type) ? job : undefined;
    },
    { timeoutMs, what: `job ${name} to have condition ${type}` },
  );
}

function isActive(p: Pod): boolean {
  return p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed" && !p.metadata.deletionTimestamp;
}

describe("jobs and cronjobs", () => {
  const c = useCluster({ agents: [{ name: "a" }, { name: "b" }] });

  e2eTest("a Job with completions 3 and parallelism 2 completes, never running more than 2 at once", c, async (cl) => {
    let maxActive = 0;
    const watcher = new PodWatcher(cl, "job-name=three", (pods) => (maxActive = Math.max(maxActive, pods.filter(isActive).length)));
    await watcher.start();
    try {
      await cl.client.create(jobs, jobManifest("three", "sleep 2; echo done", { completions: 3, parallelism: 2 }), "default");
      const job = await waitForJobCondition(cl, "three", "Complete", 120_000);
      assert.equal(job.status?.succeeded, 3);
      assert.ok(job.status?.completionTime, "completionTime is set");
    } finally {
      await watcher.stop();
    }
    assert.ok(maxActive >= 1 && maxActive <= 2, `at most 2 pods ran at once (saw ${maxActive})`);
    const succeeded = (await podsWithLabels(cl, "job-name=three")).filter((p) => p.status?.phase === "Succeeded");
    assert.equal(succeeded.length, 3);
    const table = expectSuccess("bosun get jobs", await cl.bosun(["get", "jobs"]));
    const row = parseTable(table.stdout).find((r) => r.NAME === "three");
    assert.equal(row?.COMPLETIONS, "3/3", table.stdout);
    assert.equal(row?.STATUS, "Complete", table.stdout);
  });

  e2eTest("a Job whose pod always fails stops at backoffLimit with Failed", c, async (cl) => {
    await cl.client.create(jobs, jobManifest("doomed", "echo failing; exit 1", { backoffLimit: 1 }), "default");
    const job = await waitForJobCondition(cl, "doomed", "Failed", 150_000);
    const failed = job.status!.conditions!.find((x) => x.type === "Failed")!;
    assert.equal(failed.reason, "BackoffLimitExceeded");
    assert.equal(job.status?.failed, 2, "backoffLimit 1 allows one retry: two failed pods");
    // No new pod after the job failed.
    await sleep(3000);
    const pods = await podsWithLabels(cl, "job-name=doomed");
    assert.equal(pods.length, 2, pods.map((p) => p.metadata.name).join(","));
    assert.ok(pods.every((p) => p.status?.phase === "Failed"));
    const described = expectSuccess("bosun describe job", await cl.bosun(["describe", "job", "doomed"]));
    assert.match(described.stdout, /BackoffLimitExceeded/, described.stdout);
  });

  e2eTest("podFailurePolicy FailJob on exit code 42 fails the Job at once with reason PodFailurePolicy", c, async (cl) => {
    const manifest = jobManifest("answer", "echo thinking; exit 42", { backoffLimit: 6 });
    manifest.spec.podFailurePolicy = { rules: [{ action: "FailJob", onExitCodes: { containerName: "work", operator: "In", values: [42] } }] };
    await cl.client.create(jobs, manifest, "default");
    const job = await waitForJobCondition(cl, "answer", "Failed", 150_000);
    const failed = condition(job, "Failed")!;
    const pods = await podsWithLabels(cl, "job-name=answer");
    assert.equal(pods.length, 1, `no retry although backoffLimit is 6: ${pods.map((p) => p.metadata.name).join(",")}`);
    assert.equal(failed.reason, "PodFailurePolicy");
    assert.equal(failed.message, `Container work for pod default/${pods[0]!.metadata.name} failed with exit code 42 matching FailJob rule at index 0`);
    assert.equal(condition(job, "FailureTarget")?.reason, "PodFailurePolicy", "FailureTarget comes first, as in Kubernetes 1.33");
    assert.equal(job.status?.failed, 1);
    const table = expectSuccess("bosun get jobs", await cl.bosun(["get", "job", "answer"]));
    assert.equal(parseTable(table.stdout)[0]?.STATUS, "Failed", table.stdout);
  });

  e2eTest("an Indexed Job's pods see JOB_COMPLETION_INDEX and the hostname <job>-<index>; completedIndexes is 0-2", c, async (cl) => {
    const manifest = jobManifest("indexed", 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"', { completions: 3, parallelism: 2, completionMode: "Indexed" });
    await cl.client.create(jobs, manifest, "default");
    const job = await waitForJobCondition(cl, "indexed", "Complete", 150_000);
    assert.equal(job.status?.completedIndexes, "0-2");
    assert.equal(job.status?.succeeded, 3);
    const pods = (await podsWithLabels(cl, "job-name=indexed")).filter((p) => p.status?.phase === "Succeeded");
    assert.equal(pods.length, 3);
    const seen: string[] = [];
    for (const pod of pods) {
      const ix = pod.metadata.annotations?.["batch.kubernetes.io/job-completion-index"];
      assert.match(pod.metadata.name ?? "", new RegExp(`^indexed-${ix}-[a-z0-9]{5}$`));
      assert.equal(pod.metadata.labels?.["batch.kubernetes.io/job-completion-index"], ix);
      const logs = expectSuccess("bosun logs", await cl.bosun(["logs", pod.metadata.name!]));
      assert.equal(logs.stdout.trim(), `index=${ix} host=indexed-${ix}`);
      seen.push(ix ?? "");
    }
    assert.deepEqual(seen.sort(), ["0", "1", "2"], "one pod per index");
    const described = expectSuccess("bosun describe job", await cl.bosun(["describe", "job", "indexed"]));
    assert.match(described.stdout, /Completion Mode:\s+Indexed/, described.stdout);
    assert.match(described.stdout, /Completed Indexes:\s+0-2/, described.stdout);
  });

  e2eTest("a CronJob creates Jobs on schedule and keeps only its history limits", c, async (cl) => {
    const cron: CronJob = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "tick", namespace: "default" },
      spec: {
        // Six fields: every 3 seconds (Bosun accepts a seconds field; Kubernetes takes five).
        schedule: "*/3 * * * * *",
        successfulJobsHistoryLimit: 2,
        failedJobsHistoryLimit: 1,
        jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [shContainer("tick", "echo tick")] } } } },
      },
    };
    await cl.client.create(cronjobs, cron, "default");
    const seen = new Set<string>();
    let maxFinished = 0;
    await cl.waitFor(
      async (note) => {
        const list = (await cl.client.list<Job>(jobs, { namespace: "default" })).items.filter((j) =>
          j.metadata.ownerReferences?.some((o) => o.kind === "CronJob" && o.name === "tick"),
        );
        for (const j of list) seen.add(j.metadata.name!);
        const finished = list.filter((j) => condition(j, "Complete"));
        maxFinished = Math.max(maxFinished, finished.length);
        note({ seen: [...seen], now: list.map((j) => `${j.metadata.name} ${JSON.stringify(j.status?.conditions?.map((x) => x.type))}`) });
        return seen.size >= 5;
      },
      { timeoutMs: 120_000, what: "the CronJob to have created 5 jobs", intervalMs: 500 },
    );
    // Pruning runs after a job finishes; give it a moment, then the history limit holds.
    await sleep(2000);
    assert.ok(maxFinished <= 3, `at most the limit (2) plus one just finished were kept (saw ${maxFinished})`);
    await cl.waitFor(
      async () => {
        const list = (await cl.client.list<Job>(jobs, { namespace: "default" })).items.filter(
          (j) => j.metadata.ownerReferences?.some((o) => o.name === "tick") && condition(j, "Complete"),
        );
        return list.length <= 2;
      },
      { timeoutMs: 15_000, what: "no more than 2 finished jobs of tick" },
    );
    const cj = await cl.client.get<CronJob>(cronjobs, "tick", "default");
    assert.ok(cj.status?.lastScheduleTime, "lastScheduleTime is set");
    const table = expectSuccess("bosun get cronjobs", await cl.bosun(["get", "cronjobs"]));
    assert.equal(parseTable(table.stdout).find((r) => r.NAME === "tick")?.SCHEDULE, "*/3 * * * * *", table.stdout);

    // Suspended, it starts nothing new.
    await cl.client.patch(cronjobs, "tick", { spec: { suspend: true } }, { namespace: "default", type: "merge" });
    await sleep(1000);
    const before = new Set((await cl.client.list<Job>(jobs, { namespace: "default" })).items.map((j) => j.metadata.name));
    await sleep(7000);
    const after = (await cl.client.list<Job>(jobs, { namespace: "default" })).items.filter(
      (j) => j.metadata.ownerReferences?.some((o) => o.name === "tick") && !before.has(j.metadata.name),
    );
    assert.deepEqual(after.map((j) => j.metadata.name), [], "no job created while suspended");
  });

  e2eTest("examples/job.yaml applies: its Job completes and its CronJob is scheduled", c, async (cl) => {
    expectSuccess("bosun apply", await cl.bosun(["apply", "-f", join(repoRoot, "examples", "job.yaml")]));
    const job = await waitForJobCondition(cl, "countdown", "Complete", 120_000);
    assert.equal(job.status?.succeeded, 3);
    const cj = await cl.client.get<CronJob>(cronjobs, "every-minute", "default");
    assert.equal(cj.spec.schedule, "* * * * *");
    expectSuccess("bosun delete", await cl.bosun(["delete", "cronjob/every-minute", "job/countdown"]));
  });
});
