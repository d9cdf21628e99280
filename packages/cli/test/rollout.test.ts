// rollout status|history|undo|restart|pause|resume against the fake API server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, revisionData, type ControllerRevision, type DaemonSet, type Deployment, type ReplicaSet } from "@bosun/api";
import { parseTargets } from "../src/context.js";
import { runRolloutHistory, runRolloutUndo } from "../src/commands/rollout-history.js";
import { runRolloutStatus } from "../src/commands/rollout-status.js";
import { runRolloutPatch } from "../src/commands/rollout.js";
import { controllerRevisionHistory, controllerRevisionTarget, ownerMatchesRevision } from "../src/rollout/controller-revisions.js";
import { historyTable, revisionHistory } from "../src/rollout/history.js";
import { rollbackPatch, rollbackTarget } from "../src/rollout/rollback.js";
import { fakeApiServerForSuite } from "../src/testing/fake-apiserver.js";
import { daemonSet, deployment, replicaSet } from "../src/testing/workloads.js";

const fake = fakeApiServerForSuite();
const deployments = mustResource("deployments");

function output() {
  const lines: string[] = [];
  return { lines, out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(`ERR ${l}`) };
}

const targets = (...args: string[]) => parseTargets(args).targets;

/** Resolves once the command under test opened its watch, so later changes reach it as events. */
async function watchOpened(): Promise<void> {
  const before = fake.api.requests.filter((r) => r.includes("watch=true")).length;
  while (fake.api.requests.filter((r) => r.includes("watch=true")).length === before) await new Promise((r) => setTimeout(r, 5));
}

/** A Deployment on revision 2 (busybox:2) with its ReplicaSets for revisions 1 and 2. */
function history(): { d: Deployment; rs1: ReplicaSet; rs2: ReplicaSet } {
  const d = fake.api.put("deployments", deployment("web", { image: "busybox:2", annotations: { "deployment.kubernetes.io/revision": "2", "team": "shop" }, status: { observedGeneration: 1 } }));
  const rs1 = fake.api.put("replicasets", replicaSet(d, "aaa", 1, "busybox:1", { changeCause: "kubectl apply --image=busybox:1", createdAt: "2024-05-01T10:00:00Z" }));
  const rs2 = fake.api.put("replicasets", replicaSet(d, "bbb", 2, "busybox:2", { replicas: 3 }));
  // Another Deployment's ReplicaSet with the same labels is not part of this history.
  const other = deployment("other", { uid: "uid-other" });
  fake.api.put("replicasets", { ...replicaSet(other, "ccc", 7, "busybox:7"), metadata: { ...replicaSet(other, "ccc", 7, "busybox:7").metadata, labels: { app: "web" } } });
  return { d, rs1, rs2 };
}

test("status prints each new message as the deployment progresses, then succeeds", async () => {
  const d = fake.api.put("deployments", deployment("web", { generation: 2, status: { observedGeneration: 1 } }));
  const o = output();
  const opened = watchOpened();
  const done = runRolloutStatus(fake.client, targets("deploy/web"), { namespace: "default", watch: true, timeoutMs: 0, revision: 0, out: o.out });
  const step = (status: Deployment["status"]) => fake.api.put("deployments", { ...d, status });
  await opened;
  step({ observedGeneration: 2, replicas: 3, updatedReplicas: 1 });
  step({ observedGeneration: 2, replicas: 3, updatedReplicas: 1 });
  step({ observedGeneration: 2, replicas: 4, updatedReplicas: 3 });
  step({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 });
  step({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
  assert.equal(await done, 0);
  assert.deepEqual(o.lines, [
    "Waiting for deployment spec update to be observed...",
    'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    'deployment "web" successfully rolled out',
  ]);
  const watch = fake.api.requests.find((r) => r.startsWith("GET /apis/apps/v1/namespaces/default/deployments?watch=true"));
  assert.ok(watch?.includes("fieldSelector=metadata.name%3Dweb"), String(watch));
});

test("status fails when the deployment exceeds its progress deadline, while watching too", async () => {
  const d = fake.api.put("deployments", deployment("web", { status: { observedGeneration: 1, replicas: 3, updatedReplicas: 1 } }));
  const o = output();
  const opened = watchOpened();
  const watching = runRolloutStatus(fake.client, targets("deployment", "web"), { namespace: "default", watch: true, timeoutMs: 0, revision: 0, out: o.out });
  await opened;
  fake.api.put("deployments", { ...d, status: { ...d.status, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] } });
  await assert.rejects(watching, /^CliError: deployment "web" exceeded its progress deadline$/);
  assert.deepEqual(o.lines, ['Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...']);
});

test("status --watch=false prints once; --timeout gives up; deletion and other kinds are errors", async () => {
  fake.api.put("deployments", deployment("web", { status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 1 } }));
  const once = output();
  assert.equal(await runRolloutStatus(fake.client, targets("deploy/web"), { namespace: "default", watch: false, timeoutMs: 0, revision: 0, out: once.out }), 0);
  assert.deepEqual(once.lines, ['Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...']);

  const started = Date.now();
  await assert.rejects(
    runRolloutStatus(fake.client, targets("deploy/web"), { namespace: "default", watch: true, timeoutMs: 300, revision: 0, out: () => undefined }),
    /timed out waiting for the condition/,
  );
  assert.ok(Date.now() - started < 3000);

  const opened = watchOpened();
  const deleted = runRolloutStatus(fake.client, targets("deploy/web"), { namespace: "default", watch: true, timeoutMs: 0, revision: 0, out: () => undefined });
  await opened;
  fake.api.remove("deployments", "default", "web");
  await assert.rejects(deleted, /object has been deleted/);

  await assert.rejects(runRolloutStatus(fake.client, targets("rs/web-1"), { namespace: "default", watch: false, timeoutMs: 0, revision: 0, out: () => undefined }), /no status viewer has been implemented for ReplicaSet\.apps/);
  await assert.rejects(runRolloutStatus(fake.client, targets("deploy", "a", "b"), { namespace: "default", watch: false, timeoutMs: 0, revision: 0, out: () => undefined }), /only supported on individual resources .* 2 resources were found/);
  await assert.rejects(runRolloutStatus(fake.client, targets("deploy/nope"), { namespace: "default", watch: false, timeoutMs: 0, revision: 0, out: () => undefined }), /deployments\.apps "nope" not found/);
});

test("status of a daemonset", async () => {
  fake.api.put("daemonsets", { ...daemonSet("agent"), metadata: { ...daemonSet("agent").metadata, generation: 1 }, status: { ...daemonSet("agent").status!, observedGeneration: 1 } } as DaemonSet);
  const o = output();
  assert.equal(await runRolloutStatus(fake.client, targets("ds/agent"), { namespace: "default", watch: true, timeoutMs: 0, revision: 0, out: o.out }), 0);
  assert.deepEqual(o.lines, ['daemon set "agent" successfully rolled out']);
});

test("history lists the revisions with their change-cause, and shows one revision's template", async () => {
  history();
  const o = output();
  assert.equal(await runRolloutHistory(fake.client, targets("deploy/web"), { namespace: "default", revision: 0, out: o.out, err: o.err }), 0);
  assert.equal(o.lines.join(""), "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         kubectl apply --image=busybox:1\n2         <none>\n\n");

  const one = output();
  assert.equal(await runRolloutHistory(fake.client, targets("deployment", "web"), { namespace: "default", revision: 1, out: one.out, err: one.err }), 0);
  assert.match(one.lines.join(""), /^deployment\.apps\/web with revision #1\nPod Template:\n {2}Labels: +app=web\n +pod-template-hash=aaa\n {2}Annotations: +kubernetes\.io\/change-cause: kubectl apply --image=busybox:1\n {2}Containers:\n {4}web:\n {6}Image: +busybox:1\n/);

  const missing = output();
  assert.equal(await runRolloutHistory(fake.client, targets("deploy/web"), { namespace: "default", revision: 9, out: missing.out, err: missing.err }), 1);
  assert.deepEqual(missing.lines, ["ERR error: unable to find the specified revision"]);

  const rs = output();
  assert.equal(await runRolloutHistory(fake.client, targets("rs/web-aaa"), { namespace: "default", revision: 0, out: rs.out, err: rs.err }), 1);
  assert.match(rs.lines[0]!, /^ERR error: no history viewer has been implemented for ReplicaSet\.apps/);
});

/** A DaemonSet on busybox:2 with the ControllerRevisions its controller keeps, and another owner's revision. */
function daemonSetHistory(): { ds: DaemonSet; revisions: ControllerRevision[] } {
  const base = daemonSet("agent");
  const ds = fake.api.put("daemonsets", { ...base, spec: { ...base.spec, template: { ...base.spec.template, spec: { containers: [{ name: "web", image: "busybox:2" }] } } } } as DaemonSet);
  const revision = (owner: DaemonSet, image: string, number: number, cause?: string): ControllerRevision => ({
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: `${owner.metadata.name}-${number}`,
      namespace: "default",
      labels: { app: "agent" },
      ...(cause ? { annotations: { "kubernetes.io/change-cause": cause } } : {}),
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true }],
    },
    data: revisionData({ metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "web", image }] } }),
    revision: number,
  });
  const revisions = [revision(ds, "busybox:1", 1, "kubectl apply --image=busybox:1"), revision(ds, "busybox:2", 2)];
  for (const r of revisions) fake.api.put("controllerrevisions", r);
  fake.api.put("controllerrevisions", revision({ ...ds, metadata: { ...ds.metadata, name: "other", uid: "uid-other" } }, "busybox:9", 9));
  return { ds, revisions };
}

test("a daemonset's history is its ControllerRevisions; undo picks the one before the newest and skips the current template", async () => {
  const { ds, revisions } = daemonSetHistory();
  const o = output();
  assert.equal(await runRolloutHistory(fake.client, targets("ds/agent"), { namespace: "default", revision: 0, out: o.out, err: o.err }), 0);
  assert.equal(o.lines.join(""), "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         kubectl apply --image=busybox:1\n2         <none>\n\n");
  const one = output();
  assert.equal(await runRolloutHistory(fake.client, targets("ds/agent"), { namespace: "default", revision: 1, out: one.out, err: one.err }), 0);
  assert.match(one.lines.join(""), /^daemonset\.apps\/agent with revision #1\nPod Template:\n[^]*Image: +busybox:1\n/);

  assert.equal(controllerRevisionTarget(revisions, 0).revision, 1);
  assert.equal(controllerRevisionTarget(revisions, 2).revision, 2);
  assert.throws(() => controllerRevisionTarget(revisions, 5), /unable to find specified revision 5 in history/);
  assert.throws(() => controllerRevisionTarget([revisions[0]!], 0), /no last revision to roll back to/);
  assert.equal(ownerMatchesRevision(ds, revisions[1]!), true);
  assert.equal(ownerMatchesRevision(ds, revisions[0]!), false);
  assert.deepEqual([...controllerRevisionHistory(revisions).keys()], [1, 2]);

  const skipped = output();
  assert.equal(await runRolloutUndo(fake.client, targets("ds/agent"), { namespace: "default", toRevision: 2, out: skipped.out, err: skipped.err }), 0);
  assert.deepEqual(skipped.lines, ["daemonset.apps/agent skipped rollback (current template already matches revision 2)"]);
  const undone = output();
  assert.equal(await runRolloutUndo(fake.client, targets("ds/agent"), { namespace: "default", toRevision: 0, out: undone.out, err: undone.err }), 0);
  assert.deepEqual(undone.lines, ["daemonset.apps/agent rolled back"]);
  assert.ok(fake.api.requests.includes("PATCH /apis/apps/v1/namespaces/default/daemonsets/agent"), "the revision's data is sent as a patch");
});

test("history and rollback logic: revisions, the previous one, the patch", () => {
  const d = deployment("web", { image: "busybox:3", annotations: { "deployment.kubernetes.io/revision": "3", "kubectl.kubernetes.io/last-applied-configuration": "{}" } });
  const rss = [replicaSet(d, "a", 1, "busybox:1"), replicaSet(d, "c", 3, "busybox:3"), replicaSet(d, "b", 2, "busybox:2")];
  assert.equal(historyTable(revisionHistory([])), "No rollout history found.\n");
  assert.deepEqual([...revisionHistory(rss).keys()].sort(), [1, 2, 3]);
  assert.equal(rollbackTarget(d, rss, 0).metadata.name, "web-b");
  assert.equal(rollbackTarget(d, rss, 1).metadata.name, "web-a");
  assert.throws(() => rollbackTarget(d, rss, 4), /unable to find specified revision 4 in history/);
  assert.throws(() => rollbackTarget(d, [rss[1]!], 0), /no rollout history found for deployment "web"/);
  const rs = rss[2]!;
  rs.metadata.annotations!["app.example/owner"] = "team-a";
  const patch = rollbackPatch(d, rs);
  assert.deepEqual(patch[0], { op: "replace", path: "/spec/template", value: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "busybox:2" }] } } });
  // The Deployment keeps its own bookkeeping annotations and takes the ReplicaSet's others.
  assert.deepEqual(patch[1], {
    op: "add",
    path: "/metadata/annotations",
    value: { "deployment.kubernetes.io/revision": "3", "kubectl.kubernetes.io/last-applied-configuration": "{}", "app.example/owner": "team-a" },
  });
});

test("undo patches the previous template back, skips when it is current, refuses paused deployments", async () => {
  history();
  const o = output();
  assert.equal(await runRolloutUndo(fake.client, targets("deploy/web"), { namespace: "default", toRevision: 0, out: o.out, err: o.err }), 0);
  assert.deepEqual(o.lines, ["deployment.apps/web rolled back"]);
  const patched = fake.api.objects.get("deployments/default/web") as Deployment;
  assert.equal(patched.spec.template.spec.containers[0]!.image, "busybox:1");
  assert.deepEqual(patched.spec.template.metadata?.labels, { app: "web" }, "no pod-template-hash label");
  assert.equal(patched.metadata.annotations?.["deployment.kubernetes.io/revision"], "2");
  assert.equal(patched.metadata.annotations?.["kubernetes.io/change-cause"], "kubectl apply --image=busybox:1");
  const call = fake.api.calls.find((c) => c.method === "PATCH");
  assert.equal(call?.contentType, "application/json-patch+json");

  const again = output();
  await runRolloutUndo(fake.client, targets("deploy/web"), { namespace: "default", toRevision: 1, out: again.out, err: again.err });
  assert.deepEqual(again.lines, ["deployment.apps/web skipped rollback (current template already matches revision 1)"]);

  const missing = output();
  assert.equal(await runRolloutUndo(fake.client, targets("deploy/web"), { namespace: "default", toRevision: 5, out: missing.out, err: missing.err }), 1);
  assert.deepEqual(missing.lines, ["ERR error: unable to find specified revision 5 in history"]);

  fake.api.put("deployments", { ...patched, spec: { ...patched.spec, paused: true } });
  const paused = output();
  assert.equal(await runRolloutUndo(fake.client, targets("deploy/web"), { namespace: "default", toRevision: 2, out: paused.out, err: paused.err }), 1);
  assert.match(paused.lines[0]!, /you cannot rollback a paused deployment; resume it first with 'bosun rollout resume deployment\.apps\/web'/);
});

test("restart stamps the template, pause and resume flip spec.paused, with kubectl's refusals", async () => {
  fake.api.put("deployments", deployment("web"));
  fake.api.put("daemonsets", daemonSet("agent"));
  const now = () => new Date("2024-05-01T12:00:00Z");
  const run = async (action: "restart" | "pause" | "resume", arg: string) => {
    const o = output();
    const code = await runRolloutPatch(fake.client, action, targets(arg), { namespace: "default", now, out: o.out, err: o.err });
    return { code, lines: o.lines };
  };
  assert.deepEqual(await run("restart", "deploy/web"), { code: 0, lines: ["deployment.apps/web restarted"] });
  let d = fake.api.objects.get("deployments/default/web") as Deployment;
  assert.equal(d.spec.template.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"], "2024-05-01T12:00:00Z");
  assert.equal(d.spec.template.metadata?.labels?.app, "web", "the merge patch keeps the rest of the template");
  assert.equal(d.metadata.generation, 2);

  assert.deepEqual(await run("pause", "deploy/web"), { code: 0, lines: ["deployment.apps/web paused"] });
  assert.equal((fake.api.objects.get("deployments/default/web") as Deployment).spec.paused, true);
  assert.deepEqual(await run("pause", "deploy/web"), { code: 1, lines: ['ERR error: deployments.apps "web" is already paused'] });
  assert.deepEqual(await run("restart", "deploy/web"), { code: 1, lines: ['ERR error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)'] });
  assert.deepEqual(await run("resume", "deploy/web"), { code: 0, lines: ["deployment.apps/web resumed"] });
  d = fake.api.objects.get("deployments/default/web") as Deployment;
  assert.equal(d.spec.paused, undefined);
  assert.deepEqual(await run("resume", "deploy/web"), { code: 1, lines: ['ERR error: deployments.apps "web" is not paused'] });

  assert.deepEqual(await run("restart", "ds/agent"), { code: 0, lines: ["daemonset.apps/agent restarted"] });
  assert.deepEqual(await run("pause", "ds/agent"), { code: 1, lines: ['ERR error: daemonsets.apps "agent" pausing is not supported'] });
  assert.deepEqual(await run("pause", "deploy/nope"), { code: 1, lines: ['ERR Error from server (NotFound): deployments.apps "nope" not found'] });
});

test("the deployment's own ReplicaSets only, however they were labelled", async () => {
  const { d } = history();
  const fromServer = await fake.client.get<Deployment>(deployments, "web", "default");
  assert.equal(fromServer.metadata.uid, d.metadata.uid);
  const o = output();
  await runRolloutHistory(fake.client, targets("deploy/web"), { namespace: "default", revision: 7, out: o.out, err: o.err });
  assert.deepEqual(o.lines, ["ERR error: unable to find the specified revision"], "revision 7 belongs to another deployment");
});
