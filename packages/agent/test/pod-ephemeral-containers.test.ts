// Interactive containers and ephemeral containers through the pod worker, on a fake
// runtime: stdin, stdinOnce and tty reach Docker's options; an ephemeral container
// added to a running pod starts in its sandbox and in its target's PID namespace,
// is reported in ephemeralContainerStatuses, and never runs again once it exits.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { EphemeralContainer, Pod, PodStatus } from "@bosun/api";
import { ContainerBackoff, LABEL_CONTAINER_NAME, LABEL_POD_UID, PodManager } from "../src/index.js";
import { interactiveOptions } from "../src/pod/container-config.js";
import { targetPidMode } from "../src/pod/ephemeral-containers.js";
import { ephemeralContainerStatus } from "../src/pod/status.js";
import type { ContainerSummary } from "../src/runtime/runtime.js";
import { FakeRuntime, type FakeContainer } from "./support/fake-runtime.js";
import { waitFor } from "./support/fake-master.js";
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from "./support/images.js";

const NODE = "ephemeral-node";

test("stdin, stdinOnce and tty map to Docker's OpenStdin, StdinOnce and Tty; stdinOnce means nothing without stdin", () => {
  assert.deepEqual(interactiveOptions({}), {});
  assert.deepEqual(interactiveOptions({ stdin: true, stdinOnce: true, tty: true }), { openStdin: true, stdinOnce: true, tty: true });
  assert.deepEqual(interactiveOptions({ stdinOnce: true, tty: true }), { tty: true });
  assert.deepEqual(interactiveOptions({ stdin: false, tty: false }), {});
});

test("an ephemeral container joins its running target's PID namespace, and waits while the target does not run", () => {
  const summary = (id: string, state: ContainerSummary["state"]): ContainerSummary => ({ id, labels: {}, state, created: 0 });
  const byName = new Map([["app", [summary("app-2", "running"), summary("app-1", "exited")]], ["stopped", [summary("s-1", "exited")]]]);
  assert.deepEqual(targetPidMode({ name: "d", image: "x" }, byName), {});
  assert.deepEqual(targetPidMode({ name: "d", image: "x", targetContainerName: "app" }, byName), { pidMode: "container:app-2" });
  assert.deepEqual(targetPidMode({ name: "d", image: "x", targetContainerName: "stopped" }, byName).waiting, {
    reason: "CreateContainerConfigError",
    message: 'target container "stopped" is not running; the ephemeral container starts once it runs',
  });
});

test("an ephemeral container's status is never ready and has no started", () => {
  const status = ephemeralContainerStatus({ name: "d", image: "x:1" }, {});
  assert.equal(status.ready, false);
  assert.equal(status.started, undefined);
  assert.equal(status.state?.waiting?.reason, "ContainerCreating");
});

describe("ephemeral containers in the pod worker", { timeout: 60_000 }, () => {
  const runtime = new FakeRuntime([BUSYBOX_IMAGE, PAUSE_IMAGE]);
  const statuses = new Map<string, PodStatus>();
  let reports = 0;
  const events: string[] = [];
  const pods = new PodManager({
    runtime,
    nodeName: NODE,
    infraImage: PAUSE_IMAGE,
    hostIP: () => "10.0.0.1",
    backoff: new ContainerBackoff(),
    reportStatus: (pod, status) => {
      reports++;
      statuses.set(pod.uid, status);
    },
    reportEvent: (_pod, ev) => events.push(`${ev.reason} ${ev.fieldPath}`),
    resyncIntervalMs: 300,
  });
  const started = pods.start();
  after(() => pods.stop());

  const containerOf = (pod: Pod, name: string): FakeContainer[] =>
    runtime.byLabel(LABEL_POD_UID, pod.metadata.uid ?? "").filter((c) => c.spec.labels[LABEL_CONTAINER_NAME] === name);
  const running = (pod: Pod, name: string) => waitFor(`${name} running`, () => containerOf(pod, name).find((c) => c.state === "running"));

  test("stdin and tty of an app container reach the runtime; a debugger added later runs beside it and never again", async () => {
    await started;
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `p-${randomUUID().slice(0, 6)}`, namespace: "default", uid: randomUUID() },
      spec: {
        nodeName: NODE,
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 5,
        containers: [{ name: "app", image: BUSYBOX_IMAGE, stdin: true, stdinOnce: true, tty: true }],
      },
    };
    pods.applyUpdate(pod);
    const app = await running(pod, "app");
    assert.deepEqual([app.spec.openStdin, app.spec.stdinOnce, app.spec.tty], [true, true, true]);

    const debuggerSpec: EphemeralContainer = { name: "debugger", image: BUSYBOX_IMAGE, stdin: true, tty: true, targetContainerName: "app" };
    pods.applyUpdate({ ...pod, spec: { ...pod.spec, ephemeralContainers: [debuggerSpec] } });
    const dbg = await running(pod, "debugger");
    assert.equal(dbg.spec.pidMode, `container:${app.id}`);
    const infra = containerOf(pod, "POD")[0];
    assert.equal(dbg.spec.networkMode, `container:${infra?.id ?? ""}`);
    assert.equal(dbg.spec.tty, true);
    await waitFor("the debugger reported running", () => statuses.get(pod.metadata.uid ?? "")?.ephemeralContainerStatuses?.[0]?.state?.running);
    assert.ok(events.includes("Started spec.ephemeralContainers{debugger}"), events.join("\n"));

    runtime.exit(dbg.id, 0);
    await waitFor("the debugger reported terminated", () => statuses.get(pod.metadata.uid ?? "")?.ephemeralContainerStatuses?.[0]?.state?.terminated);
    // Several syncs later it is still the one instance, exited: ephemeral containers are never restarted.
    const seen = reports;
    pods.syncAll();
    await waitFor("three more syncs", () => reports >= seen + 3);
    assert.deepEqual(containerOf(pod, "debugger").map((c) => c.state), ["exited"]);
    const s = statuses.get(pod.metadata.uid ?? "")!;
    assert.equal(s.phase, "Running");
    assert.equal(s.ephemeralContainerStatuses?.[0]?.restartCount, 0);
    assert.equal(s.containerStatuses?.length, 1, "the debugger is not an app container");
  });
});
