// The node lifecycle controller's pure decisions: which taints a node gets, how its
// taint list changes, when a pod is evicted, how a pod is marked not Ready.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Node, Pod, Taint } from "@bosun/api";
import { evictionTime } from "../src/node-lifecycle/eviction.js";
import { notReadyStatus } from "../src/node-lifecycle/pod-ready.js";
import { desiredControllerTaints, isControllerTaint, reconcileTaints } from "../src/node-lifecycle/taints.js";
import { makeNode, makePod } from "./node-lifecycle-fakes.js";

const unreachable = "node.kubernetes.io/unreachable";
const notReady = "node.kubernetes.io/not-ready";
const hb = "2025-01-01T00:00:00Z";

function withReady(status: "True" | "False" | "Unknown", spec: Node["spec"] = {}): Node {
  return { ...makeNode("n", hb, status), spec };
}

test("the Ready condition maps to NoSchedule and NoExecute taints as in Kubernetes", () => {
  assert.deepEqual(desiredControllerTaints(withReady("True"), { noExecute: true }), []);
  assert.deepEqual(desiredControllerTaints(withReady("Unknown"), { noExecute: true }), [
    { key: unreachable, effect: "NoSchedule" },
    { key: unreachable, effect: "NoExecute" },
  ]);
  assert.deepEqual(desiredControllerTaints(withReady("False"), { noExecute: true }), [
    { key: notReady, effect: "NoSchedule" },
    { key: notReady, effect: "NoExecute" },
  ]);
  // Evictions paused (every node unready): NoSchedule only.
  assert.deepEqual(desiredControllerTaints(withReady("Unknown"), { noExecute: false }), [{ key: unreachable, effect: "NoSchedule" }]);
});

test("spec.unschedulable and pressure conditions map to NoSchedule taints", () => {
  const node = withReady("True", { unschedulable: true });
  node.status!.conditions!.push({ type: "DiskPressure", status: "True" }, { type: "PIDPressure", status: "False" });
  assert.deepEqual(desiredControllerTaints(node, { noExecute: true }), [
    { key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
  ]);
});

test("only the controller's own taints are its to remove", () => {
  assert.equal(isControllerTaint({ key: unreachable, effect: "NoSchedule" }), true);
  assert.equal(isControllerTaint({ key: notReady, effect: "NoExecute" }), true);
  assert.equal(isControllerTaint({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }), true);
  assert.equal(isControllerTaint({ key: unreachable, effect: "PreferNoSchedule" }), false);
  assert.equal(isControllerTaint({ key: "node.kubernetes.io/unschedulable", effect: "NoExecute" }), false);
  assert.equal(isControllerTaint({ key: "dedicated", value: "gpu", effect: "NoSchedule" }), false);
});

test("reconcileTaints adds with timeAdded, keeps what is still wanted, never touches user taints", () => {
  const user: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
  const userExecute: Taint = { key: "maintenance", effect: "NoExecute", timeAdded: "2024-06-01T00:00:00Z" };
  const wanted: Taint[] = [
    { key: unreachable, effect: "NoSchedule" },
    { key: unreachable, effect: "NoExecute" },
  ];
  const added = reconcileTaints([user, userExecute], wanted, "2025-01-01T00:00:10Z");
  assert.deepEqual(added, [
    user,
    userExecute,
    { key: unreachable, effect: "NoSchedule", timeAdded: "2025-01-01T00:00:10Z" },
    { key: unreachable, effect: "NoExecute", timeAdded: "2025-01-01T00:00:10Z" },
  ]);
  assert.equal(reconcileTaints(added, wanted, "2025-01-01T00:00:20Z"), undefined, "nothing to change: nothing to write");

  // Unknown -> False swaps the pair; the user's taints stay.
  const swapped = reconcileTaints(
    added,
    [
      { key: notReady, effect: "NoSchedule" },
      { key: notReady, effect: "NoExecute" },
    ],
    "2025-01-01T00:00:30Z",
  );
  assert.deepEqual(swapped, [
    user,
    userExecute,
    { key: notReady, effect: "NoSchedule", timeAdded: "2025-01-01T00:00:30Z" },
    { key: notReady, effect: "NoExecute", timeAdded: "2025-01-01T00:00:30Z" },
  ]);
  assert.deepEqual(reconcileTaints(swapped, [], "2025-01-01T00:00:40Z"), [user, userExecute]);
  assert.equal(reconcileTaints(undefined, [], "2025-01-01T00:00:40Z"), undefined);
});

test("a pod without its own toleration is evicted the default timeout after the health taint appeared", () => {
  const taint = { taint: { key: unreachable, effect: "NoExecute" as const }, sinceMs: 1_000 };
  assert.equal(evictionTime(undefined, [taint], 30_000), 31_000);
  // A toleration for some other taint does not help.
  assert.equal(evictionTime([{ key: "other", operator: "Exists" }], [taint], 30_000), 31_000);
});

test("tolerationSeconds of the first matching toleration sets the stay; none means for ever", () => {
  const taint = { taint: { key: unreachable, effect: "NoExecute" as const }, sinceMs: 1_000 };
  assert.equal(evictionTime([{ key: unreachable, operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }], [taint], 30_000), 6_000);
  assert.equal(evictionTime([{ key: unreachable, operator: "Exists", tolerationSeconds: 300 }], [taint], 30_000), 301_000);
  assert.equal(evictionTime([{ key: unreachable, operator: "Exists", tolerationSeconds: 0 }], [taint], 30_000), 1_000);
  assert.equal(evictionTime([{ key: unreachable, operator: "Exists", tolerationSeconds: -3 }], [taint], 30_000), 1_000);
  // DaemonSet pods: tolerated without a limit.
  assert.equal(evictionTime([{ key: unreachable, operator: "Exists", effect: "NoExecute" }], [taint], 30_000), undefined);
  assert.equal(evictionTime([{ operator: "Exists" }], [taint], 30_000), undefined);
  // The first matching toleration decides, as in Kubernetes.
  assert.equal(
    evictionTime(
      [
        { key: unreachable, operator: "Exists", tolerationSeconds: 10 },
        { operator: "Exists" },
      ],
      [taint],
      30_000,
    ),
    11_000,
  );
});

test("another NoExecute taint the pod does not tolerate evicts it at once; the earliest deadline wins", () => {
  const health = { taint: { key: unreachable, effect: "NoExecute" as const }, sinceMs: 1_000 };
  const maintenance = { taint: { key: "maintenance", effect: "NoExecute" as const }, sinceMs: 50_000 };
  assert.equal(evictionTime(undefined, [maintenance], 30_000), 50_000);
  assert.equal(evictionTime(undefined, [health, maintenance], 30_000), 31_000);
  const tolerant = [{ key: "maintenance", operator: "Exists" as const, tolerationSeconds: 60 }];
  assert.equal(evictionTime(tolerant, [maintenance], 30_000), 110_000);
  assert.equal(evictionTime([...tolerant, { key: unreachable, operator: "Exists" as const }], [health, maintenance], 30_000), 110_000);
  assert.equal(evictionTime(undefined, [], 30_000), undefined);
});

test("notReadyStatus turns Ready False once, moving its transition time", () => {
  const pod = makePod("p", "n");
  pod.status!.conditions!.push({ type: "PodScheduled", status: "True" });
  const status = notReadyStatus(pod, "2025-02-02T00:00:00Z")!;
  assert.deepEqual(status.conditions, [
    { type: "Ready", status: "False", lastTransitionTime: "2025-02-02T00:00:00Z" },
    { type: "PodScheduled", status: "True" },
  ]);
  assert.equal(status.phase, "Running", "the rest of the status is kept");
  assert.equal(notReadyStatus({ ...pod, status }, "2025-02-02T00:00:05Z"), undefined);
  const pending: Pod = { ...pod, status: { phase: "Pending" } };
  assert.equal(notReadyStatus(pending, "2025-02-02T00:00:05Z"), undefined, "no Ready condition yet: nothing to mark");
});
