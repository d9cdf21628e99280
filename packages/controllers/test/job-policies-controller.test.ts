// The Job controller's Kubernetes 1.33 features against a real apiserver over a
// real etcd: pod failure policies, Indexed Jobs with per-index backoff and success
// policies. No agent runs: the test writes pod status as one would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { jobCompletionIndexAnnotation, jobIndexFailureCountAnnotation, type Job, type Pod } from "@bosun/api";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { activePods, condition, getJob, jobScene, newJob, podsOf, podsResource, reportPod, type Scene } from "./job-harness.js";
import { waitFor } from "./controller-harness.js";

let server: TestApiServer;
before(async () => {
  server = await startTestApiServer();
});
after(async () => {
  await server.stop();
});

const trueTypes = (job: Job) => (job.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type);
const indexOf = (p: Pod) => p.metadata.annotations?.[jobCompletionIndexAnnotation];

async function finished(scene: Scene, name: string, type: "Complete" | "Failed"): Promise<Job> {
  return waitFor(`job ${name} ${type}`, async () => {
    const j = await getJob(scene, name);
    return condition(j, type) && j;
  });
}

test("podFailurePolicy FailJob on exit code 42: FailureTarget then Failed with reason PodFailurePolicy, no retry", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "answer", {
      backoffLimit: 6,
      parallelism: 2,
      completions: 2,
      podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } }] },
    });
    const [first, second] = await waitFor("two pods", async () => {
      const pods = await activePods(scene);
      return pods.length === 2 && pods;
    });
    await reportPod(scene, first!.metadata.name!, "Failed", { exitCode: 42 });
    const job = await finished(scene, "answer", "Failed");
    assert.deepEqual(trueTypes(job), ["FailureTarget", "Failed"]);
    const failed = condition(job, "Failed")!;
    assert.equal(failed.reason, "PodFailurePolicy");
    assert.equal(failed.message, `Container main for pod ${scene.namespace}/${first!.metadata.name} failed with exit code 42 matching FailJob rule at index 0`);
    assert.equal(condition(job, "FailureTarget")?.message, failed.message);
    assert.equal(job.status?.failed, 2, "the failed pod and the running one it stopped");
    assert.equal(job.status?.terminating, 0);
    // Failed is written only once no pod runs, and a finished Job makes no more.
    const pods = await podsOf(scene);
    assert.deepEqual(pods.map((p) => p.metadata.name), [first!.metadata.name], `no retry; the other pod (${second!.metadata.name}) was deleted`);
  } finally {
    await scene.stop();
  }
});

test("podFailurePolicy Ignore on DisruptionTarget: the failure is not counted toward backoffLimit 0 and the pod is replaced", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "evictable", {
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
    });
    const first = await waitFor("a pod", async () => (await activePods(scene))[0]);
    await reportPod(scene, first.metadata.name!, "Failed", {
      exitCode: 137,
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }],
    });
    const second = await waitFor("a replacement", async () => (await activePods(scene)).find((p) => p.metadata.name !== first.metadata.name));
    const j = await getJob(scene, "evictable");
    assert.equal(condition(j, "Failed"), undefined);
    assert.equal(j.status?.failed ?? 0, 0, "an ignored failure is not counted");
    await reportPod(scene, second.metadata.name!, "Succeeded");
    const done = await finished(scene, "evictable", "Complete");
    assert.deepEqual(trueTypes(done), ["SuccessCriteriaMet", "Complete"]);
    assert.equal(condition(done, "Complete")?.reason, "CompletionsReached");
  } finally {
    await scene.stop();
  }
});

test("an Indexed Job runs one pod per index at parallelism 2 and completes with completedIndexes 0-2", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "idx", { completionMode: "Indexed", completions: 3, parallelism: 2 });
    const firstTwo = await waitFor("two pods", async () => {
      const pods = await activePods(scene);
      return pods.length === 2 && pods;
    });
    assert.deepEqual(firstTwo.map(indexOf).sort(), ["0", "1"]);
    for (const p of firstTwo) {
      const ix = indexOf(p);
      assert.match(p.metadata.name ?? "", new RegExp(`^idx-${ix}-[a-z0-9]{5}$`));
      assert.equal(p.metadata.labels?.[jobCompletionIndexAnnotation], ix);
      assert.equal(p.spec.hostname, `idx-${ix}`);
      assert.deepEqual(p.spec.containers[0]?.env?.find((e) => e.name === "JOB_COMPLETION_INDEX")?.valueFrom, {
        fieldRef: { apiVersion: "v1", fieldPath: `metadata.labels['${jobCompletionIndexAnnotation}']` },
      });
    }
    const one = firstTwo.find((p) => indexOf(p) === "1")!;
    await reportPod(scene, one.metadata.name!, "Succeeded");
    const third = await waitFor("index 2", async () => (await activePods(scene)).find((p) => indexOf(p) === "2"));
    const mid = await waitFor("completedIndexes 1", async () => {
      const j = await getJob(scene, "idx");
      return j.status?.completedIndexes === "1" && j;
    });
    assert.equal(mid.status?.succeeded, 1);
    await reportPod(scene, third.metadata.name!, "Succeeded");
    await reportPod(scene, firstTwo.find((p) => indexOf(p) === "0")!.metadata.name!, "Succeeded");
    const done = await finished(scene, "idx", "Complete");
    assert.equal(done.status?.completedIndexes, "0-2");
    assert.equal(done.status?.succeeded, 3);
    assert.equal((await podsOf(scene)).length, 3, "one pod per index");
  } finally {
    await scene.stop();
  }
});

test("backoffLimitPerIndex: an index that fails past its limit is not retried; the Job fails with FailedIndexes once the rest is done", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "per", { completionMode: "Indexed", completions: 2, parallelism: 2, backoffLimitPerIndex: 1 });
    const pods = await waitFor("two pods", async () => {
      const ps = await activePods(scene);
      return ps.length === 2 && ps;
    });
    const zero = pods.find((p) => indexOf(p) === "0")!;
    await reportPod(scene, zero.metadata.name!, "Failed");
    const retry = await waitFor("index 0 again", async () => (await activePods(scene)).find((p) => indexOf(p) === "0"));
    assert.equal(retry.metadata.annotations?.[jobIndexFailureCountAnnotation], "1", "the replacement carries the index's failures");
    await reportPod(scene, retry.metadata.name!, "Failed");
    const j = await waitFor("failedIndexes 0", async () => {
      const job = await getJob(scene, "per");
      return job.status?.failedIndexes === "0" && job;
    });
    // The sync that found the index failed also decided which pods run, and wrote both.
    assert.equal(j.status?.active, 1, "a failed index is not retried: only index 1 runs");
    assert.equal(condition(j, "Failed"), undefined, "index 1 still runs");
    await reportPod(scene, pods.find((p) => indexOf(p) === "1")!.metadata.name!, "Succeeded");
    const failed = await finished(scene, "per", "Failed");
    assert.equal(condition(failed, "Failed")?.reason, "FailedIndexes");
    assert.equal(condition(failed, "Failed")?.message, "Job has failed indexes");
    assert.deepEqual([failed.status?.completedIndexes, failed.status?.failedIndexes, failed.status?.failed], ["1", "0", 2]);
  } finally {
    await scene.stop();
  }
});

test("maxFailedIndexes 0: the first failed index fails the Job with MaxFailedIndexesExceeded and stops the other pods", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "strict", { completionMode: "Indexed", completions: 3, parallelism: 3, backoffLimitPerIndex: 0, maxFailedIndexes: 0 });
    const pods = await waitFor("three pods", async () => {
      const ps = await activePods(scene);
      return ps.length === 3 && ps;
    });
    await reportPod(scene, pods[0]!.metadata.name!, "Failed");
    const failed = await finished(scene, "strict", "Failed");
    assert.equal(condition(failed, "Failed")?.reason, "MaxFailedIndexesExceeded");
    assert.equal(condition(failed, "Failed")?.message, "Job has exceeded the specified maximal number of failed indexes");
    assert.equal((await activePods(scene)).length, 0);
  } finally {
    await scene.stop();
  }
});

test("successPolicy: index 0 succeeding meets the rule; the other pods are deleted and the Job completes with reason SuccessPolicy", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "leader", { completionMode: "Indexed", completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: "0" }] } });
    const pods = await waitFor("three pods", async () => {
      const ps = await activePods(scene);
      return ps.length === 3 && ps;
    });
    await reportPod(scene, pods.find((p) => indexOf(p) === "0")!.metadata.name!, "Succeeded");
    const done = await finished(scene, "leader", "Complete");
    assert.deepEqual(trueTypes(done), ["SuccessCriteriaMet", "Complete"]);
    assert.equal(condition(done, "SuccessCriteriaMet")?.reason, "SuccessPolicy");
    assert.equal(condition(done, "Complete")?.reason, "SuccessPolicy");
    assert.equal(condition(done, "Complete")?.message, "Matched rules at index 0");
    assert.equal(done.status?.completedIndexes, "0");
    assert.equal(done.status?.failed ?? 0, 0, "pods stopped after success are not failures");
    assert.ok(done.status?.completionTime);
    assert.deepEqual((await podsOf(scene)).map(indexOf), ["0"], "the remaining pods were deleted");
  } finally {
    await scene.stop();
  }
});

test("podReplacementPolicy Failed: a pod being deleted holds its place until it is gone; status.terminating counts it", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "patient", { podReplacementPolicy: "Failed" });
    const first = await waitFor("a pod", async () => (await activePods(scene))[0]);
    // Bound to a node, a deleted pod stays until its node confirms it stopped.
    await scene.client.bind(scene.namespace, first.metadata.name!, "n1");
    await scene.client.delete(podsResource, first.metadata.name!, { namespace: scene.namespace });
    const held = await waitFor("status.terminating 1", async () => {
      const job = await getJob(scene, "patient");
      return job.status?.terminating === 1 && job;
    });
    // The sync that counted the terminating pod also decided whether to replace it, and wrote both.
    assert.equal(held.status?.active ?? 0, 0, "no replacement while the pod terminates");
    await scene.client.delete(podsResource, first.metadata.name!, { namespace: scene.namespace, gracePeriodSeconds: 0 });
    await waitFor("a replacement once it is gone", async () => (await activePods(scene)).length === 1);
    await waitFor("status.terminating 0", async () => (await getJob(scene, "patient")).status?.terminating === 0);
  } finally {
    await scene.stop();
  }
});

test("podReplacementPolicy TerminatingOrFailed: a pod being deleted is replaced at once", async () => {
  const scene = await jobScene(server);
  try {
    await newJob(scene, "eager", {});
    const first = await waitFor("a pod", async () => (await activePods(scene))[0]);
    await scene.client.bind(scene.namespace, first.metadata.name!, "n1");
    await scene.client.delete(podsResource, first.metadata.name!, { namespace: scene.namespace });
    const second = await waitFor("a replacement", async () => (await activePods(scene)).find((p) => p.metadata.name !== first.metadata.name));
    assert.ok(second);
    const j = await waitFor("status.terminating 1", async () => {
      const job = await getJob(scene, "eager");
      return job.status?.terminating === 1 && job;
    });
    assert.equal(j.spec.podReplacementPolicy, "TerminatingOrFailed", "the default");
  } finally {
    await scene.stop();
  }
});
