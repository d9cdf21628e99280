import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredReplicasAnnotation, maxReplicasAnnotation, type IntOrString, type ReplicaSet } from "@bosun/api";
import { withDeploymentDefaults } from "../src/deployment/defaults.js";
import { isSaturated, planScale, replicaSetFraction } from "../src/deployment/proportional-scaling.js";
import { maxSurge } from "../src/deployment/rolling-math.js";
import { newDeployment, rs, sizedFor } from "./deployment-fixtures.js";

const newTimestamp = "2016-05-20T02:00:00Z";
const oldTimestamp = "2016-05-20T01:00:00Z";
const olderTimestamp = "2016-05-20T00:00:00Z";

interface ScaleCase {
  name: string;
  replicas: number;
  surge?: IntOrString;
  unavailable?: IntOrString;
  oldReplicas: number;
  oldSurge?: IntOrString;
  newRS?: [string, number];
  oldRSs: [string, number, string][];
  want: Record<string, number>;
}

// k8s TestScale (sync_test.go): every ReplicaSet was last sized for the old Deployment.
const scaleCases: ScaleCase[] = [
  { name: "normal scaling event: 10 -> 12", replicas: 12, oldReplicas: 10, newRS: ["foo-v1", 10], oldRSs: [], want: { "foo-v1": 12 } },
  { name: "normal scaling event: 10 -> 5", replicas: 5, oldReplicas: 10, newRS: ["foo-v1", 10], oldRSs: [], want: { "foo-v1": 5 } },
  {
    name: "proportional scaling: 5 -> 10",
    replicas: 10,
    oldReplicas: 5,
    newRS: ["foo-v2", 2],
    oldRSs: [["foo-v1", 3, oldTimestamp]],
    want: { "foo-v2": 4, "foo-v1": 6 },
  },
  {
    name: "proportional scaling: 5 -> 3",
    replicas: 3,
    oldReplicas: 5,
    newRS: ["foo-v2", 2],
    oldRSs: [["foo-v1", 3, oldTimestamp]],
    want: { "foo-v2": 1, "foo-v1": 2 },
  },
  {
    name: "proportional scaling: 9 -> 4",
    replicas: 4,
    oldReplicas: 9,
    newRS: ["foo-v2", 8],
    oldRSs: [["foo-v1", 1, oldTimestamp]],
    want: { "foo-v2": 4, "foo-v1": 0 },
  },
  {
    name: "proportional scaling: 7 -> 10",
    replicas: 10,
    oldReplicas: 7,
    newRS: ["foo-v3", 2],
    oldRSs: [
      ["foo-v2", 3, oldTimestamp],
      ["foo-v1", 2, olderTimestamp],
    ],
    want: { "foo-v3": 3, "foo-v2": 4, "foo-v1": 3 },
  },
  {
    name: "proportional scaling: 13 -> 8",
    replicas: 8,
    oldReplicas: 13,
    newRS: ["foo-v3", 2],
    oldRSs: [
      ["foo-v2", 8, oldTimestamp],
      ["foo-v1", 3, olderTimestamp],
    ],
    want: { "foo-v3": 1, "foo-v2": 5, "foo-v1": 2 },
  },
  {
    name: "leftover distribution: 3 -> 4 scales up the new replica set",
    replicas: 4,
    oldReplicas: 3,
    newRS: ["foo-v3", 1],
    oldRSs: [
      ["foo-v2", 1, oldTimestamp],
      ["foo-v1", 1, olderTimestamp],
    ],
    want: { "foo-v3": 2, "foo-v2": 1, "foo-v1": 1 },
  },
  {
    name: "leftover distribution: 3 -> 2 scales down the older replica set",
    replicas: 2,
    oldReplicas: 3,
    newRS: ["foo-v3", 1],
    oldRSs: [
      ["foo-v2", 1, oldTimestamp],
      ["foo-v1", 1, olderTimestamp],
    ],
    want: { "foo-v3": 1, "foo-v2": 1, "foo-v1": 0 },
  },
  {
    name: "proportional scaling (no new rs): 4 -> 5 scales up the latest first",
    replicas: 5,
    oldReplicas: 4,
    oldRSs: [
      ["foo-v2", 2, oldTimestamp],
      ["foo-v1", 2, olderTimestamp],
    ],
    want: { "foo-v2": 3, "foo-v1": 2 },
  },
  {
    name: "proportional scaling: 6 -> 0",
    replicas: 0,
    oldReplicas: 6,
    newRS: ["foo-v3", 3],
    oldRSs: [
      ["foo-v2", 2, oldTimestamp],
      ["foo-v1", 1, olderTimestamp],
    ],
    want: { "foo-v3": 0, "foo-v2": 0, "foo-v1": 0 },
  },
  {
    name: "proportional scaling: 0 -> 6",
    replicas: 6,
    oldReplicas: 6,
    newRS: ["foo-v3", 0],
    oldRSs: [
      ["foo-v2", 0, oldTimestamp],
      ["foo-v1", 0, olderTimestamp],
    ],
    want: { "foo-v3": 6, "foo-v2": 0, "foo-v1": 0 },
  },
  {
    name: "deployment with surge pods",
    replicas: 20,
    surge: 2,
    oldReplicas: 10,
    oldSurge: 2,
    newRS: ["foo-v2", 6],
    oldRSs: [["foo-v1", 6, oldTimestamp]],
    want: { "foo-v2": 11, "foo-v1": 11 },
  },
  {
    name: "change both surge and size",
    replicas: 50,
    surge: 6,
    oldReplicas: 10,
    oldSurge: 3,
    newRS: ["foo-v2", 5],
    oldRSs: [["foo-v1", 8, oldTimestamp]],
    want: { "foo-v2": 22, "foo-v1": 34 },
  },
  {
    name: "change both size and template",
    replicas: 14,
    oldReplicas: 10,
    oldRSs: [
      ["foo-v2", 7, newTimestamp],
      ["foo-v1", 3, oldTimestamp],
    ],
    want: { "foo-v2": 10, "foo-v1": 4 },
  },
];

test("proportional scaling (k8s TestScale)", () => {
  for (const c of scaleCases) {
    const d = newDeployment("foo", c.replicas, { maxSurge: c.surge ?? 0 });
    const oldD = newDeployment("foo", c.oldReplicas, { maxSurge: c.oldSurge ?? 0 });
    const surgeBefore = maxSurge(oldD);
    const newRS = c.newRS ? sizedFor(rs(c.newRS[0], c.newRS[1], { created: newTimestamp }), c.oldReplicas, surgeBefore) : undefined;
    const oldRSs = c.oldRSs.map(([name, n, created]) => sizedFor(rs(name, n, { created }), c.oldReplicas, surgeBefore));
    const sizes = new Map<string, number>([...(newRS ? [newRS] : []), ...oldRSs].map((r) => [r.metadata.name!, r.spec.replicas!]));
    for (const step of planScale(d, newRS, oldRSs)) sizes.set(step.rs.metadata.name!, step.replicas);
    assert.deepEqual(Object.fromEntries(sizes), c.want, c.name);
  }
});

test("a saturated new ReplicaSet scales every old one to 0", () => {
  const d = newDeployment("foo", 3, { maxSurge: 1, maxUnavailable: 1 });
  const newRS = sizedFor(rs("foo-v2", 3, { available: 3, created: newTimestamp }), 3, 1);
  const oldRS = sizedFor(rs("foo-v1", 2, { created: oldTimestamp }), 3, 1);
  assert.ok(isSaturated(d, newRS));
  assert.deepEqual(planScale(d, newRS, [oldRS]).map((s) => [s.rs.metadata.name, s.replicas]), [["foo-v1", 0]]);
});

test("a saturated but broken new ReplicaSet does not affect old pods", () => {
  const d = newDeployment("foo", 2, { maxSurge: 1, maxUnavailable: 1 });
  const newRS = sizedFor(rs("foo-v2", 2, { available: 0, created: newTimestamp }), 2, 1);
  const oldRS = sizedFor(rs("foo-v1", 1, { created: oldTimestamp }), 2, 1);
  assert.equal(isSaturated(d, newRS), false);
  for (const step of planScale(d, newRS, [oldRS])) assert.equal(step.replicas, step.rs.spec.replicas, step.rs.metadata.name ?? "");
});

// k8s TestGetReplicaSetFraction
test("getReplicaSetFraction", () => {
  const cases: { name: string; replicas: number; statusReplicas?: number; surge?: number; rsReplicas: number; annotations?: Record<string, string>; want: number }[] = [
    { name: "empty deployment always scales to 0", replicas: 0, rsReplicas: 10, want: -10 },
    { name: "no max-replicas annotation and no status: no scaling", replicas: 10, rsReplicas: 5, want: 0 },
    { name: "max-replicas annotation set to 0 and no status: no scaling", replicas: 10, rsReplicas: 5, annotations: { [maxReplicasAnnotation]: "0" }, want: 0 },
    { name: "no annotation: up by 1/5 from status.replicas", replicas: 120, statusReplicas: 100, rsReplicas: 50, want: 10 },
    { name: "annotation 0: up by 1/5 from status.replicas", replicas: 120, statusReplicas: 100, rsReplicas: 50, annotations: { [maxReplicasAnnotation]: "0" }, want: 10 },
    { name: "scale up by 1/5", replicas: 120, rsReplicas: 50, annotations: { [maxReplicasAnnotation]: "100" }, want: 10 },
    { name: "scale up with maxSurge by about 1/5", replicas: 120, surge: 10, rsReplicas: 50, annotations: { [maxReplicasAnnotation]: "110" }, want: 9 },
    { name: "scale down by 1/6", replicas: 10, rsReplicas: 6, annotations: { [maxReplicasAnnotation]: "12" }, want: -1 },
    { name: "scale down with maxSurge by about 1/6", replicas: 100, surge: 10, rsReplicas: 50, annotations: { [maxReplicasAnnotation]: "130" }, want: -8 },
  ];
  for (const c of cases) {
    const base = newDeployment("nginx", c.replicas, { maxSurge: c.surge ?? 0, maxUnavailable: 1 });
    const d = withDeploymentDefaults({ ...base, status: { replicas: c.statusReplicas ?? 0 } });
    const r: ReplicaSet = rs("nginx-rs", c.rsReplicas, c.annotations ? { annotations: c.annotations } : {});
    assert.equal(replicaSetFraction(r, d), c.want, c.name);
  }
});

test("IsSaturated needs the size, the desired-replicas annotation and every replica available", () => {
  const d = newDeployment("foo", 1);
  const r = rs("foo-1", 1, { available: 1, annotations: { [desiredReplicasAnnotation]: "1" } });
  assert.equal(isSaturated(d, r), true);
  assert.equal(isSaturated(d, { ...r, metadata: { ...r.metadata, annotations: { [desiredReplicasAnnotation]: "2" } } }), false);
  assert.equal(isSaturated(d, { ...r, status: { replicas: 1, availableReplicas: 0 } }), false);
  assert.equal(isSaturated(d, undefined), false);
});
