// The bosun binary's workload commands end to end against a fake API server:
// flags as users type them, stdout, stderr and exit codes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Deployment, Node } from "@bosun/api";
import type { FakeApiServer } from "../src/testing/fake-apiserver.js";
import { startCliAgainstFakeApi, type CliAgainstFakeApi } from "../src/testing/run-cli.js";
import { deployment, node, pod, replicaSet } from "../src/testing/workloads.js";

let cli: CliAgainstFakeApi;
let api: FakeApiServer;

before(async () => {
  cli = await startCliAgainstFakeApi();
  api = cli.api;
  const d = api.put("deployments", deployment("web", { replicas: 3, annotations: { "deployment.kubernetes.io/revision": "2" }, status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 } }));
  api.put("replicasets", replicaSet(d, "aaa", 1, "busybox:1"));
  api.put("replicasets", replicaSet(d, "bbb", 2, "busybox:2", { replicas: 3 }));
  api.put("deployments", deployment("stuck", {
    uid: "uid-stuck",
    status: { observedGeneration: 1, replicas: 3, updatedReplicas: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] },
  }));
  api.put("nodes", node("n1"));
  api.put("pods", pod("web-bbb-1", { node: "n1", owner: { kind: "ReplicaSet", name: "web-bbb" } }));
});
after(() => cli.close());

const bosun = (args: string[]) => cli.run(args);

test("scale prints kubectl's line and changes the size", async () => {
  const r = await bosun(["scale", "deployment/web", "--replicas=5"]);
  assert.deepEqual(r, { code: 0, stdout: "deployment.apps/web scaled\n", stderr: "" });
  assert.equal((api.objects.get("deployments/default/web") as Deployment).spec.replicas, 5);
  const missing = await bosun(["scale", "deploy", "web"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n");
});

test("rollout status: done exits 0; a deployment past its deadline exits 1 with kubectl's error", async () => {
  // The controller caught up with the scale above.
  const web = api.objects.get("deployments/default/web") as Deployment;
  api.put("deployments", { ...web, status: { observedGeneration: web.metadata.generation!, replicas: 5, updatedReplicas: 5, availableReplicas: 5, readyReplicas: 5 } });
  const done = await bosun(["rollout", "status", "deploy/web", "--timeout=10s"]);
  assert.deepEqual(done, { code: 0, stdout: 'deployment "web" successfully rolled out\n', stderr: "" });
  const stuck = await bosun(["rollout", "status", "deployment", "stuck"]);
  assert.equal(stuck.code, 1);
  assert.equal(stuck.stdout, "");
  assert.equal(stuck.stderr, 'error: deployment "stuck" exceeded its progress deadline\n');
  const once = await bosun(["rollout", "status", "deploy/web", "--watch=false"]);
  assert.equal(once.code, 0);
  const badWatch = await bosun(["rollout", "status", "deploy/web", "--watch=maybe"]);
  assert.equal(badWatch.code, 1);
  assert.match(badWatch.stderr, /option '-w, --watch' takes true or false, not "maybe"/);
});

test("rollout status: -w and --watch are flags that never take the next argument as their value", async () => {
  const half = deployment("half", { replicas: 2, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 1 } });
  api.put("deployments", { ...half, metadata: { ...half.metadata, namespace: "rolling" } });
  const progress = "Waiting for deployment \"half\" rollout to finish: 1 out of 2 new replicas have been updated...\n";
  for (const flags of [["--watch=false"], ["-w=false"], ["--no-watch"]]) {
    const once = await bosun(["-n", "rolling", "rollout", "status", ...flags, "deploy/half"]);
    assert.deepEqual(once, { code: 0, stdout: progress, stderr: "" }, flags.join(" "));
  }
  for (const flag of ["-w", "--watch", "--watch=true"]) {
    // Still watching when the timeout ends it: the flag did not swallow deploy/half.
    const watching = await bosun(["-n", "rolling", "rollout", "status", flag, "deploy/half", "--timeout=300ms"]);
    assert.deepEqual(watching, { code: 1, stdout: progress, stderr: "error: timed out waiting for the condition\n" }, flag);
  }
  const badTimeout = await bosun(["rollout", "status", "deploy/web", "--timeout", "soon"]);
  assert.equal(badTimeout.code, 1);
  assert.match(badTimeout.stderr, /"soon" is not a duration/);
});

test("rollout history, undo, pause and resume through the binary", async () => {
  const history = await bosun(["rollout", "history", "deploy/web"]);
  assert.equal(history.stdout, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n");
  const undo = await bosun(["rollout", "undo", "deploy/web"]);
  assert.deepEqual(undo, { code: 0, stdout: "deployment.apps/web rolled back\n", stderr: "" });
  assert.equal((api.objects.get("deployments/default/web") as Deployment).spec.template.spec.containers[0]!.image, "busybox:1");
  assert.equal((await bosun(["rollout", "pause", "deploy/web"])).stdout, "deployment.apps/web paused\n");
  const twice = await bosun(["rollout", "pause", "deploy/web"]);
  assert.deepEqual(twice, { code: 1, stdout: "", stderr: 'error: deployments.apps "web" is already paused\n' });
  assert.equal((await bosun(["rollout", "resume", "deploy/web"])).stdout, "deployment.apps/web resumed\n");
  assert.equal((await bosun(["rollout", "restart", "deploy/web"])).stdout, "deployment.apps/web restarted\n");
});

test("cordon, uncordon and get nodes show SchedulingDisabled; a node that does not exist is an error", async () => {
  assert.equal((await bosun(["cordon", "n1"])).stdout, "node/n1 cordoned\n");
  assert.equal((api.objects.get("nodes//n1") as Node).spec?.unschedulable, true);
  assert.match((await bosun(["get", "nodes"])).stdout, /\nn1 +Ready,SchedulingDisabled /);
  assert.equal((await bosun(["uncordon", "node/n1"])).stdout, "node/n1 uncordoned\n");
  const missing = await bosun(["cordon", "n9"]);
  assert.deepEqual(missing, { code: 1, stdout: "", stderr: 'Error from server (NotFound): nodes "n9" not found\n' });
  const drainMissing = await bosun(["drain", "n9"]);
  assert.equal(drainMissing.code, 1);
  assert.equal(drainMissing.stderr, 'Error from server (NotFound): nodes "n9" not found\n');
});

test("drain evicts the node's pods and says so", async () => {
  const r = await bosun(["drain", "n1", "--ignore-daemonsets", "--delete-emptydir-data", "--grace-period=10", "--timeout", "20s"]);
  assert.deepEqual(r, { code: 0, stdout: "node/n1 cordoned\nevicting pod default/web-bbb-1\npod/web-bbb-1 evicted\nnode/n1 drained\n", stderr: "" });
});

test("get of several kinds, unknown kinds and missing names", async () => {
  const r = await bosun(["get", "deploy,rs"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\ndeployment\.apps\/stuck .*\ndeployment\.apps\/web .*\n\nNAME +DESIRED +CURRENT +READY +AGE\nreplicaset\.apps\/web-aaa /);
  const unknown = await bosun(["scale", "gizmos/x", "--replicas=1"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error: the server doesn't have a resource type "gizmos"/);
  const noName = await bosun(["rollout", "undo", "deployment"]);
  assert.equal(noName.code, 1);
  assert.equal(noName.stderr, "error: you must specify the name of the object, e.g. 'bosun rollout <command> deployment/web'\n");
  const cascade = await bosun(["delete", "--wait", "deploy/stuck", "--cascade=orphan", "--wait=false"]);
  assert.deepEqual(cascade, { code: 0, stdout: 'deployment.apps "stuck" deleted\n', stderr: "" });
  const body = api.calls.find((c) => c.method === "DELETE")?.body as { propagationPolicy?: string };
  assert.equal(body.propagationPolicy, "Orphan");
});
