// cordon, uncordon and drain against the fake API server, and drain's pod filters.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Node, Pod, Status } from "@bosun/api";
import { nodeNames, runCordon } from "../src/commands/cordon.js";
import { runDrain, type DrainClock, type DrainOptions } from "../src/commands/drain.js";
import { classifyPods, drainErrors, drainWarnings } from "../src/drain/pod-filters.js";
import { fakeApiServerForSuite } from "../src/testing/fake-apiserver.js";
import { daemonSet, node, pod } from "../src/testing/workloads.js";

const fake = fakeApiServerForSuite();

function output() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, sink: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

/** Pods are evicted in parallel, so their "evicted" lines may come in any order. */
function settled(lines: readonly string[]): string[] {
  const evicted = lines.filter((l) => / (evicted|deleted)$/.test(l)).sort();
  let i = 0;
  return lines.map((l) => (/ (evicted|deleted)$/.test(l) ? evicted[i++]! : l));
}

/**
 * A clock whose waits move its time at once (after a real tick, so the fake API
 * server gets to answer): kubectl's 5 s retries and --timeout without waiting.
 */
function testClock(): DrainClock & { slept: number[] } {
  let now = Date.parse("2024-05-01T12:00:00Z");
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
      await new Promise((r) => setTimeout(r, 5));
    },
  };
}

function drainOpts(sink: { out: (l: string) => void; err: (l: string) => void }, extra: Partial<DrainOptions> = {}): DrainOptions {
  return { force: false, ignoreDaemonSets: false, gracePeriod: -1, timeoutMs: 0, disableEviction: false, pollMs: 20, clock: testClock(), ...sink, ...extra };
}

const owned = (name: string, kind = "ReplicaSet", owner = "web-abc") => pod(name, { node: "n1", owner: { kind, name: owner } });

test("cordon and uncordon patch spec.unschedulable and say when there is nothing to do", async () => {
  fake.api.put("nodes", node("n1"));
  const o = output();
  assert.equal(await runCordon(fake.client, ["n1"], true, o.sink), 0);
  assert.equal((fake.api.objects.get("nodes//n1") as Node).spec?.unschedulable, true);
  assert.equal(await runCordon(fake.client, ["node/n1"], true, o.sink), 0);
  assert.equal(await runCordon(fake.client, ["n1"], false, o.sink), 0);
  assert.equal((fake.api.objects.get("nodes//n1") as Node).spec?.unschedulable, undefined);
  assert.equal(await runCordon(fake.client, ["n1"], false, o.sink), 0);
  assert.deepEqual(o.out, ["node/n1 cordoned", "node/n1 already cordoned", "node/n1 uncordoned", "node/n1 already uncordoned"]);
  const patch = fake.api.calls.find((c) => c.method === "PATCH");
  assert.deepEqual(patch?.body, { spec: { unschedulable: true } });
  assert.equal(patch?.contentType, "application/merge-patch+json");
});

test("cordon of a node that does not exist fails with the server's message; other kinds are refused", async () => {
  const o = output();
  assert.equal(await runCordon(fake.client, ["n9"], true, o.sink), 1);
  assert.deepEqual(o.err, ['Error from server (NotFound): nodes "n9" not found']);
  assert.throws(() => nodeNames(["pod/web"], "cordon"), /expected resource of type node, got "pods"/);
  assert.throws(() => nodeNames([], "drain"), /you must name the node to drain/);
});

test("drain cordons, evicts each managed pod, waits until it is gone, and reports the node drained", async () => {
  fake.api.put("nodes", node("n1"));
  fake.api.put("pods", owned("web-1"));
  fake.api.put("pods", owned("job-1", "Job", "pi"));
  fake.api.put("pods", pod("elsewhere", { node: "n2", owner: { kind: "ReplicaSet", name: "web-abc" } }));
  fake.api.evictionGraceMs = 60;
  const o = output();
  assert.equal(await runDrain(fake.client, ["n1"], drainOpts(o.sink, { gracePeriod: 5 })), 0, o.err.join("\n"));
  assert.deepEqual(settled(o.out), ["node/n1 cordoned", "evicting pod default/job-1", "evicting pod default/web-1", "pod/job-1 evicted", "pod/web-1 evicted", "node/n1 drained"]);
  assert.deepEqual(o.err, []);
  assert.ok(fake.api.objects.has("pods/default/elsewhere"), "pods of other nodes stay");
  const eviction = fake.api.calls.find((c) => c.path === "/api/v1/namespaces/default/pods/web-1/eviction");
  assert.deepEqual(eviction?.body, { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "web-1", namespace: "default" }, deleteOptions: { gracePeriodSeconds: 5 } });
  assert.ok(fake.api.requests.some((r) => r.startsWith("GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1")));
});

test("drain refuses DaemonSet pods without --ignore-daemonsets, and pods without a controller without --force", async () => {
  fake.api.put("nodes", node("n1"));
  fake.api.put("daemonsets", daemonSet("agent"));
  fake.api.put("pods", owned("agent-x", "DaemonSet", "agent"));
  fake.api.put("pods", pod("bare", { node: "n1" }));
  fake.api.put("pods", owned("web-1"));
  const o = output();
  assert.equal(await runDrain(fake.client, ["n1"], drainOpts(o.sink)), 1);
  assert.deepEqual(o.out, ["node/n1 cordoned"]);
  assert.deepEqual(o.err, [
    'error: unable to drain node "n1" due to error:[cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-x, cannot delete Pods declare no controller (use --force to override): default/bare], continuing command...',
    "There are pending nodes to be drained:",
    " n1",
    "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-x",
    "cannot delete Pods declare no controller (use --force to override): default/bare",
  ]);
  assert.ok(fake.api.objects.has("pods/default/web-1"), "nothing is evicted when the drain is refused");
  assert.equal(fake.api.calls.filter((c) => c.path.endsWith("/eviction")).length, 0);

  const forced = output();
  assert.equal(await runDrain(fake.client, ["n1"], drainOpts(forced.sink, { ignoreDaemonSets: true, force: true })), 0, forced.err.join("\n"));
  assert.deepEqual(forced.err, ["Warning: ignoring DaemonSet-managed Pods: default/agent-x; deleting Pods that declare no controller: default/bare"]);
  assert.deepEqual(settled(forced.out), ["node/n1 already cordoned", "evicting pod default/bare", "evicting pod default/web-1", "pod/bare evicted", "pod/web-1 evicted", "node/n1 drained"]);
  assert.ok(fake.api.objects.has("pods/default/agent-x"), "DaemonSet pods stay");
});

const budgetRefusal = {
  apiVersion: "v1",
  kind: "Status",
  metadata: {},
  status: "Failure",
  code: 429,
  reason: "TooManyRequests",
  message: "Cannot evict pod as it would violate the pod's disruption budget.",
  details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web needs 1 healthy pods and has 1 currently" }] },
} satisfies Status;
/** What kubectl prints when node n1's drain stops at `error` with web-1 still there. */
function gaveUp(error: string): string[] {
  return [
    `There are pending pods in node "n1" when an error occurred: ${error}`,
    "pod/web-1",
    `error: unable to drain node "n1" due to error:${error}, continuing command...`,
    "There are pending nodes to be drained:",
    " n1",
    error,
  ];
}
const retryLine = 'error when evicting pods/"web-1" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.';

test("an eviction refused with 429 is retried every 5 seconds with kubectl's message, as a disruption budget asks", async () => {
  fake.api.put("nodes", node("n1"));
  fake.api.put("pods", owned("web-1"));
  fake.api.evictionErrors.set("default/web-1", [budgetRefusal, budgetRefusal]);
  const o = output();
  const clock = testClock();
  assert.equal(await runDrain(fake.client, ["n1"], drainOpts(o.sink, { clock })), 0);
  assert.deepEqual(o.out, ["node/n1 cordoned", "evicting pod default/web-1", "evicting pod default/web-1", "evicting pod default/web-1", "pod/web-1 evicted", "node/n1 drained"]);
  assert.deepEqual(o.err, [retryLine, retryLine]);
  assert.deepEqual(clock.slept.slice(0, 2), [5000, 5000]);
});

test("an eviction refused until --timeout gives up with kubectl's global timeout error", async () => {
  fake.api.put("nodes", node("n1"));
  fake.api.put("pods", owned("web-1"));
  fake.api.evictionErrors.set("default/web-1", Array.from({ length: 10 }, () => budgetRefusal));
  const o = output();
  assert.equal(await runDrain(fake.client, ["n1"], drainOpts(o.sink, { timeoutMs: 12_000 })), 1);
  const timeout = 'error when evicting pods/"web-1" -n "default": global timeout reached: 12s';
  assert.deepEqual(o.err, [retryLine, retryLine, retryLine, ...gaveUp(timeout)]);
});

test("drain gives up at --timeout while pods are still terminating, listing what is left", async () => {
  fake.api.put("nodes", node("n1"));
  fake.api.put("pods", owned("web-1"));
  fake.api.evictionGraceMs = 5000;
  const o = output();
  assert.equal(await runDrain(fake.client, ["n1"], drainOpts(o.sink, { timeoutMs: 200 })), 1);
  const timeout = 'error when waiting for pod "web-1" in namespace "default" to terminate: global timeout reached: 200ms';
  assert.deepEqual(o.err, gaveUp(timeout));
});

test("--disable-eviction deletes instead; a missing node is an error and others still drain", async () => {
  fake.api.put("nodes", node("n1"));
  fake.api.put("pods", owned("web-1"));
  const o = output();
  assert.equal(await runDrain(fake.client, ["n9", "n1"], drainOpts(o.sink, { disableEviction: true, gracePeriod: 0 })), 1);
  assert.deepEqual(o.err, ['Error from server (NotFound): nodes "n9" not found']);
  assert.deepEqual(o.out, ["node/n1 cordoned", "pod/web-1 deleted", "node/n1 drained"]);
  const del = fake.api.calls.find((c) => c.method === "DELETE");
  assert.equal(del?.path, "/api/v1/namespaces/default/pods/web-1");
  assert.deepEqual((del?.body as { gracePeriodSeconds?: number }).gracePeriodSeconds, 0);
  assert.equal(fake.api.calls.filter((c) => c.path.endsWith("/eviction")).length, 0);
});

test("pod filters: finished pods always go, an orphan of a deleted DaemonSet goes only with --force", async () => {
  const missing = async () => {
    const { ApiError } = await import("@bosun/client");
    throw new ApiError({ apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code: 404, reason: "NotFound", message: 'daemonsets.apps "gone" not found' });
  };
  const pods: Pod[] = [
    pod("done", { node: "n1", phase: "Succeeded" }),
    owned("ds-done", "DaemonSet", "agent"),
    owned("orphan", "DaemonSet", "gone"),
  ];
  pods[1]!.status = { phase: "Failed" };
  const strict = await classifyPods(pods, { force: false, ignoreDaemonSets: true, getDaemonSet: missing });
  assert.deepEqual(strict.map((v) => v.evict), [true, true, false]);
  assert.deepEqual(drainErrors(strict), ['cannot delete daemonsets.apps "gone" not found: default/orphan']);
  const forced = await classifyPods(pods, { force: true, ignoreDaemonSets: false, getDaemonSet: missing });
  assert.deepEqual(forced.map((v) => v.evict), [true, true, true]);
  assert.equal(drainWarnings(forced), 'daemonsets.apps "gone" not found: default/orphan');
});
