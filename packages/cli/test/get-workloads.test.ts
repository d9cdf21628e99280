// bosun get for the workload kinds: short names, several kinds at once, `get all`,
// events across namespaces; describe and delete resolve the same names.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Event } from "@bosun/api";
import { resolveKinds } from "../src/context.js";
import { runGet, type GetOptions } from "../src/commands/get.js";
import { runDescribe } from "../src/commands/describe.js";
import { parseCascade, runDelete } from "../src/commands/delete.js";
import { fakeApiServerForSuite } from "../src/testing/fake-apiserver.js";
import { daemonSet, deployment, pod, replicaSet } from "../src/testing/workloads.js";

const fake = fakeApiServerForSuite();

async function get(args: string[], extra: Partial<GetOptions> = {}) {
  let out = "";
  const err: string[] = [];
  const code = await runGet(fake.client, args, { namespace: "default", allNamespaces: false, watch: false, out: (t) => void (out += t), err: (l) => void err.push(l), ...extra });
  return { code, out, err };
}

function seed() {
  const d = fake.api.put("deployments", deployment("web", { status: { readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3, replicas: 3 } }));
  fake.api.put("replicasets", replicaSet(d, "abc", 1, "busybox:2", { replicas: 3 }));
  fake.api.put("pods", pod("web-abc-1", { node: "n1", owner: { kind: "ReplicaSet", name: "web-abc", uid: "uid-rs-abc" }, labels: { app: "web", "pod-template-hash": "abc" } }));
  // A pod with the labels that the ReplicaSet does not own is not counted as its own.
  fake.api.put("pods", pod("stray", { labels: { app: "web", "pod-template-hash": "abc" } }));
}

test("every short name of the new kinds resolves", () => {
  const names = ["deploy", "deployments", "deployment", "rs", "replicaset", "rc", "ds", "daemonsets", "sts", "statefulset", "jobs", "job", "cj", "cronjobs", "ev", "events", "Deployment", "deployments.apps"];
  assert.deepEqual(
    names.map((n) => resolveKinds(n)[0]!.kind),
    ["Deployment", "Deployment", "Deployment", "ReplicaSet", "ReplicaSet", "ReplicationController", "DaemonSet", "DaemonSet", "StatefulSet", "StatefulSet", "Job", "Job", "CronJob", "CronJob", "Event", "Event", "Deployment", "Deployment"],
  );
  assert.deepEqual(resolveKinds("all").map((r) => r.resource), ["pods", "replicationcontrollers", "daemonsets", "deployments", "replicasets", "statefulsets", "cronjobs", "jobs"]);
  assert.deepEqual(resolveKinds("deploy,rs,deploy").map((r) => r.resource), ["deployments", "replicasets"]);
  assert.throws(() => resolveKinds("deploy,,rs"), /empty resource type/);
});

test("get of one kind by short name prints its table", async () => {
  seed();
  const r = await get(["deploy"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\nweb +3\/3 +3 +3 +\d+\w*\n$/);
  assert.equal((await get(["rs", "web-abc"], { output: "name" })).out, "replicaset.apps/web-abc\n");
});

test("several kinds: one table per kind with kind.group/name, a blank line between; empty kinds are skipped", async () => {
  seed();
  const r = await get(["deploy,rs,pods,sts"]);
  assert.equal(r.code, 0);
  const tables = r.out.split("\n\n");
  assert.equal(tables.length, 3);
  assert.match(tables[0]!, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\ndeployment\.apps\/web +3\/3 /);
  assert.match(tables[1]!, /^NAME +DESIRED +CURRENT +READY +AGE\nreplicaset\.apps\/web-abc +3 +3 +3 /);
  assert.match(tables[2]!, /^NAME +READY +STATUS +RESTARTS +AGE\npod\/stray +0\/1 +Running .*\npod\/web-abc-1 +0\/1 +Running /);
  assert.deepEqual(r.err, []);
});

test("get all lists pods and workloads in kubectl's order; -o name names each kind", async () => {
  seed();
  fake.api.put("daemonsets", daemonSet("agent"));
  const r = await get(["all"]);
  const names = r.out.split("\n").filter((l) => l && !l.startsWith("NAME")).map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(names, ["pod/stray", "pod/web-abc-1", "daemonset.apps/agent", "deployment.apps/web", "replicaset.apps/web-abc"]);
  const byName = await get(["all"], { output: "name" });
  assert.equal(byName.out, "pod/stray\npod/web-abc-1\ndaemonset.apps/agent\ndeployment.apps/web\nreplicaset.apps/web-abc\n");
  const yaml = await get(["deploy,rs"], { output: "json" });
  const list = JSON.parse(yaml.out) as { kind: string; items: { kind: string }[] };
  assert.equal(list.kind, "List");
  assert.deepEqual(list.items.map((i) => i.kind), ["Deployment", "ReplicaSet"]);
});

test("get of one kind with only that kind's objects keeps plain names", async () => {
  seed();
  const r = await get(["deploy,sts"]);
  assert.match(r.out, /\nweb +3\/3/);
});

test("nothing found: kubectl's message, for one kind or several; -w of several kinds is refused", async () => {
  assert.deepEqual((await get(["all"])).err, ["No resources found in default namespace."]);
  assert.deepEqual((await get(["cj"], { allNamespaces: true })).err, ["No resources found"]);
  await assert.rejects(get(["deploy,rs"], { watch: true }), /watch is only supported on individual resources and resource collections - more than 1 resource was found/);
  await assert.rejects(get(["deploy,nope"]), /the server doesn't have a resource type "nope"/);
});

test("events are listed oldest first; -A adds NAMESPACE", async () => {
  const ev = (name: string, ns: string, last: string, reason: string): Event => ({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace: ns },
    involvedObject: { kind: "Pod", name: "web", namespace: ns },
    reason,
    message: reason,
    type: "Normal",
    lastTimestamp: last,
  });
  fake.api.put("events", ev("b", "default", "2024-05-01T11:59:00Z", "Started"));
  fake.api.put("events", ev("a", "team-a", "2024-05-01T11:58:00Z", "Scheduled"));
  fake.api.put("events", ev("c", "default", "2024-05-01T11:57:00Z", "Pulled"));
  const all = await get(["ev"], { allNamespaces: true });
  const rows = all.out.trimEnd().split("\n");
  assert.match(rows[0]!, /^NAMESPACE +LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$/);
  assert.deepEqual(rows.slice(1).map((l) => l.split(/\s+/)[0] + " " + l.split(/\s+/)[3]), ["default Pulled", "team-a Scheduled", "default Started"]);
  assert.ok(fake.api.requests.includes("GET /api/v1/events"));
});

test("describe resolves the new short names and shows a deployment's replica sets", async () => {
  seed();
  let out = "";
  const err: string[] = [];
  const code = await runDescribe(fake.client, ["deploy/web"], { namespace: "default", out: (t) => void (out += t), err: (l) => void err.push(l) });
  assert.equal(code, 0, err.join("\n"));
  assert.match(out, /\nReplicas: +3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable\n/);
  assert.match(out, /\nNewReplicaSet: +web-abc \(3\/3 replicas created\)\n/);
  let rsText = "";
  await runDescribe(fake.client, ["rs", "web-abc"], { namespace: "default", out: (t) => void (rsText += t), err: (l) => void err.push(l) });
  assert.match(rsText, /\nPods Status: +1 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed\n/);
  const missing: string[] = [];
  assert.equal(await runDescribe(fake.client, ["sts/nope"], { namespace: "default", out: () => undefined, err: (l) => void missing.push(l) }), 1);
  assert.deepEqual(missing, ['Error from server (NotFound): statefulsets.apps "nope" not found']);
});

test("delete --cascade passes kubectl's propagation policy; background by default", async () => {
  seed();
  const lines: string[] = [];
  const base = { namespace: "default", filenames: [], now: false, force: false, wait: false, ignoreNotFound: false, timeoutMs: 0, out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(`ERR ${l}`) };
  assert.equal(await runDelete(fake.client, ["rs/web-abc"], { ...base, cascade: "Background" }), 0);
  assert.equal(await runDelete(fake.client, ["deploy", "web"], { ...base, cascade: "Orphan" }), 0);
  assert.deepEqual(lines, ['replicaset.apps "web-abc" deleted', 'deployment.apps "web" deleted']);
  const policies = fake.api.calls.filter((c) => c.method === "DELETE").map((c) => (c.body as { propagationPolicy?: string }).propagationPolicy);
  assert.deepEqual(policies, ["Background", "Orphan"]);
  const warnings: string[] = [];
  assert.equal(parseCascade("foreground", (l) => void warnings.push(l)), "Foreground");
  assert.equal(parseCascade("false", (l) => void warnings.push(l)), "Orphan");
  assert.deepEqual(warnings, ["warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan."]);
  assert.throws(() => parseCascade("sideways", () => undefined), /invalid cascade value \(sideways\)\. Must be "background", "foreground", or "orphan"\./);
});
