// Probes acting through the pod worker, on a fake runtime: readiness drives the
// Ready conditions, liveness and startup failures kill and restart the container.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Container, Pod, PodStatus } from "@bosun/api";
import { ContainerBackoff, LABEL_CONTAINER_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { execResult, FakeRuntime, type FakeContainer } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";

const NODE = "probe-node";

function probePod(container: Partial<Container>, extra: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${randomUUID().slice(0, 6)}`, namespace: "default", uid: randomUUID() },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 3, containers: [{ name: "c0", image: BUSYBOX_IMAGE, ...container }], ...extra },
  };
}

const exec = (file: string, extra: Record<string, number> = {}) => ({ exec: { command: ["cat", file] }, periodSeconds: 1, ...extra });

class Node {
  readonly runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  readonly statuses = new Map<string, PodStatus>();
  readonly history: { uid: string; status: PodStatus }[] = [];
  readonly events: (PodEventRecord & { uid: string })[] = [];
  /** Files that exist, per container ID: what `cat <file>` probes find. */
  readonly files = new Map<string, Set<string>>();
  /** Files every new container of a pod starts with (by pod uid), as its command would create them. */
  readonly seeds = new Map<string, string[]>();
  readonly execs: string[] = [];
  readonly pods: PodManager;

  constructor() {
    this.runtime.execHandler = (c: FakeContainer, cmd: string[]) => {
      this.execs.push(cmd.join(" "));
      const file = cmd[1] ?? "";
      return this.filesOf(c.id).has(file) ? execResult(0, "") : execResult(1, `cat: can't open '${file}': No such file or directory\n`);
    };
    this.pods = new PodManager({
      runtime: this.runtime,
      nodeName: NODE,
      infraImage: PAUSE_IMAGE,
      hostIP: () => "10.0.0.1",
      backoff: new ContainerBackoff(),
      reportStatus: (pod, status) => {
        this.statuses.set(pod.uid, status);
        this.history.push({ uid: pod.uid, status });
      },
      reportEvent: (pod, ev) => this.events.push({ ...ev, uid: pod.uid }),
      resyncIntervalMs: 500,
    });
  }

  filesOf(id: string): Set<string> {
    let f = this.files.get(id);
    if (!f) {
      const uid = this.runtime.containers.get(id)?.spec.labels[LABEL_POD_UID] ?? "";
      this.files.set(id, (f = new Set(this.seeds.get(uid))));
    }
    return f;
  }

  /** The newest instance of the pod's container c0. */
  current(pod: Pod): FakeContainer | undefined {
    return this.runtime
      .byLabel(LABEL_POD_UID, pod.metadata.uid ?? "")
      .filter((c) => c.spec.labels[LABEL_CONTAINER_NAME] === "c0")
      .at(-1);
  }

  status(pod: Pod): PodStatus | undefined {
    return this.statuses.get(pod.metadata.uid ?? "");
  }

  condition(pod: Pod, type: string): string | undefined {
    return this.status(pod)?.conditions?.find((c) => c.type === type)?.status;
  }

  eventsOf(pod: Pod): string[] {
    return this.events.filter((e) => e.uid === pod.metadata.uid).map((e) => `${e.reason}: ${e.message}`);
  }
}

describe("probes in the pod worker", { timeout: 60_000 }, () => {
  const node = new Node();
  const started = node.pods.start();
  after(() => node.pods.stop());

  test("readiness drives containerStatuses[].ready and the Ready and ContainersReady conditions", async () => {
    await started;
    const pod = probePod({ readinessProbe: exec("/tmp/ready") });
    node.pods.applyUpdate(pod);
    const c = await waitFor("running container", () => (node.current(pod)?.state === "running" ? node.current(pod) : undefined));
    await waitFor("Running, not ready", () => node.status(pod)?.phase === "Running");
    const s = node.status(pod);
    assert.equal(s?.containerStatuses?.[0]?.ready, false);
    assert.equal(s?.containerStatuses?.[0]?.started, true);
    assert.equal(node.condition(pod, "Ready"), "False");
    assert.equal(node.condition(pod, "ContainersReady"), "False");
    assert.equal(s?.conditions?.find((x) => x.type === "Ready")?.message, "containers with unready status: [c0]");

    node.filesOf(c.id).add("/tmp/ready");
    const flippedAt = Date.now();
    await waitFor("Ready", () => node.condition(pod, "Ready") === "True" && node.condition(pod, "ContainersReady") === "True", 5_000);
    // One period (1 s) at most, plus the sync that reports it.
    assert.ok(Date.now() - flippedAt < 2_500, `readiness took ${Date.now() - flippedAt} ms to reach the status`);
    assert.equal(node.status(pod)?.containerStatuses?.[0]?.ready, true);

    node.filesOf(c.id).delete("/tmp/ready");
    await waitFor("not Ready again", () => node.condition(pod, "Ready") === "False", 5_000);
    assert.equal(node.current(pod)?.id, c.id, "a failing readiness probe never restarts the container");
    assert.ok(node.eventsOf(pod).includes("Unhealthy: Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory\n"));
    assert.ok(!node.eventsOf(pod).some((e) => e.startsWith("Killing")));
  });

  test("a container without probes is ready once running", async () => {
    const pod = probePod({});
    node.pods.applyUpdate(pod);
    await waitFor("Ready", () => node.condition(pod, "Ready") === "True");
    assert.equal(node.status(pod)?.containerStatuses?.[0]?.ready, true);
    assert.equal(node.status(pod)?.containerStatuses?.[0]?.started, true);
  });

  test("a failing liveness probe: Unhealthy, then Killing with the probe's grace period, then a restart with fresh readiness", async () => {
    const pod = probePod({
      livenessProbe: exec("/tmp/healthy", { failureThreshold: 2, terminationGracePeriodSeconds: 7 }),
      readinessProbe: exec("/tmp/healthy"),
    });
    node.seeds.set(pod.metadata.uid ?? "", ["/tmp/healthy"]);
    node.pods.applyUpdate(pod);
    await waitFor("Ready", () => node.condition(pod, "Ready") === "True");
    const first = node.current(pod);
    assert.ok(first);
    node.filesOf(first.id).delete("/tmp/healthy");
    await waitFor("restarted", () => node.status(pod)?.containerStatuses?.[0]?.restartCount === 1, 10_000);
    const events = node.eventsOf(pod);
    const killing = events.indexOf("Killing: Container c0 failed liveness probe, will be restarted");
    assert.ok(killing > 0, events.join("\n"));
    const unhealthy = events.filter((e, i) => i < killing && e.startsWith("Unhealthy: Liveness probe failed: cat: can't open '/tmp/healthy'"));
    assert.equal(unhealthy.length, 2, "failureThreshold 2: two failures before the kill");
    assert.deepEqual(node.runtime.stops.find((s) => s.id === first.id), { id: first.id, timeoutSeconds: 7 });
    assert.equal(first.state, "exited");
    assert.notEqual(node.current(pod)?.id, first.id);
    const cs = node.status(pod)?.containerStatuses?.[0];
    assert.equal(cs?.lastState?.terminated?.exitCode, 143);
    await waitFor("Ready with the new container", () => node.condition(pod, "Ready") === "True");
    const restarted = node.history.filter((h) => h.uid === pod.metadata.uid && h.status.containerStatuses?.[0]?.restartCount === 1);
    assert.ok(restarted[0]?.status.containerStatuses?.[0]?.state?.running);
    assert.equal(restarted[0]?.status.containerStatuses?.[0]?.ready, false, "readiness starts over as failed for the new container");
  });

  test("a startup probe holds liveness and readiness back until it succeeds", async () => {
    const pod = probePod({
      startupProbe: exec("/tmp/started", { failureThreshold: 30 }),
      livenessProbe: exec("/tmp/alive", { failureThreshold: 1 }),
    });
    node.pods.applyUpdate(pod);
    const c = await waitFor("running", () => (node.current(pod)?.state === "running" ? node.current(pod) : undefined));
    await waitFor("a startup probe ran", () => node.execs.includes("cat /tmp/started"));
    await new Promise((r) => setTimeout(r, 1_200));
    const s = node.status(pod)?.containerStatuses?.[0];
    assert.equal(s?.started, false);
    assert.equal(s?.ready, false);
    assert.equal(node.condition(pod, "Ready"), "False");
    assert.ok(!node.execs.includes("cat /tmp/alive"), "liveness must wait for startup");

    node.filesOf(c.id).add("/tmp/alive");
    node.filesOf(c.id).add("/tmp/started");
    await waitFor("started and ready", () => node.status(pod)?.containerStatuses?.[0]?.started === true && node.condition(pod, "Ready") === "True", 5_000);
    await waitFor("liveness runs once started", () => node.execs.includes("cat /tmp/alive"), 5_000);
    assert.equal(node.current(pod)?.id, c.id);
  });

  test("a failing startup probe kills the container", async () => {
    const pod = probePod({ startupProbe: exec("/tmp/never", { failureThreshold: 1 }) });
    node.pods.applyUpdate(pod);
    await waitFor("Killing", () => node.eventsOf(pod).includes("Killing: Container c0 failed startup probe, will be restarted"), 10_000);
    assert.ok(node.eventsOf(pod).includes("Unhealthy: Startup probe failed: cat: can't open '/tmp/never': No such file or directory\n"));
    await waitFor("restarted", () => (node.status(pod)?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 10_000);
  });

  test("restartPolicy Never: the unhealthy container is killed and not restarted", async () => {
    const pod = probePod({ livenessProbe: exec("/tmp/never", { failureThreshold: 1 }) }, { restartPolicy: "Never" });
    node.pods.applyUpdate(pod);
    await waitFor("Failed", () => node.status(pod)?.phase === "Failed", 10_000);
    assert.ok(node.eventsOf(pod).includes("Killing: Container c0 failed liveness probe"));
    assert.equal(node.status(pod)?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(node.status(pod)?.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
  });

  test("restartPolicy OnFailure: a container killed for liveness runs again even when it exits 0", async () => {
    const local = new Node();
    local.runtime.stopExitCode = 0;
    await local.pods.start();
    try {
      const pod = probePod({ livenessProbe: exec("/tmp/never", { failureThreshold: 1 }) }, { restartPolicy: "OnFailure" });
      local.pods.applyUpdate(pod);
      await waitFor("restarted", () => (local.status(pod)?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 10_000);
      assert.notEqual(local.status(pod)?.phase, "Succeeded");
      const infra = local.runtime.byLabel(LABEL_POD_UID, pod.metadata.uid ?? "").find((c) => c.spec.labels[LABEL_CONTAINER_NAME] === "POD");
      assert.equal(infra?.state, "running", "the pod is not finished, so its sandbox stays");
    } finally {
      await local.pods.stop();
    }
  });
});
