// The Job controller's Kubernetes 1.33 rules without an API server: pod failure
// policy matching (each action, exit codes and pod conditions), Indexed pods and
// their pending indexes, per-index failures and backoff, success policies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jobCompletionIndexAnnotation, jobIndexFailureCountAnnotation, type ContainerStatus, type Job, type Pod, type PodCondition, type PodFailurePolicy } from "@bosun/api";
import { withJobDefaults } from "../src/job/defaults.js";
import { indexProgress } from "../src/job/index-progress.js";
import { completionIndexOf, firstPendingIndexes, indexedPodTemplate, podGenerateNameWithIndex, surplusIndexPods } from "../src/job/indexed.js";
import { countPods, failJobMessage, onlyReplaceFailedPods } from "../src/job/job-math.js";
import { remainingBackoffMs } from "../src/job/pod-failure-backoff.js";
import { matchPodFailurePolicy } from "../src/job/pod-failure-policy.js";
import { matchSuccessPolicy } from "../src/job/success-policy.js";
import { formatIndexes, intervalsOf, parseIndexes } from "@bosun/api";

function job(spec: Partial<Job["spec"]> = {}, status?: Job["status"]): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "work", namespace: "ns", uid: "uid-1" },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "i" }] } }, ...spec },
    ...(status ? { status } : {}),
  };
}

let seq = 0;
interface PodOpts {
  index?: number;
  exit?: Record<string, number | "running">;
  initExit?: Record<string, number>;
  conditions?: PodCondition[];
  deleting?: boolean;
  finishedAt?: string;
  annotations?: Record<string, string>;
}
function pod(phase: NonNullable<Pod["status"]>["phase"], o: PodOpts = {}): Pod {
  const statuses = (exits: Record<string, number | "running"> | undefined): ContainerStatus[] =>
    Object.entries(exits ?? {}).map(([name, code]) => ({
      name,
      image: "i",
      ready: false,
      restartCount: 0,
      state: code === "running" ? { running: {} } : { terminated: { exitCode: code, finishedAt: o.finishedAt ?? "2025-01-01T00:00:00Z" } },
    }));
  const annotations = { ...(o.annotations ?? {}), ...(o.index !== undefined ? { [jobCompletionIndexAnnotation]: String(o.index) } : {}) };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `p${++seq}`,
      namespace: "ns",
      annotations,
      creationTimestamp: "2025-01-01T00:00:00Z",
      ...(o.deleting ? { deletionTimestamp: "2025-01-01T00:10:00Z" } : {}),
    },
    spec: { containers: [{ name: "main", image: "i" }] },
    status: { phase, containerStatuses: statuses(o.exit), initContainerStatuses: statuses(o.initExit), conditions: o.conditions ?? [] },
  };
}

const exitRule = (action: string, operator: string, values: number[], containerName?: string) => ({
  action,
  onExitCodes: { operator, values, ...(containerName ? { containerName } : {}) },
});
const disruption: PodCondition = { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI" };

test("pod failure policy: FailJob on an exit code names the container, pod and rule as Kubernetes does", () => {
  const policy: PodFailurePolicy = { rules: [exitRule("FailJob", "In", [42])] };
  const failed = pod("Failed", { exit: { main: 42 } });
  assert.deepEqual(matchPodFailurePolicy(policy, failed), {
    action: "FailJob",
    counts: true,
    message: `Container main for pod ns/${failed.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
  });
  assert.deepEqual(matchPodFailurePolicy(policy, pod("Failed", { exit: { main: 1 } })), { counts: true }, "no rule matched: counted, no action");
  assert.deepEqual(matchPodFailurePolicy(undefined, failed), { counts: true });
});

test("pod failure policy: Ignore is not counted, Count is, FailIndex fails the index; the first matching rule wins", () => {
  const policy: PodFailurePolicy = {
    rules: [exitRule("Ignore", "In", [3]), exitRule("Count", "In", [3, 4]), exitRule("FailIndex", "NotIn", [3, 4])],
  };
  assert.deepEqual(matchPodFailurePolicy(policy, pod("Failed", { exit: { main: 3 } })), { action: "Ignore", counts: false });
  assert.deepEqual(matchPodFailurePolicy(policy, pod("Failed", { exit: { main: 4 } })), { action: "Count", counts: true });
  assert.deepEqual(matchPodFailurePolicy(policy, pod("Failed", { exit: { main: 9 } })), { action: "FailIndex", counts: true });
});

test("pod failure policy: exit codes by container, init containers after app containers, never 0, never a running container", () => {
  const byName: PodFailurePolicy = { rules: [exitRule("FailJob", "NotIn", [1], "side")] };
  assert.equal(matchPodFailurePolicy(byName, pod("Failed", { exit: { main: 7, side: 1 } })).action, undefined, "main is not the container named; side exited 1");
  assert.equal(matchPodFailurePolicy(byName, pod("Failed", { exit: { main: 1, side: 2 } })).action, "FailJob");
  const notIn: PodFailurePolicy = { rules: [exitRule("FailJob", "NotIn", [1])] };
  assert.equal(matchPodFailurePolicy(notIn, pod("Failed", { exit: { main: 0 } })).action, undefined, "exit code 0 never matches");
  assert.equal(matchPodFailurePolicy(notIn, pod("Failed", { exit: { main: "running" } })).action, undefined, "a container still running has no exit code");
  const init = pod("Failed", { initExit: { setup: 5 } });
  assert.match(matchPodFailurePolicy(notIn, init).message ?? "", /^Container setup for pod ns\/p\d+ failed with exit code 5 matching FailJob rule at index 0$/);
});

test("pod failure policy: onPodConditions matches type and status, e.g. the DisruptionTarget of an evicted pod", () => {
  const policy: PodFailurePolicy = {
    rules: [
      { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      { action: "FailJob", onPodConditions: [{ type: "ConfigIssue", status: "True" }] },
    ],
  };
  assert.deepEqual(matchPodFailurePolicy(policy, pod("Failed", { conditions: [disruption] })), { action: "Ignore", counts: false });
  assert.equal(matchPodFailurePolicy(policy, pod("Failed", { conditions: [{ ...disruption, status: "False" }] })).action, undefined);
  const config = pod("Failed", { conditions: [{ type: "ConfigIssue", status: "True" }] });
  assert.equal(matchPodFailurePolicy(policy, config).message, `Pod ns/${config.metadata.name} has condition ConfigIssue matching FailJob rule at index 1`);
  // A pod being deleted is matched by its conditions only: its exit codes may be the stop's own.
  const stopping = pod("Running", { deleting: true, exit: { main: 143 }, conditions: [disruption] });
  const withExit: PodFailurePolicy = { rules: [exitRule("FailJob", "NotIn", [0]), { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] };
  assert.deepEqual(matchPodFailurePolicy(withExit, stopping, { conditionsOnly: true }), { action: "Ignore", counts: false });
});

test("counting with a policy: ignored failures do not count toward backoffLimit; FailJob is found on failed and evicted pods", () => {
  const j = withJobDefaults(
    job({
      podFailurePolicy: {
        rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }, exitRule("FailJob", "In", [42])],
      },
    }),
  );
  assert.equal(onlyReplaceFailedPods(j), true, "a pod failure policy replaces only failed pods");
  const counts = countPods([pod("Failed", { exit: { main: 1 }, conditions: [disruption] }), pod("Failed", { exit: { main: 1 } }), pod("Running", { deleting: true })], j);
  assert.equal(counts.failed, 1);
  assert.equal(counts.terminating.length, 1);
  assert.equal(failJobMessage(j, [pod("Failed", { exit: { main: 1 } })]), undefined);
  assert.match(failJobMessage(j, [pod("Failed", { exit: { main: 42 } })]) ?? "", /failed with exit code 42 matching FailJob rule at index 1$/);
  const evictedJ = withJobDefaults(job({ podFailurePolicy: { rules: [{ action: "FailJob", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] } }));
  assert.match(failJobMessage(evictedJ, [pod("Running", { deleting: true, conditions: [disruption] })]) ?? "", /has condition DisruptionTarget matching FailJob rule at index 0$/);
  assert.equal(onlyReplaceFailedPods(withJobDefaults(job())), false);
  assert.equal(onlyReplaceFailedPods(withJobDefaults(job({ podReplacementPolicy: "Failed" }))), true);
});

test("an Indexed pod: index in annotation and label, JOB_COMPLETION_INDEX everywhere, hostname <job>-<index>, name <job>-<index>-", () => {
  const j = job({
    completionMode: "Indexed",
    completions: 3,
    template: {
      spec: {
        restartPolicy: "Never",
        subdomain: "svc",
        initContainers: [{ name: "setup", image: "i" }],
        containers: [{ name: "main", image: "i", env: [{ name: "A", value: "1" }] }],
      },
    },
  });
  const { template, naming } = indexedPodTemplate(j, j.spec.template, 2, { failed: 1, ignored: 0 });
  assert.equal(template.metadata?.annotations?.[jobCompletionIndexAnnotation], "2");
  assert.equal(template.metadata?.labels?.[jobCompletionIndexAnnotation], "2");
  assert.equal(template.metadata?.annotations?.[jobIndexFailureCountAnnotation], "1");
  assert.equal(template.spec.hostname, "work-2");
  assert.equal(template.spec.subdomain, "svc", "the template's subdomain is kept");
  const env = { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } };
  assert.deepEqual(template.spec.containers[0]?.env, [{ name: "A", value: "1" }, { name: "JOB_COMPLETION_INDEX", valueFrom: env }]);
  assert.deepEqual(template.spec.initContainers?.[0]?.env, [{ name: "JOB_COMPLETION_INDEX", valueFrom: env }]);
  assert.deepEqual(naming, { generateName: "work-2-" });
  assert.equal(j.spec.template.spec.hostname, undefined, "the Job's template is left alone");
  assert.equal(podGenerateNameWithIndex("x".repeat(60), 12), `${"x".repeat(54)}-12-`);
  assert.equal(completionIndexOf(pod("Running", { index: 4 })), 4);
  assert.equal(completionIndexOf(pod("Running", { annotations: { [jobCompletionIndexAnnotation]: "-1" } })), undefined);
});

test("pending indexes: the lowest not succeeded, failed or running; surplus pods: no index, out of range, an index's second pod", () => {
  assert.deepEqual(firstPendingIndexes(parseIndexes("0,2-3", 10), 3, 10), [1, 4, 5]);
  assert.deepEqual(firstPendingIndexes(parseIndexes("1", 3), 5, 3), [0, 2]);
  assert.deepEqual(firstPendingIndexes([], 0, 3), []);
  const a = pod("Running", { index: 0 });
  const b = pod("Running", { index: 0 });
  const c = pod("Running", { index: 1 });
  const none = pod("Running");
  const out = pod("Running", { index: 7 });
  const { remove, keep } = surplusIndexPods([a, b, c, none, out], 3, (ps) => [...ps]);
  assert.deepEqual(remove.map((p) => p.metadata.name), [none, out, a].map((p) => p.metadata.name));
  assert.deepEqual(keep.map((p) => p.metadata.name), [b, c].map((p) => p.metadata.name));
});

test("index progress: completed indexes from pods and status; an index fails past backoffLimitPerIndex or on FailIndex", () => {
  const j = withJobDefaults(
    job(
      { completionMode: "Indexed", completions: 6, backoffLimitPerIndex: 1, podFailurePolicy: { rules: [exitRule("FailIndex", "In", [9]), exitRule("Ignore", "In", [3])] } },
      { completedIndexes: "0" },
    ),
  );
  const t = "2025-01-01T00:01:00Z";
  const progress = indexProgress(j, [
    pod("Succeeded", { index: 1 }),
    pod("Failed", { index: 2, exit: { main: 1 } }),
    pod("Failed", { index: 2, exit: { main: 1 }, finishedAt: t, annotations: { [jobIndexFailureCountAnnotation]: "1" } }),
    pod("Failed", { index: 3, exit: { main: 9 } }),
    pod("Failed", { index: 4, exit: { main: 3 } }),
    pod("Failed", { index: 5, exit: { main: 1 } }),
    pod("Succeeded", { index: 8 }),
  ]);
  assert.equal(formatIndexes(progress.succeeded), "0,1");
  assert.equal(formatIndexes(progress.failed ?? []), "2,3", "index 2 failed twice with a limit of 1; index 3 hit FailIndex");
  assert.deepEqual(progress.failures.get(2), { failed: 2, ignored: 0, failIndex: false, lastFailureAt: Date.parse(t) });
  assert.equal(progress.failures.get(4)?.ignored, 1, "an ignored failure is kept apart");
  assert.equal(progress.failures.get(5)?.failed, 1, "one failure is within the limit");
  // Each index backs off from its own failures: two for index 2, from its last one.
  const f = progress.failures.get(2)!;
  assert.equal(remainingBackoffMs({ failuresAfterLastSuccess: f.failed + f.ignored, lastFailureAt: f.lastFailureAt }, Date.parse(t) + 5000, 10_000, 360_000), 15_000);
  const noLimit = indexProgress(withJobDefaults(job({ completionMode: "Indexed", completions: 2 })), [pod("Failed", { index: 0, exit: { main: 1 } })]);
  assert.equal(noLimit.failed, undefined, "without backoffLimitPerIndex no index is failed");
  const kept = indexProgress(withJobDefaults(job({ completionMode: "Indexed", completions: 4, backoffLimitPerIndex: 0 }, { completedIndexes: "0-2", failedIndexes: "3" })), []);
  assert.deepEqual([formatIndexes(kept.succeeded), formatIndexes(kept.failed ?? [])], ["0-2", "3"], "what the status says stays, pods gone or not");
});

test("success policy: succeededIndexes all or succeededCount of them; succeededCount alone; the first rule met is named", () => {
  const policy = { rules: [{ succeededIndexes: "0,2", succeededCount: 2 }, { succeededIndexes: "4-6" }, { succeededCount: 4 }] };
  const met = (ixs: number[]) => matchSuccessPolicy(policy, 10, intervalsOf(ixs));
  assert.equal(met([0]), undefined);
  assert.equal(met([0, 2]), "Matched rules at index 0");
  assert.equal(met([4, 5, 6]), "Matched rules at index 1");
  assert.equal(met([4, 6, 8]), undefined);
  assert.equal(met([1, 3, 7, 9]), "Matched rules at index 2");
  assert.equal(matchSuccessPolicy(undefined, 10, intervalsOf([0])), undefined);
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: "0-2", succeededCount: 2 }] }, 5, intervalsOf([1, 2])), "Matched rules at index 0");
});
