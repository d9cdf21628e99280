import { test } from "node:test";
import assert from "node:assert/strict";
import type { AppsCondition, DeploymentStatus, ReplicaSet } from "@bosun/api";
import {
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  pausedStatus,
  removeCondition,
  rolloutStatus,
  setCondition,
  stuckRequeueAfterMs,
} from "../src/deployment/conditions.js";
import { unlimited } from "../src/deployment/defaults.js";
import { newDeployment, rs } from "./deployment-fixtures.js";

const condProgressing = (): AppsCondition => ({ type: "Progressing", status: "False", reason: "ForSomeReason" });
const condProgressing2 = (): AppsCondition => ({ type: "Progressing", status: "True", reason: "BecauseItIs" });
const condAvailable = (): AppsCondition => ({ type: "Available", status: "True", reason: "AwesomeController" });

// k8s TestGetCondition, TestSetCondition, TestRemoveCondition
test("conditions: get, set (overwriting by type) and remove", () => {
  const status: DeploymentStatus = { conditions: [condProgressing(), condAvailable()] };
  assert.ok(getCondition(status, "Available"));
  assert.equal(getCondition(status, "ReplicaFailure"), undefined);

  const empty: DeploymentStatus = {};
  setCondition(empty, condAvailable());
  assert.deepEqual(empty, { conditions: [condAvailable()] });

  const simple: DeploymentStatus = { conditions: [condProgressing()] };
  setCondition(simple, condAvailable());
  assert.deepEqual(simple, { conditions: [condProgressing(), condAvailable()] });

  const overwrite: DeploymentStatus = { conditions: [condProgressing()] };
  setCondition(overwrite, condProgressing2());
  assert.deepEqual(overwrite, { conditions: [condProgressing2()] });

  const removeFrom: DeploymentStatus = { conditions: [condProgressing()] };
  removeCondition(removeFrom, "Progressing");
  assert.deepEqual(removeFrom, {});
  const untouched: DeploymentStatus = { conditions: [condProgressing(), condAvailable()] };
  removeCondition(untouched, "ReplicaFailure");
  assert.deepEqual(untouched, { conditions: [condProgressing(), condAvailable()] });
});

test("setting a condition with the same status keeps its lastTransitionTime", () => {
  const status: DeploymentStatus = {
    conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastTransitionTime: "2017-02-15T18:49:00Z", lastUpdateTime: "2017-02-15T18:49:00Z" }],
  };
  setCondition(status, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", lastTransitionTime: "2017-02-15T19:00:00Z", lastUpdateTime: "2017-02-15T19:00:00Z" });
  const c = getCondition(status, "Progressing")!;
  assert.equal(c.reason, "NewReplicaSetAvailable");
  assert.equal(c.lastTransitionTime, "2017-02-15T18:49:00Z");
  assert.equal(c.lastUpdateTime, "2017-02-15T19:00:00Z");
});

// k8s TestDeploymentComplete
test("DeploymentComplete", () => {
  const cases: [string, [number, number, number, number, number, number], boolean][] = [
    ["not complete: min but not all pods become available", [5, 5, 5, 4, 1, 0], false],
    ["not complete: min availability is not honored", [5, 5, 5, 3, 1, 0], false],
    ["complete", [5, 5, 5, 5, 0, 0], true],
    ["not complete: all pods are available but not updated", [5, 5, 4, 5, 0, 0], false],
    ["not complete: still running old pods", [1, 2, 1, 1, 0, 1], false],
    ["not complete: one replica deployment never comes up", [1, 1, 1, 0, 1, 1], false],
  ];
  for (const [name, [desired, current, updated, available, maxUnav, surge], want] of cases) {
    const d = newDeployment("foo", desired, { maxUnavailable: maxUnav, maxSurge: surge });
    assert.equal(deploymentComplete(d, { replicas: current, updatedReplicas: updated, availableReplicas: available }), want, name);
  }
});

// k8s TestDeploymentProgressing
test("DeploymentProgressing", () => {
  const cases: [string, [number, number, number, number], [number, number, number, number], boolean][] = [
    ["progressing: updated pods", [10, 4, 4, 4], [10, 6, 4, 4], true],
    ["not progressing", [10, 4, 4, 4], [10, 4, 4, 4], false],
    ["progressing: old pods removed", [10, 4, 6, 6], [8, 4, 6, 6], true],
    ["not progressing: less new pods", [10, 7, 3, 3], [10, 6, 3, 3], false],
    ["progressing: less overall but more new pods", [10, 4, 7, 7], [8, 8, 5, 5], true],
    ["progressing: more ready pods", [10, 10, 9, 8], [10, 10, 10, 8], true],
    ["progressing: more available pods", [10, 10, 10, 9], [10, 10, 10, 10], true],
  ];
  for (const [name, [r, u, rd, a], [nr, nu, nrd, na], want] of cases) {
    const d = newDeployment("foo", 10, { status: { replicas: r, updatedReplicas: u, readyReplicas: rd, availableReplicas: a } });
    assert.equal(deploymentProgressing(d, { replicas: nr, updatedReplicas: nu, readyReplicas: nrd, availableReplicas: na }), want, name);
  }
});

// k8s TestDeploymentTimedOut
test("DeploymentTimedOut", () => {
  const at = (min: number, sec: number) => Date.UTC(2016, 0, 1, 0, min, sec);
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const cases: [string, number, string, number, number, boolean][] = [
    ["infinite progressDeadlineSeconds - no timeout", unlimited, "", at(1, 9), at(1, 20), false],
    ["10s, now - started => 00:01:20 - 00:01:09 => 11s", 10, "", at(1, 9), at(1, 20), true],
    ["10s, now - started => 00:01:20 - 00:01:11 => 9s", 10, "", at(1, 11), at(1, 20), false],
    ["previous status was a complete deployment", 10, "NewReplicaSetAvailable", 0, at(1, 20), false],
  ];
  for (const [name, pds, reason, from, now, want] of cases) {
    const cond: AppsCondition = { type: "Progressing", status: "True", reason, lastUpdateTime: iso(from) };
    const d = newDeployment("foo", 1, { progressDeadlineSeconds: pds, status: { conditions: [cond] } });
    assert.equal(deploymentTimedOut(d, d.status!, now), want, name);
  }
});

// k8s TestRequeueStuckDeployment (pds 60; "nil" becomes the unlimited deadline once defaulted)
test("a stuck rollout is requeued for when its deadline passes", () => {
  const failed: AppsCondition[] = [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }];
  const stuck: AppsCondition[] = [{ type: "Progressing", status: "True", lastUpdateTime: "2017-02-15T18:49:00Z" }];
  const d = (pds: number, replicas: number, status: [number, number, number], conditions?: AppsCondition[]) =>
    newDeployment("progress-test", replicas, {
      strategy: "Recreate",
      progressDeadlineSeconds: pds,
      status: { replicas: status[0], updatedReplicas: status[1], availableReplicas: status[2], ...(conditions ? { conditions } : {}) },
    });
  const s = (replicas: number, updated: number, available: number): DeploymentStatus => ({ replicas, updatedReplicas: updated, availableReplicas: available });
  const at = (sec: number, ms = 0) => Date.UTC(2017, 1, 15, 18, 49, sec, ms);
  const cases: [string, ReturnType<typeof d>, DeploymentStatus, number, number][] = [
    ["infinite progressDeadlineSeconds specified", d(unlimited, 4, [3, 3, 2]), s(3, 3, 2), at(0), -1],
    ["no progressing condition found", d(60, 4, [3, 3, 2]), s(3, 3, 2), at(0), -1],
    ["complete deployment does not need to be requeued", d(60, 3, [3, 3, 3]), s(3, 3, 3), at(0), -1],
    ["already failed deployment does not need to be requeued", d(60, 3, [3, 3, 0], failed), s(3, 3, 0), at(0), -1],
    ["stuck deployment - 30s", d(60, 3, [3, 3, 1], stuck), s(3, 3, 1), at(30), 30_000],
    ["stuck deployment - 1s", d(60, 3, [3, 3, 1], stuck), s(3, 3, 1), at(59), 1_000],
    ["failed deployment - less than a second => now", d(60, 3, [3, 3, 1], stuck), s(3, 3, 1), at(59, 1), 0],
    ["failed deployment - now", d(60, 3, [3, 3, 1], stuck), s(3, 3, 1), at(60), 0],
    ["failed deployment - 1s after deadline", d(60, 3, [3, 3, 1], stuck), s(3, 3, 1), at(61), 0],
    ["failed deployment - 60s after deadline", d(60, 3, [3, 3, 1], stuck), s(3, 3, 1), at(120), 0],
  ];
  for (const [name, dep, status, now, want] of cases) assert.equal(stuckRequeueAfterMs(dep, status, now), want, name);
});

// k8s TestSyncRolloutStatus
test("rollout status: Progressing follows completion, progress and the deadline", () => {
  const testTime = "2017-02-15T18:49:00Z";
  const now = Date.UTC(2017, 1, 15, 19, 0, 0);
  const nowIso = "2017-02-15T19:00:00Z";
  const failedTimedOut: AppsCondition = { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", lastUpdateTime: testTime, lastTransitionTime: testTime };
  const newRSAvailable: AppsCondition = { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", lastUpdateTime: testTime, lastTransitionTime: testTime };
  const replicaSetUpdated: AppsCondition = { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: testTime, lastTransitionTime: testTime };
  const withAvailable = (name: string, spec: number, status: number, available: number): ReplicaSet => rs(name, spec, { statusReplicas: status, available });
  const current = (pds: number, replicas: number, status: [number, number, number], conditions: AppsCondition[]) =>
    newDeployment("progress-test", replicas, {
      strategy: "Recreate",
      progressDeadlineSeconds: pds,
      status: { replicas: status[0], updatedReplicas: status[1], availableReplicas: status[2], conditions },
    });

  interface Case {
    name: string;
    d: ReturnType<typeof current>;
    allRSs: ReplicaSet[];
    newRS?: ReplicaSet;
    want?: { status: string; reason: string; message?: string; lastUpdate?: string; lastTransition?: string };
  }
  const cases: Case[] = [
    {
      name: "no progress deadline: the Progressing condition is removed",
      d: current(unlimited, 3, [2, 2, 2], [replicaSetUpdated]),
      allRSs: [withAvailable("bar", 0, 1, 1)],
      newRS: withAvailable("foo", 3, 2, 2),
    },
    {
      name: "only one active ReplicaSet: no progress is estimated",
      d: current(60, 3, [3, 3, 3], [newRSAvailable]),
      allRSs: [withAvailable("bar", 3, 3, 3)],
      want: { status: "True", reason: "NewReplicaSetAvailable", lastUpdate: testTime, lastTransition: testTime },
    },
    {
      name: "DeploymentProgressing: lastTransitionTime stays while Progressing=True",
      d: current(60, 3, [2, 2, 2], [replicaSetUpdated]),
      allRSs: [withAvailable("bar", 0, 1, 1)],
      newRS: withAvailable("foo", 3, 2, 2),
      want: { status: "True", reason: "ReplicaSetUpdated", message: 'ReplicaSet "foo" is progressing.', lastUpdate: nowIso, lastTransition: testTime },
    },
    {
      name: "DeploymentProgressing: everything updates after Progressing=False",
      d: current(60, 3, [2, 2, 2], [failedTimedOut]),
      allRSs: [withAvailable("bar", 0, 1, 1)],
      newRS: withAvailable("foo", 3, 2, 2),
      want: { status: "True", reason: "ReplicaSetUpdated", lastUpdate: nowIso, lastTransition: nowIso },
    },
    {
      name: "DeploymentProgressing: the condition is created when missing",
      d: current(60, 3, [2, 2, 2], []),
      allRSs: [withAvailable("bar", 0, 1, 1)],
      newRS: withAvailable("foo", 3, 2, 2),
      want: { status: "True", reason: "ReplicaSetUpdated" },
    },
    {
      name: "DeploymentComplete: lastTransitionTime stays while Progressing=True",
      d: current(60, 3, [3, 3, 3], [replicaSetUpdated]),
      allRSs: [],
      newRS: withAvailable("foo", 3, 3, 3),
      want: { status: "True", reason: "NewReplicaSetAvailable", message: 'ReplicaSet "foo" has successfully progressed.', lastTransition: testTime },
    },
    {
      name: "DeploymentComplete: everything updates after Progressing=False",
      d: current(60, 3, [3, 3, 3], [failedTimedOut]),
      allRSs: [],
      newRS: withAvailable("foo", 3, 3, 3),
      want: { status: "True", reason: "NewReplicaSetAvailable", lastTransition: nowIso },
    },
    {
      name: "DeploymentComplete: the condition is created when missing",
      d: current(60, 3, [3, 3, 3], []),
      allRSs: [],
      newRS: withAvailable("foo", 3, 3, 3),
      want: { status: "True", reason: "NewReplicaSetAvailable" },
    },
    {
      name: "DeploymentComplete without a new ReplicaSet",
      d: current(60, 0, [3, 3, 3], [replicaSetUpdated]),
      allRSs: [withAvailable("foo", 0, 0, 0)],
      want: { status: "True", reason: "NewReplicaSetAvailable", message: 'Deployment "progress-test" has successfully progressed.' },
    },
    {
      name: "DeploymentTimedOut: the rollout exceeded its deadline",
      d: current(60, 3, [2, 2, 2], [replicaSetUpdated]),
      allRSs: [],
      newRS: withAvailable("foo", 3, 2, 2),
      want: { status: "False", reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "foo" has timed out progressing.' },
    },
    {
      name: "DeploymentTimedOut: an existing timeout is left as it is",
      d: current(60, 3, [2, 2, 2], [failedTimedOut]),
      allRSs: [],
      newRS: withAvailable("foo", 3, 2, 2),
      want: { status: "False", reason: "ProgressDeadlineExceeded", lastUpdate: testTime, lastTransition: testTime },
    },
  ];
  for (const c of cases) {
    const all = c.newRS ? [...c.allRSs, c.newRS] : c.allRSs;
    const cond = getCondition(rolloutStatus(c.d, all, c.newRS, now), "Progressing");
    if (!c.want) {
      assert.equal(cond, undefined, c.name);
      continue;
    }
    assert.ok(cond, c.name);
    assert.equal(cond.status, c.want.status, c.name);
    assert.equal(cond.reason, c.want.reason, c.name);
    if (c.want.message) assert.equal(cond.message, c.want.message, c.name);
    if (c.want.lastUpdate) assert.equal(cond.lastUpdateTime, c.want.lastUpdate, c.name);
    if (c.want.lastTransition) assert.equal(cond.lastTransitionTime, c.want.lastTransition, c.name);
  }
});

test("status counts come from the ReplicaSets, with Available against replicas - maxUnavailable", () => {
  const d = newDeployment("web", 4, { maxSurge: 1, maxUnavailable: 1, generation: 3 });
  const oldRS = rs("web-old", 1, { statusReplicas: 2, available: 2 });
  const newRS = rs("web-new", 3, { statusReplicas: 3, available: 1 });
  newRS.status!.readyReplicas = 2;
  const status = calculateStatus(d, [oldRS, newRS], newRS, Date.UTC(2024, 0, 1));
  assert.deepEqual({ ...status, conditions: undefined }, {
    observedGeneration: 3,
    replicas: 5,
    updatedReplicas: 3,
    readyReplicas: 2,
    availableReplicas: 3,
    unavailableReplicas: 1,
    conditions: undefined,
  });
  assert.deepEqual(getCondition(status, "Available"), {
    type: "Available",
    status: "True",
    reason: "MinimumReplicasAvailable",
    message: "Deployment has minimum availability.",
    lastUpdateTime: "2024-01-01T00:00:00Z",
    lastTransitionTime: "2024-01-01T00:00:00Z",
  });

  const short = calculateStatus(d, [rs("web-new", 4, { statusReplicas: 4, available: 2 })], undefined, Date.UTC(2024, 0, 1));
  assert.equal(getCondition(short, "Available")?.reason, "MinimumReplicasUnavailable");
  assert.equal(getCondition(short, "Available")?.message, "Deployment does not have minimum availability.");
  assert.equal(short.unavailableReplicas, 2);
  const scalingDown = calculateStatus(newDeployment("web", 1), [rs("web-new", 1, { statusReplicas: 3, available: 3 })], undefined, 0);
  assert.equal(scalingDown.unavailableReplicas, 0, "more available than desired is not negative");
});

test("pausing and resuming are recorded as Progressing=Unknown, unless the deadline was already exceeded", () => {
  const now = Date.UTC(2024, 0, 1);
  const paused = newDeployment("web", 1);
  paused.spec.paused = true;
  const pausedCond = getCondition(pausedStatus(paused, now), "Progressing");
  assert.deepEqual([pausedCond?.status, pausedCond?.reason, pausedCond?.message], ["Unknown", "DeploymentPaused", "Deployment is paused"]);
  assert.equal(pausedStatus({ ...paused, status: pausedStatus(paused, now)! }, now), undefined, "recorded once");

  const resumed = newDeployment("web", 1, { status: { conditions: [pausedCond!] } });
  const resumedCond = getCondition(pausedStatus(resumed, now), "Progressing");
  assert.deepEqual([resumedCond?.status, resumedCond?.reason, resumedCond?.message], ["Unknown", "DeploymentResumed", "Deployment is resumed"]);

  const timedOut = newDeployment("web", 1, { status: { conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] } });
  timedOut.spec.paused = true;
  assert.equal(pausedStatus(timedOut, now), undefined);
  const noDeadline = newDeployment("web", 1, { progressDeadlineSeconds: unlimited });
  noDeadline.spec.paused = true;
  assert.equal(pausedStatus(noDeadline, now), undefined);
});
