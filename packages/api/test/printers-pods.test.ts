import { test } from "node:test";
import assert from "node:assert/strict";
import { podColumns, printerFor, type ContainerStatus, type Pod } from "../src/index.js";

const now = Date.parse("2024-05-01T12:00:00Z");

function pod(statuses: ContainerStatus[], extra: Partial<Pod["status"]> = {}, containers = statuses.length || 1): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z" },
    spec: { containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i}`, image: "busybox" })) },
    status: { phase: "Running", containerStatuses: statuses, ...extra },
  };
}

function cs(state: ContainerStatus["state"], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name: "c0", image: "busybox", ready: false, restartCount: 0, state, ...extra };
}

test("a running ready pod shows Running and counts ready containers", () => {
  const p = pod([cs({ running: {} }, { ready: true }), cs({ running: {} }, { name: "c1", ready: false })]);
  assert.deepEqual(podColumns(p, now), { ready: "1/2", status: "Running", restarts: "0" });
});

test("a pending pod without statuses shows its phase and 0/N", () => {
  const p = pod([], { phase: "Pending" }, 2);
  delete p.status!.containerStatuses;
  assert.deepEqual(podColumns(p, now), { ready: "0/2", status: "Pending", restarts: "0" });
});

test("waiting reasons win over the phase: CrashLoopBackOff with restart age", () => {
  const p = pod([
    cs({ waiting: { reason: "CrashLoopBackOff" } }, {
      restartCount: 4,
      lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: "2024-05-01T11:59:00Z" } },
    }),
  ]);
  assert.deepEqual(podColumns(p, now), { ready: "0/1", status: "CrashLoopBackOff", restarts: "4 (60s ago)" });
});

test("ErrImagePull and terminated reasons show through", () => {
  assert.equal(podColumns(pod([cs({ waiting: { reason: "ErrImagePull" } })]), now).status, "ErrImagePull");
  const done = pod([cs({ terminated: { exitCode: 0, reason: "Completed" } })], { phase: "Succeeded" });
  assert.equal(podColumns(done, now).status, "Completed");
});

test("terminated without reason shows the signal or the exit code", () => {
  assert.equal(podColumns(pod([cs({ terminated: { exitCode: 137, signal: 9 } })]), now).status, "Signal:9");
  assert.equal(podColumns(pod([cs({ terminated: { exitCode: 3 } })]), now).status, "ExitCode:3");
});

test("the first container's reason wins when several have one", () => {
  const p = pod([
    cs({ waiting: { reason: "ErrImagePull" } }),
    cs({ waiting: { reason: "CrashLoopBackOff" } }, { name: "c1" }),
  ]);
  assert.equal(podColumns(p, now).status, "ErrImagePull");
});

test("Completed with another container still running reads Running or NotReady", () => {
  const statuses = [cs({ terminated: { exitCode: 0, reason: "Completed" } }), cs({ running: {} }, { name: "c1", ready: true })];
  assert.equal(podColumns(pod(statuses), now).status, "NotReady");
  const ready = pod(statuses, { conditions: [{ type: "Ready", status: "True" }] });
  assert.equal(podColumns(ready, now).status, "Running");
});

test("a pod being deleted shows Terminating unless it already finished", () => {
  const p = pod([cs({ running: {} }, { ready: true })]);
  p.metadata.deletionTimestamp = "2024-05-01T11:59:50Z";
  assert.equal(podColumns(p, now).status, "Terminating");
  const finished = pod([cs({ terminated: { exitCode: 0, reason: "Completed" } })], { phase: "Succeeded" });
  finished.metadata.deletionTimestamp = "2024-05-01T11:59:50Z";
  assert.equal(podColumns(finished, now).status, "Completed");
});

test("restarts add up over containers", () => {
  const p = pod([cs({ running: {} }, { restartCount: 2, ready: true }), cs({ running: {} }, { name: "c1", restartCount: 1, ready: true })]);
  assert.equal(podColumns(p, now).restarts, "3");
});

test("the pod printer gives every column, wide ones at priority 1, and marks finished pods Completed", () => {
  const printer = printerFor("Pod");
  assert.deepEqual(
    printer.columns.map((c) => [c.name, c.priority]),
    [["Name", 0], ["Ready", 0], ["Status", 0], ["Restarts", 0], ["Age", 0], ["IP", 1], ["Node", 1], ["Nominated Node", 1], ["Readiness Gates", 1]],
  );
  assert.equal(printer.columns[0]!.format, "name");
  const p = pod([cs({ running: {} }, { ready: true })], { podIP: "10.0.0.9", podIPs: [{ ip: "10.0.0.7" }] });
  p.spec.nodeName = "node-1";
  assert.deepEqual(printer.cells(p, now), ["web", "1/1", "Running", "0", "60m", "10.0.0.7", "node-1", "<none>", "<none>"]);
  assert.deepEqual(printer.conditions?.(p), []);
  const done = pod([cs({ terminated: { exitCode: 0, reason: "Completed" } })], { phase: "Succeeded" });
  assert.deepEqual(printer.conditions?.(done), [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]);
  const failed = pod([cs({ terminated: { exitCode: 1, reason: "Error" } })], { phase: "Failed" });
  assert.equal(printer.conditions?.(failed)[0]?.reason, "Failed");
  const pending = pod([], { phase: "Pending" });
  assert.deepEqual(printer.cells(pending, now).slice(5, 7), ["<none>", "<none>"], "no IP and no node before scheduling");
  const nominated = { ...pending, status: { ...pending.status, nominatedNodeName: "node-2" } };
  assert.deepEqual(printer.cells(nominated, now).slice(5, 8), ["<none>", "<none>", "node-2"], "the node preemption made room on");
});
