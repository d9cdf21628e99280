// The Job and TTL-after-finished controllers against a real apiserver over a real
// etcd. No agent runs: the test writes pod status as one would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { jobControllerUidLabel, jobNameLabel, type Job, type Pod } from "@bosun/api";
import { isNotFound, sleep } from "@bosun/client";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { JobController, TtlAfterFinishedController } from "../src/index.js";
import { activePods, condition, eventReasons, getJob, jobScene, jobsResource, newJob, podsOf, podsResource, reportPod, startScene } from "./job-harness.js";
import { waitFor } from "./controller-harness.js";

let server: TestApiServer;
before(async () => {
  server = await startTestApiServer();
});
after(async () => {
  await server.stop();
});

test("a Job with completions 3 and parallelism 2 runs at most two pods at a time and completes", async () => {
  const scene = await jobScene(server);
  try {
    const job = await newJob(scene, "pi", { completions: 3, parallelism: 2 });
    const first = await waitFor("two pods", async () => {
      const pods = await activePods(scene);
      return pods.length === 2 && pods;
    });
    for (const p of first) {
      assert.match(p.metadata.name ?? "", /^pi-[a-z0-9]{5}$/);
      assert.equal(p.metadata.labels?.[jobControllerUidLabel], job.metadata.uid);
      assert.equal(p.metadata.labels?.[jobNameLabel], "pi");
      assert.deepEqual(p.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [["Job", "pi", job.metadata.uid, true]]);
    }

    await reportPod(scene, first[0]!.metadata.name!, "Running", { ready: true });
    await waitFor("status.ready 1 and active 2", async () => {
      const s = (await getJob(scene, "pi")).status;
      return s?.ready === 1 && s.active === 2 && s.startTime !== undefined;
    });

    await reportPod(scene, first[0]!.metadata.name!, "Succeeded");
    await reportPod(scene, first[1]!.metadata.name!, "Succeeded");
    // Two of three done: only one more pod, not two.
    const third = await waitFor("a third pod", async () => {
      const pods = await activePods(scene);
      return pods.length === 1 && pods[0];
    });
    await sleep(300);
    assert.equal((await activePods(scene)).length, 1, "never more pods than completions still missing");
    assert.equal((await podsOf(scene)).length, 3);

    await reportPod(scene, third.metadata.name!, "Succeeded");
    const done = await waitFor("the Job to complete", async () => {
      const j = await getJob(scene, "pi");
      return condition(j, "Complete") && j;
    });
    assert.equal(done.status?.succeeded, 3);
    assert.equal(done.status?.active ?? 0, 0);
    assert.equal(done.status?.failed ?? 0, 0);
    assert.ok(done.status?.completionTime, "completionTime is set");
    assert.equal(condition(done, "Failed"), undefined);
    assert.equal((await podsOf(scene)).length, 3, "finished pods stay");

    const reasons = eventReasons(scene, "pi");
    assert.equal(reasons.filter((r) => r === "SuccessfulCreate").length, 3);
    assert.ok(reasons.includes("Completed"));
    assert.ok(scene.recorder.events.some((e) => e.message === `Created pod: ${third.metadata.name}`));
  } finally {
    await scene.stop();
  }
});

test("a Job whose pods keep failing is retried after a backoff and stops at backoffLimit with Failed", async () => {
  const scene = await jobScene(server, 1000);
  try {
    await newJob(scene, "flaky", { backoffLimit: 1 });
    const first = await waitFor("a pod", async () => (await activePods(scene))[0]);
    const failedAt = Date.now();
    await reportPod(scene, first.metadata.name!, "Failed");
    const second = await waitFor("a replacement pod", async () => (await activePods(scene))[0]);
    assert.ok(Date.now() - failedAt >= 900, `the replacement waited for the 1 s backoff (waited ${Date.now() - failedAt} ms)`);
    assert.notEqual(second.metadata.name, first.metadata.name);
    const midway = await getJob(scene, "flaky");
    assert.equal(condition(midway, "Failed"), undefined, "one failure is within backoffLimit 1");

    await reportPod(scene, second.metadata.name!, "Failed");
    const failed = await waitFor("the Job to fail", async () => {
      const j = await getJob(scene, "flaky");
      return condition(j, "Failed") && j;
    });
    const c = condition(failed, "Failed")!;
    assert.equal(c.reason, "BackoffLimitExceeded");
    assert.equal(c.message, "Job has reached the specified backoff limit");
    assert.equal(failed.status?.failed, 2);
    assert.equal(failed.status?.completionTime, undefined);
    await sleep(300);
    assert.equal((await activePods(scene)).length, 0, "no pod is started after the Job failed");
    assert.ok(scene.recorder.events.some((e) => e.reason === "BackoffLimitExceeded" && e.type === "Warning"));
  } finally {
    await scene.stop();
  }
});

test("restartPolicy OnFailure: container restarts count toward backoffLimit and the running pod is deleted", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "crashy", { backoffLimit: 2 }, "OnFailure");
    const p = await waitFor("a pod", async () => (await activePods(scene))[0]);
    await reportPod(scene, p.metadata.name!, "Running", { restartCount: 1 });
    await sleep(300);
    assert.equal(condition(await getJob(scene, "crashy"), "Failed"), undefined, "one restart is within backoffLimit 2");
    await reportPod(scene, p.metadata.name!, "Running", { restartCount: 2 });
    const failed = await waitFor("the Job to fail", async () => {
      const j = await getJob(scene, "crashy");
      return condition(j, "Failed") && j;
    });
    assert.equal(condition(failed, "Failed")?.reason, "BackoffLimitExceeded");
    await waitFor("the pod to be deleted", async () => (await podsOf(scene)).length === 0);
    await sleep(300);
    assert.equal((await podsOf(scene)).length, 0, "no pod replaces the deleted one, although its restarts went with it");
    assert.ok(eventReasons(scene, "crashy").includes("SuccessfulDelete"));
  } finally {
    await scene.stop();
  }
});

test("activeDeadlineSeconds fails the Job on time, without any pod event, and deletes its pods", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "slow", { activeDeadlineSeconds: 2, parallelism: 2, completions: 4 });
    await waitFor("two pods", async () => (await activePods(scene)).length === 2);
    const started = Date.now();
    const failed = await waitFor("the Job to fail", async () => {
      const j = await getJob(scene, "slow");
      return condition(j, "Failed") && j;
    });
    const c = condition(failed, "Failed")!;
    assert.equal(c.reason, "DeadlineExceeded");
    assert.equal(c.message, "Job was active longer than specified deadline");
    const waited = Date.now() - started;
    assert.ok(waited < 3500, `failed soon after the deadline (after ${waited} ms), not on some later resync`);
    assert.equal(failed.status?.failed, 2, "the pods stopped count as failed");
    assert.equal(failed.status?.active ?? 0, 0);
    assert.equal((await podsOf(scene)).length, 0);
    assert.ok(scene.recorder.events.some((e) => e.reason === "DeadlineExceeded" && e.type === "Warning"));
  } finally {
    await scene.stop();
  }
});

test("suspending a Job deletes its running pods; resuming starts them again", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "pausable", { suspend: true, parallelism: 2, completions: 2 });
    const suspended = await waitFor("the Suspended condition", async () => {
      const j = await getJob(scene, "pausable");
      return condition(j, "Suspended") && j;
    });
    assert.equal(condition(suspended, "Suspended")?.reason, "JobSuspended");
    assert.equal(suspended.status?.startTime, undefined, "a Job created suspended has not started");
    assert.equal((await podsOf(scene)).length, 0);

    await scene.client.patch<Job>(jobsResource, "pausable", { spec: { suspend: false } }, { namespace: scene.namespace });
    await waitFor("two pods after resuming", async () => (await activePods(scene)).length === 2);
    const resumed = await waitFor("Suspended=False", async () => {
      const j = await getJob(scene, "pausable");
      const c = j.status?.conditions?.find((c) => c.type === "Suspended");
      return c?.status === "False" && j;
    });
    assert.equal(resumed.status?.conditions?.find((c) => c.type === "Suspended")?.reason, "JobResumed");
    assert.ok(resumed.status?.startTime);

    await scene.client.patch<Job>(jobsResource, "pausable", { spec: { suspend: true } }, { namespace: scene.namespace });
    await waitFor("the pods to be deleted", async () => (await podsOf(scene)).length === 0);
    await waitFor("Suspended=True again", async () => condition(await getJob(scene, "pausable"), "Suspended"));
    assert.deepEqual(
      eventReasons(scene, "pausable").filter((r) => r === "Suspended" || r === "Resumed"),
      ["Suspended", "Resumed", "Suspended"],
    );
  } finally {
    await scene.stop();
  }
});

test("a Job with a manual selector adopts a matching orphan pod instead of creating one", async () => {
  const scene = await jobScene(server);
  try {
    const orphan = await scene.client.create<Pod>(podsResource, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stray", namespace: scene.namespace, labels: { app: "adopt-me" } },
      spec: { restartPolicy: "Never", containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
    });
    const job = await newJob(scene, "adopter", {
      manualSelector: true,
      selector: { matchLabels: { app: "adopt-me" } },
      template: {
        metadata: { labels: { app: "adopt-me" } },
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "bosun.local/busybox:1" }] },
      },
    });
    const adopted = await waitFor("the orphan to be adopted", async () => {
      const p = await scene.client.get<Pod>(podsResource, "stray", scene.namespace);
      return p.metadata.ownerReferences?.some((r) => r.uid === job.metadata.uid && r.controller) && p;
    });
    assert.equal(adopted.metadata.uid, orphan.metadata.uid);
    await waitFor("status.active 1", async () => (await getJob(scene, "adopter")).status?.active === 1);
    assert.equal((await podsOf(scene)).length, 1, "no pod was created next to the adopted one");
    await reportPod(scene, "stray", "Succeeded");
    await waitFor("the Job to complete", async () => condition(await getJob(scene, "adopter"), "Complete"));
  } finally {
    await scene.stop();
  }
});

test("ttlSecondsAfterFinished deletes the finished Job once the TTL has passed", async () => {
  const scene = await startScene(server, (ctx) => [new JobController(ctx), new TtlAfterFinishedController(ctx)]);
  try {
    await newJob(scene, "ephemeral", { ttlSecondsAfterFinished: 1 });
    const p = await waitFor("a pod", async () => (await activePods(scene))[0]);
    await reportPod(scene, p.metadata.name!, "Succeeded");
    const done = await waitFor("the Job to complete", async () => {
      const j = await getJob(scene, "ephemeral");
      return condition(j, "Complete") && j;
    });
    const finishedAt = Date.parse(condition(done, "Complete")!.lastTransitionTime!);
    await waitFor(
      "the Job to be deleted",
      async () => {
        try {
          await getJob(scene, "ephemeral");
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      5000,
    );
    // Second-precision timestamps: the TTL of 1 s has passed, give or take that second.
    assert.ok(Date.now() >= finishedAt + 1000, "not deleted before the TTL passed");
  } finally {
    await scene.stop();
  }
});
