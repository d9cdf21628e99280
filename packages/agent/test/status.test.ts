import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, RestartPolicy } from "@bosun/api";
import type { ContainerDetails } from "../src/runtime/runtime.js";
import { computePodStatus, podFinished, type ContainerObservation } from "../src/pod/status.js";

function pod(names: string[], restartPolicy?: RestartPolicy): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u1" },
    spec: { containers: names.map((name) => ({ name, image: "img:1" })), restartPolicy },
  };
}

function details(id: string, opts: Partial<ContainerDetails> & { restart?: number }): ContainerDetails {
  return {
    id,
    name: id,
    labels: { "bosun.io/restart-count": String(opts.restart ?? 0) },
    state: opts.running ? "running" : "exited",
    running: false,
    exitCode: 0,
    oomKilled: false,
    startedAt: "2024-01-01T00:00:00Z",
    finishedAt: opts.running ? undefined : "2024-01-01T00:01:00Z",
    createdAt: "2024-01-01T00:00:00Z",
    imageId: "sha256:abc",
    ipAddress: "",
    pid: 0,
    tty: false,
    error: "",
    ...opts,
  };
}

const now = "2024-01-01T00:02:00Z";
const infra = details("infra", { running: true, ipAddress: "172.17.0.5" });

function status(p: Pod, containers: Record<string, ContainerObservation>) {
  return computePodStatus({ pod: p, infra, containers: new Map(Object.entries(containers)), hostIP: "10.0.0.1", now });
}

test("a pod is Pending until all its containers started, then Running and Ready", () => {
  const p = pod(["a", "b"]);
  const pending = status(p, { a: { current: details("a1", { running: true }) } });
  assert.equal(pending.phase, "Pending");
  assert.equal(pending.containerStatuses?.[1]?.state?.waiting?.reason, "ContainerCreating");
  const ready = pending.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "False");
  assert.equal(ready?.message, "containers with unready status: [b]");

  const running = status(p, { a: { current: details("a1", { running: true }) }, b: { current: details("b1", { running: true }) } });
  assert.equal(running.phase, "Running");
  assert.equal(running.podIP, "172.17.0.5");
  assert.deepEqual(running.podIPs, [{ ip: "172.17.0.5" }]);
  assert.equal(running.hostIP, "10.0.0.1");
  assert.equal(running.conditions?.find((c) => c.type === "ContainersReady")?.status, "True");
  const a = running.containerStatuses?.[0];
  assert.equal(a?.containerID, "docker://a1");
  assert.equal(a?.imageID, "docker://sha256:abc");
  assert.equal(a?.started, true);
  assert.deepEqual(a?.state, { running: { startedAt: "2024-01-01T00:00:00Z" } });
});

test("a crash-looping container is waiting with its last termination, and the pod stays Running", () => {
  const s = status(pod(["a"]), {
    a: { current: details("a2", { exitCode: 1, restart: 2 }), waiting: { reason: "CrashLoopBackOff", message: "back-off 20s" } },
  });
  assert.equal(s.phase, "Running");
  const a = s.containerStatuses?.[0];
  assert.equal(a?.restartCount, 2);
  assert.equal(a?.state?.waiting?.reason, "CrashLoopBackOff");
  assert.equal(a?.lastState?.terminated?.exitCode, 1);
  assert.equal(a?.lastState?.terminated?.reason, "Error");
  assert.equal(a?.lastState?.terminated?.containerID, "docker://a2");
});

test("phases for finished containers follow the restart policy", () => {
  const ok = { a: { current: details("a1", { exitCode: 0 }) } };
  const bad = { a: { current: details("a1", { exitCode: 2 }) } };
  assert.equal(status(pod(["a"], "Never"), ok).phase, "Succeeded");
  assert.equal(status(pod(["a"], "OnFailure"), ok).phase, "Succeeded");
  assert.equal(status(pod(["a"], "Never"), bad).phase, "Failed");
  assert.equal(status(pod(["a"], "OnFailure"), bad).phase, "Running");
  assert.equal(status(pod(["a"], "Always"), ok).phase, "Running");
  assert.equal(podFinished(pod(["a"], "Never"), new Map(Object.entries(bad))), true);
  assert.equal(podFinished(pod(["a"], "OnFailure"), new Map(Object.entries(bad))), false);
});

test("OOM kills and restarts show in the terminated reason and lastState", () => {
  const s = status(pod(["a"]), {
    a: { current: details("a2", { running: true, restart: 1 }), previous: details("a1", { exitCode: 137, oomKilled: true }) },
  });
  const a = s.containerStatuses?.[0];
  assert.equal(a?.restartCount, 1);
  assert.equal(a?.lastState?.terminated?.reason, "OOMKilled");
});

test("unchanged conditions keep their transition time; PodScheduled is kept as given", () => {
  const p = pod(["a"]);
  p.status = { conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2023-12-31T00:00:00Z" }] };
  const obs = new Map(Object.entries({ a: { current: details("a1", { running: true }) } }));
  const first = computePodStatus({ pod: p, infra, containers: obs, hostIP: "h", now });
  const second = computePodStatus({ pod: p, infra, containers: obs, hostIP: "h", previous: first, now: "2024-01-01T09:00:00Z" });
  assert.deepEqual(second, first);
  assert.equal(first.conditions?.find((c) => c.type === "PodScheduled")?.lastTransitionTime, "2023-12-31T00:00:00Z");
});

test("a deleted pod with no running container is terminal", () => {
  const p = pod(["a"]);
  p.metadata.deletionTimestamp = now;
  const s = status(p, { a: { current: details("a1", { exitCode: 0 }) } });
  assert.equal(s.phase, "Succeeded");
});

test("probes decide started and ready: not started holds ready back; Ready needs every container ready", () => {
  const p = pod(["a", "b"]);
  const running = (id: string) => details(id, { running: true });
  const notStarted = status(p, { a: { current: running("a1"), health: { started: false, ready: false } }, b: { current: running("b1") } });
  assert.equal(notStarted.phase, "Running");
  assert.deepEqual(
    notStarted.containerStatuses?.map((c) => [c.name, c.started, c.ready]),
    [
      ["a", false, false],
      ["b", true, true],
    ],
  );
  const ready = notStarted.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "False");
  assert.equal(ready?.message, "containers with unready status: [a]");
  assert.equal(notStarted.conditions?.find((c) => c.type === "ContainersReady")?.status, "False");

  const unready = status(p, { a: { current: running("a1"), health: { started: true, ready: false } }, b: { current: running("b1") } });
  assert.equal(unready.containerStatuses?.[0]?.started, true);
  assert.equal(unready.containerStatuses?.[0]?.ready, false);

  const allReady = status(p, { a: { current: running("a1"), health: { started: true, ready: true } }, b: { current: running("b1") } });
  assert.equal(allReady.conditions?.find((c) => c.type === "Ready")?.status, "True");
  assert.equal(allReady.conditions?.find((c) => c.type === "ContainersReady")?.status, "True");
});

test("a container killed by a probe runs again under OnFailure even after exit 0, but not under Never", () => {
  const killed = { a: { current: details("a1", { exitCode: 0 }), killedByProbe: true } };
  assert.equal(podFinished(pod(["a"], "OnFailure"), new Map(Object.entries(killed))), false);
  assert.equal(podFinished(pod(["a"], "Never"), new Map(Object.entries(killed))), true);
  assert.equal(podFinished(pod(["a"], "OnFailure"), new Map(Object.entries({ a: { current: details("a1", { exitCode: 0 }) } }))), true);
});

test("a pod the node failed (an eviction) is Failed with its reason and message, whatever its policy and containers say", () => {
  const failure = { reason: "Evicted", message: 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ' };
  const s = computePodStatus({ pod: pod(["a"], "Always"), containers: new Map([["a", { current: details("a1", { exitCode: 143 }) }]]), hostIP: "h", now, failure });
  assert.equal(s.phase, "Failed");
  assert.equal(s.reason, "Evicted");
  assert.equal(s.message, failure.message);
  assert.equal(s.conditions?.find((c) => c.type === "Ready")?.reason, "PodCompleted");
  const plain = status(pod(["a"], "Always"), { a: { current: details("a1", { exitCode: 143 }) } });
  assert.equal(plain.reason, undefined, "without a failure the status has no reason");
});
