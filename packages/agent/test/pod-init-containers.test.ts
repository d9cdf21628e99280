// Init containers, native sidecars, lifecycle hooks and activeDeadlineSeconds acting
// through the pod worker, on a fake runtime whose containers exit when told.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Container, Pod, PodStatus } from "@bosun/api";
import { ContainerBackoff, LABEL_CONTAINER_NAME, LABEL_POD_UID, PodManager, type PodEventRecord } from "../src/index.js";
import { execResult, FakeRuntime, type FakeContainer } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";

const NODE = "init-node";

function initPod(initContainers: Partial<Container>[], containers: Partial<Container>[], extra: Partial<Pod["spec"]> = {}): Pod {
  const named = (prefix: string) => (c: Partial<Container>, i: number): Container => ({ name: `${prefix}${i}`, image: BUSYBOX_IMAGE, ...c });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${randomUUID().slice(0, 6)}`, namespace: "default", uid: randomUUID() },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 5,
      initContainers: initContainers.map(named("init")),
      containers: containers.map(named("app")),
      ...extra,
    },
  };
}

class Node {
  readonly runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  readonly statuses = new Map<string, PodStatus>();
  readonly events: (PodEventRecord & { uid: string })[] = [];
  /** What happened to containers, in order: "exec <name> <cmd>", "stop <name>". */
  readonly timeline: string[] = [];
  /** Files that exist per container ID, for `cat <file>` probes; `touch <file>` hooks create them. */
  readonly files = new Map<string, Set<string>>();
  /** Exit codes of exec'd commands by their first word (default 0). */
  readonly execExit = new Map<string, number>();
  /** How far the agent's clock runs ahead of the real one. */
  clockAhead = 0;
  readonly pods: PodManager;

  constructor() {
    this.runtime.execHandler = (c: FakeContainer, cmd: string[]) => {
      this.timeline.push(`exec ${c.spec.labels[LABEL_CONTAINER_NAME]} ${cmd.join(" ")}`);
      const files = this.filesOf(c.id);
      if (cmd[0] === "touch") files.add(cmd[1] ?? "");
      if (cmd[0] === "cat") return files.has(cmd[1] ?? "") ? execResult(0) : execResult(1, "no such file");
      return execResult(this.execExit.get(cmd[0] ?? "") ?? 0);
    };
    const stop = this.runtime.stopContainer.bind(this.runtime);
    this.runtime.stopContainer = async (id, timeout) => {
      const c = this.runtime.containers.get(id);
      if (c?.state === "running") this.timeline.push(`stop ${c.spec.labels[LABEL_CONTAINER_NAME]}`);
      await stop(id, timeout);
    };
    this.pods = new PodManager({
      runtime: this.runtime,
      nodeName: NODE,
      infraImage: PAUSE_IMAGE,
      hostIP: () => "10.0.0.1",
      backoff: new ContainerBackoff(),
      reportStatus: (pod, status) => this.statuses.set(pod.uid, status),
      reportEvent: (pod, ev) => this.events.push({ ...ev, uid: pod.uid }),
      resyncIntervalMs: 300,
      now: () => Date.now() + this.clockAhead,
    });
  }

  filesOf(id: string): Set<string> {
    let f = this.files.get(id);
    if (!f) this.files.set(id, (f = new Set()));
    return f;
  }

  /** The newest instance of the pod's container `name`. */
  current(pod: Pod, name: string): FakeContainer | undefined {
    return this.runtime
      .byLabel(LABEL_POD_UID, pod.metadata.uid ?? "")
      .filter((c) => c.spec.labels[LABEL_CONTAINER_NAME] === name)
      .at(-1);
  }

  running(pod: Pod, name: string): Promise<FakeContainer> {
    return waitFor(`${name} running`, () => {
      const c = this.current(pod, name);
      return c?.state === "running" ? c : undefined;
    });
  }

  status(pod: Pod): PodStatus | undefined {
    return this.statuses.get(pod.metadata.uid ?? "");
  }

  init(pod: Pod, name: string) {
    return this.status(pod)?.initContainerStatuses?.find((s) => s.name === name);
  }

  eventsOf(pod: Pod): string[] {
    return this.events.filter((e) => e.uid === pod.metadata.uid).map((e) => `${e.reason} ${e.fieldPath}: ${e.message}`);
  }
}

describe("init containers, sidecars and hooks in the pod worker", { timeout: 60_000 }, () => {
  const node = new Node();
  const started = node.pods.start();
  after(() => node.pods.stop());

  test("init containers run one at a time, in order, before the app container", async () => {
    await started;
    const pod = initPod([{}, {}], [{}]);
    node.pods.applyUpdate(pod);
    const first = await node.running(pod, "init0");
    await waitFor("Pending with init0 running", () => node.init(pod, "init0")?.state?.running);
    const s = node.status(pod)!;
    assert.equal(s.phase, "Pending");
    assert.equal(node.current(pod, "init1"), undefined, "init1 waits for init0");
    assert.equal(node.current(pod, "app0"), undefined, "the app waits for the init containers");
    assert.equal(node.init(pod, "init1")?.state?.waiting?.reason, "PodInitializing");
    assert.equal(s.containerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing");
    const initialized = s.conditions?.find((c) => c.type === "Initialized");
    assert.deepEqual([initialized?.status, initialized?.reason, initialized?.message], [
      "False",
      "ContainersNotInitialized",
      "containers with incomplete status: [init0 init1]",
    ]);

    node.runtime.exit(first.id, 0);
    const second = await node.running(pod, "init1");
    assert.equal(node.current(pod, "app0"), undefined);
    node.runtime.exit(second.id, 0);
    await node.running(pod, "app0");
    await waitFor("Running and initialized", () => node.status(pod)?.phase === "Running" && node.status(pod)?.conditions?.find((c) => c.type === "Ready")?.status === "True");
    const done = node.status(pod)!;
    assert.equal(done.conditions?.find((c) => c.type === "Initialized")?.status, "True");
    assert.deepEqual(done.initContainerStatuses?.map((c) => [c.name, c.state?.terminated?.reason, c.ready]), [
      ["init0", "Completed", true],
      ["init1", "Completed", true],
    ]);
    assert.ok(node.eventsOf(pod).includes("Started spec.initContainers{init0}: Started container init0"));
  });

  test("a failing init container is restarted with back-off (Init:CrashLoopBackOff) and the app never starts", async () => {
    const pod = initPod([{}], [{}]);
    node.pods.applyUpdate(pod);
    node.runtime.exit((await node.running(pod, "init0")).id, 1);
    await waitFor("restarted once", () => node.current(pod, "init0")?.state === "running" && node.init(pod, "init0")?.restartCount === 1);
    node.runtime.exit(node.current(pod, "init0")!.id, 1);
    const cs = await waitFor("CrashLoopBackOff", () => {
      const c = node.init(pod, "init0");
      return c?.state?.waiting?.reason === "CrashLoopBackOff" ? c : undefined;
    });
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.ready, false);
    assert.equal(node.status(pod)?.phase, "Pending");
    assert.equal(node.current(pod, "app0"), undefined);
  });

  test("restartPolicy Never: a failed init container fails the pod", async () => {
    const pod = initPod([{}], [{}], { restartPolicy: "Never" });
    node.pods.applyUpdate(pod);
    node.runtime.exit((await node.running(pod, "init0")).id, 2);
    await waitFor("Failed", () => node.status(pod)?.phase === "Failed");
    assert.equal(node.init(pod, "init0")?.state?.terminated?.reason, "Error");
    assert.equal(node.current(pod, "app0"), undefined);
    assert.equal(node.init(pod, "init0")?.restartCount, 0);
  });

  test("a sidecar: the next container waits for its startup probe; it is restarted beside the app; it stops after the app", async () => {
    const pod = initPod(
      [{ restartPolicy: "Always", startupProbe: { exec: { command: ["cat", "/started"] }, periodSeconds: 1, failureThreshold: 30 } }],
      [{}],
      { restartPolicy: "Never" },
    );
    node.pods.applyUpdate(pod);
    const sidecar = await node.running(pod, "init0");
    await waitFor("a startup probe ran", () => node.timeline.includes("exec init0 cat /started"));
    assert.equal(node.current(pod, "app0"), undefined, "the app waits until the sidecar started");
    node.filesOf(sidecar.id).add("/started");
    const app = await node.running(pod, "app0");
    await waitFor("2/2 ready", () => node.init(pod, "init0")?.ready && node.status(pod)?.conditions?.find((c) => c.type === "Ready")?.status === "True");

    node.runtime.exit(sidecar.id, 1);
    const again = await waitFor("the sidecar restarted", () => {
      const c = node.current(pod, "init0");
      return c && c.id !== sidecar.id && c.state === "running" ? c : undefined;
    });
    node.filesOf(again.id).add("/started");
    assert.equal(node.current(pod, "app0")?.id, app.id, "the app keeps running while the sidecar restarts");

    node.runtime.exit(app.id, 0);
    await waitFor("Succeeded", () => node.status(pod)?.phase === "Succeeded");
    assert.equal(node.current(pod, "init0")?.state, "exited", "the sidecar is stopped once the app is done");
    assert.ok(node.eventsOf(pod).includes("Killing spec.initContainers{init0}: Stopping container init0"));
  });

  test("deletion: preStop hooks run before SIGTERM; sidecars get SIGTERM after the app containers", async () => {
    const pod = initPod(
      [{ restartPolicy: "Always", lifecycle: { preStop: { exec: { command: ["side-prestop"] } } } }],
      [{ lifecycle: { preStop: { exec: { command: ["app-prestop"] } } } }],
    );
    node.pods.applyUpdate(pod);
    await node.running(pod, "app0");
    const from = node.timeline.length;
    node.pods.applyUpdate({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 5 } });
    await waitFor("both stopped", () => ["stop app0", "stop init0"].every((t) => node.timeline.slice(from).includes(t)));
    const seen = node.timeline.slice(from).filter((t) => !t.includes("cat "));
    assert.ok(seen.indexOf("exec app0 app-prestop") < seen.indexOf("stop app0"), seen.join("\n"));
    assert.ok(seen.indexOf("exec init0 side-prestop") < seen.indexOf("stop init0"), seen.join("\n"));
    assert.ok(seen.indexOf("stop app0") < seen.indexOf("stop init0"), seen.join("\n"));
  });

  test("postStart runs once the container started; one that fails is told and kills the container", async () => {
    const ok = initPod([], [{ lifecycle: { postStart: { exec: { command: ["touch", "/hooked"] } } } }]);
    node.pods.applyUpdate(ok);
    const c = await node.running(ok, "app0");
    await waitFor("the hook ran", () => node.filesOf(c.id).has("/hooked"));
    assert.ok(!node.eventsOf(ok).some((e) => e.startsWith("FailedPostStartHook")));

    node.execExit.set("fail-hook", 3);
    const bad = initPod([], [{ lifecycle: { postStart: { exec: { command: ["fail-hook"] } } } }], { restartPolicy: "Never" });
    node.pods.applyUpdate(bad);
    await waitFor("FailedPostStartHook", () => node.eventsOf(bad).includes("FailedPostStartHook spec.containers{app0}: PostStartHook failed"));
    await waitFor("Failed", () => node.status(bad)?.phase === "Failed");
    assert.equal(node.status(bad)?.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
  });

  test("activeDeadlineSeconds: past it the pod is Failed with DeadlineExceeded and its containers stopped", async () => {
    const pod = initPod([], [{}], { activeDeadlineSeconds: 60 });
    node.pods.applyUpdate(pod);
    const app = await node.running(pod, "app0");
    await waitFor("a start time", () => node.status(pod)?.startTime);
    node.clockAhead += 61_000;
    node.pods.syncAll();
    await waitFor("Failed", () => node.status(pod)?.phase === "Failed");
    const s = node.status(pod)!;
    assert.equal(s.reason, "DeadlineExceeded");
    assert.equal(s.message, "Pod was active on the node longer than the specified deadline");
    assert.equal(app.state, "exited");
    assert.ok(node.eventsOf(pod).includes("DeadlineExceeded : Pod was active on the node longer than the specified deadline"));
    assert.equal(node.pods.activePods().some((p) => p.metadata.uid === pod.metadata.uid), false);
  });
});
