import { test } from "node:test";
import assert from "node:assert/strict";
import type { IntOrString, ReplicaSet } from "@bosun/api";
import {
  cleanupUnhealthyReplicas,
  maxSurge,
  maxUnavailable,
  minAvailable,
  newReplicaSetTarget,
  newRSNewReplicas,
  planOldReplicaSets,
  resolveFenceposts,
  scaleDownOldReplicaSetsForRollingUpdate,
} from "../src/deployment/rolling-math.js";
import { newDeployment, rs } from "./deployment-fixtures.js";

// k8s TestResolveFenceposts
test("ResolveFenceposts: maxSurge rounds up, maxUnavailable down, both 0 means maxUnavailable 1", () => {
  const cases: { surge?: string; unavailable?: string; desired: number; want?: [number, number]; error?: boolean }[] = [
    { surge: "0%", unavailable: "0%", desired: 0, want: [0, 1] },
    { surge: "39%", unavailable: "39%", desired: 10, want: [4, 3] },
    { surge: "oops", unavailable: "39%", desired: 10, error: true },
    { surge: "55%", unavailable: "urg", desired: 10, error: true },
    { unavailable: "39%", desired: 10, want: [0, 3] },
    { surge: "39%", desired: 10, want: [4, 0] },
    { desired: 10, want: [0, 1] },
  ];
  for (const c of cases) {
    const name = JSON.stringify(c);
    if (c.error) {
      assert.throws(() => resolveFenceposts(c.surge, c.unavailable, c.desired), Error, name);
      continue;
    }
    const { surge, unavailable } = resolveFenceposts(c.surge, c.unavailable, c.desired);
    assert.deepEqual([surge, unavailable], c.want, name);
  }
});

// k8s TestMaxUnavailable and TestMinAvailable (maxSurge 1)
test("MaxUnavailable never exceeds replicas; MinAvailable is replicas - MaxUnavailable; Recreate has neither", () => {
  const cases: [replicas: number, maxUnav: IntOrString, wantMax: number, wantMin: number][] = [
    [10, 5, 5, 5],
    [10, 10, 10, 0],
    [5, 10, 5, 0],
    [0, 10, 0, 0],
    [10, "50%", 5, 5],
    [10, "60%", 6, 4],
    [10, "100%", 10, 0],
    [5, "100%", 5, 0],
  ];
  for (const [replicas, maxUnav, wantMax, wantMin] of cases) {
    const d = newDeployment("foo", replicas, { maxSurge: 1, maxUnavailable: maxUnav });
    assert.equal(maxUnavailable(d), wantMax, `maxUnavailable ${replicas}/${maxUnav}`);
    assert.equal(minAvailable(d), wantMin, `minAvailable ${replicas}/${maxUnav}`);
  }
  const recreate = newDeployment("foo", 10, { strategy: "Recreate" });
  assert.equal(maxUnavailable(recreate), 0);
  assert.equal(minAvailable(recreate), 0);
  assert.equal(maxSurge(recreate), 0);
});

test("the default 25%/25% on 10 replicas allows 3 extra pods and 2 unavailable ones", () => {
  const d = newDeployment("foo", 10, { maxSurge: "25%", maxUnavailable: "25%" });
  assert.equal(maxSurge(d), 3);
  assert.equal(maxUnavailable(d), 2);
});

// k8s TestNewRSNewReplicas: another ReplicaSet holds 5 replicas
test("NewRSNewReplicas grows the new ReplicaSet within maxSurge, never past replicas; Recreate goes straight to replicas", () => {
  const cases: [name: string, strategy: "RollingUpdate" | "Recreate", depReplicas: number, newRSReplicas: number, surge: number, want: number][] = [
    ["can not scale up - to newRSReplicas", "RollingUpdate", 1, 5, 1, 5],
    ["scale up - to depReplicas", "RollingUpdate", 6, 2, 10, 6],
    ["recreate - to depReplicas", "Recreate", 3, 1, 1, 3],
  ];
  for (const [name, strategy, depReplicas, newRSReplicas, surge, want] of cases) {
    const d = newDeployment("nginx", depReplicas, { strategy, maxSurge: surge, maxUnavailable: 1 });
    const newRS = rs("new", newRSReplicas);
    assert.equal(newRSNewReplicas(d, [rs("rs5", 5)], newRS), want, name);
  }
});

// k8s TestDeploymentController_reconcileNewReplicaSet (maxUnavailable 0)
test("reconcileNewReplicaSet: scales the new ReplicaSet up within the surge and down to replicas", () => {
  const cases: [depReplicas: number, surge: number, oldReplicas: number, newReplicas: number, want: number | undefined][] = [
    [10, 0, 10, 0, undefined],
    [10, 2, 10, 0, 2],
    [10, 2, 5, 0, 7],
    [10, 2, 10, 2, undefined],
    [10, 2, 2, 11, 10],
  ];
  for (const [depReplicas, surge, oldReplicas, newReplicas, want] of cases) {
    const d = newDeployment("foo", depReplicas, { maxSurge: surge, maxUnavailable: 0 });
    const newRS = rs("foo-v2", newReplicas);
    assert.equal(newReplicaSetTarget(d, [newRS, rs("foo-v1", oldReplicas)], newRS), want, JSON.stringify({ depReplicas, surge, oldReplicas, newReplicas }));
  }
});

function applySteps(rss: ReplicaSet[], steps: { rs: ReplicaSet; replicas: number }[]): Map<string, number> {
  const sizes = new Map(rss.map((r) => [r.metadata.name!, r.spec.replicas!]));
  for (const s of steps) sizes.set(s.rs.metadata.name!, s.replicas);
  return sizes;
}

// k8s TestDeploymentController_reconcileOldReplicaSets (maxSurge 0)
test("reconcileOldReplicaSets: unhealthy old pods go first and availability stays at replicas - maxUnavailable", () => {
  const cases: [maxUnav: number, oldReplicas: number, newReplicas: number, readyOld: number, readyNew: number, wantOld: number | undefined][] = [
    [0, 10, 0, 10, 0, 9],
    [2, 10, 0, 10, 0, 8],
    [2, 10, 0, 8, 0, 8], // the two unhealthy old replicas are cleaned up
    [2, 10, 0, 9, 0, 8], // one unhealthy cleaned up, one ready scaled down
    [2, 8, 2, 8, 0, undefined], // unavailable new pods do not let old ones go
  ];
  for (const [maxUnav, oldReplicas, newReplicas, readyOld, readyNew, wantOld] of cases) {
    const d = newDeployment("foo", 10, { maxSurge: 0, maxUnavailable: maxUnav });
    const newRS = rs("foo-new", newReplicas, { available: readyNew });
    const oldRS = rs("foo-old", oldReplicas, { available: readyOld });
    const plan = planOldReplicaSets(d, [oldRS, newRS], [oldRS], newRS);
    const steps = [...plan.cleanup, ...plan.scaleDown];
    const name = JSON.stringify({ maxUnav, oldReplicas, newReplicas, readyOld, readyNew });
    if (wantOld === undefined) {
      assert.equal(steps.length, 0, name);
      continue;
    }
    assert.equal(applySteps([oldRS, newRS], steps).get("foo-old"), wantOld, name);
  }
});

// k8s TestDeploymentController_cleanupUnhealthyReplicas
test("cleanupUnhealthyReplicas removes at most maxCleanupCount unavailable replicas", () => {
  const cases: [oldReplicas: number, ready: number, maxCleanup: number, want: number][] = [
    [10, 8, 1, 1],
    [10, 8, 3, 2],
    [10, 8, 0, 0],
    [10, 10, 3, 0],
  ];
  for (const [oldReplicas, ready, maxCleanup, want] of cases) {
    const { steps } = cleanupUnhealthyReplicas([rs("foo-v2", oldReplicas, { available: ready })], maxCleanup);
    const removed = steps.reduce((n, s) => n + (s.rs.spec.replicas! - s.replicas), 0);
    assert.equal(removed, want, JSON.stringify({ oldReplicas, ready, maxCleanup }));
  }
});

// k8s TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate (maxSurge 0)
test("scaleDownOldReplicaSetsForRollingUpdate removes only available pods above the minimum", () => {
  const cases: [maxUnav: number, ready: number, oldReplicas: number, want: number | undefined][] = [
    [0, 10, 10, 9],
    [2, 10, 10, 8],
    [2, 8, 10, undefined],
    [2, 10, 0, undefined],
    [2, 1, 10, undefined],
  ];
  for (const [maxUnav, ready, oldReplicas, want] of cases) {
    const d = newDeployment("foo", 10, { maxSurge: 0, maxUnavailable: maxUnav });
    const oldRS = rs("foo-v2", oldReplicas, { available: ready });
    const steps = scaleDownOldReplicaSetsForRollingUpdate(d, [oldRS], [oldRS]);
    const name = JSON.stringify({ maxUnav, ready, oldReplicas });
    if (want === undefined) assert.equal(steps.length, 0, name);
    else assert.deepEqual(steps.map((s) => s.replicas), [want], name);
  }
});

test("old ReplicaSets are scaled down oldest first", () => {
  const d = newDeployment("foo", 4, { maxSurge: 0, maxUnavailable: 2 });
  const older = rs("older", 2, { available: 2, created: "2016-05-20T00:00:00Z" });
  const newer = rs("newer", 2, { available: 2, created: "2016-05-20T01:00:00Z" });
  const steps = scaleDownOldReplicaSetsForRollingUpdate(d, [newer, older], [newer, older]);
  assert.deepEqual(steps.map((s) => [s.rs.metadata.name, s.replicas]), [["older", 0]]);
});

/**
 * A whole rollout against a world where every change lands at once and new pods
 * become available only when the controller has nothing left to do (its worst case
 * for availability): checks the bounds at every step.
 */
function simulateRollout(replicas: number, surge: IntOrString, unavailable: IntOrString): { steps: number; minSeen: number; maxPods: number } {
  const d = newDeployment("sim", replicas, { maxSurge: surge, maxUnavailable: unavailable });
  const oldRS = rs("sim-old", replicas, { available: replicas, statusReplicas: replicas });
  const newRS = rs("sim-new", 0, { created: "2016-05-21T00:00:00Z" });
  let newAvailable = 0;
  let minSeen = replicas;
  let maxPods = replicas;
  const sync = (): boolean => {
    oldRS.status = { replicas: oldRS.spec.replicas!, availableReplicas: oldRS.spec.replicas! };
    newRS.status = { replicas: newRS.spec.replicas!, availableReplicas: Math.min(newAvailable, newRS.spec.replicas!) };
    const all = [oldRS, newRS];
    const target = newReplicaSetTarget(d, all, newRS);
    if (target !== undefined) {
      newRS.spec.replicas = target;
      return true;
    }
    const plan = planOldReplicaSets(d, all, oldRS.spec.replicas! > 0 ? [oldRS] : [], newRS);
    const steps = [...plan.cleanup, ...plan.scaleDown];
    for (const s of steps) s.rs.spec.replicas = s.replicas;
    return steps.length > 0;
  };
  let steps = 0;
  while (!(newRS.spec.replicas === replicas && newAvailable >= replicas && oldRS.spec.replicas === 0)) {
    if (++steps > 1000) throw new Error("rollout did not finish");
    // Without anything to do, the new pods that exist become available.
    if (!sync()) newAvailable = newRS.spec.replicas!;
    const available = oldRS.spec.replicas! + Math.min(newAvailable, newRS.spec.replicas!);
    minSeen = Math.min(minSeen, available);
    maxPods = Math.max(maxPods, oldRS.spec.replicas! + newRS.spec.replicas!);
  }
  return { steps, minSeen, maxPods };
}

test("a whole rolling update reaches but never passes replicas - maxUnavailable and replicas + maxSurge", () => {
  const cases: [replicas: number, surge: IntOrString, unavailable: IntOrString][] = [
    [10, "25%", "25%"],
    [4, 1, 0],
    [4, 0, 1],
    [3, "25%", "25%"],
    [1, "25%", "25%"],
    [7, "50%", "0%"],
    [5, "0%", "0%"], // both round to 0: maxUnavailable becomes 1
    [10, 3, 2],
  ];
  for (const [replicas, surge, unavailable] of cases) {
    const d = newDeployment("sim", replicas, { maxSurge: surge, maxUnavailable: unavailable });
    const { minSeen, maxPods } = simulateRollout(replicas, surge, unavailable);
    const name = JSON.stringify({ replicas, surge, unavailable });
    // The rollout uses exactly the budget it is given: no less (it would be slower), no more.
    assert.equal(minSeen, replicas - maxUnavailable(d), `${name}: lowest availability`);
    assert.equal(maxPods, replicas + maxSurge(d), `${name}: most pods at once`);
  }
});
