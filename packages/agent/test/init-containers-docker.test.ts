// Init containers, a native sidecar and lifecycle hooks against the real Docker
// engine, with a fake master: what the containers append to a directory of the host
// shows the order of things, from the first init container to the sidecar's SIGTERM.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PodStatus } from "@bosun/api";
import type { Agent } from "../src/index.js";
import { startDockerAgent, stopDockerAgent } from "./support/docker-agent.js";
import { waitFor, type FakeMaster } from "./support/fake-master.js";
import { NETWORK_SLOTS } from "./support/network.js";
import { testPod } from "./support/pods.js";

const nodeName = `agent-init-${randomUUID().slice(0, 8)}`;

describe("init containers and hooks on Docker", { timeout: 180_000 }, () => {
  let master: FakeMaster;
  let agent: Agent;
  const dir = mkdtempSync(join(tmpdir(), "bosun-init-test-"));
  const log = () => (existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").split("\n").filter((l) => l) : []);
  const statusOf = (uid: string): PodStatus | undefined => master.statuses.get(uid)?.status;

  before(async () => {
    ({ master, agent } = await startDockerAgent(nodeName, NETWORK_SLOTS.initContainers));
  });

  after(async () => {
    await stopDockerAgent(nodeName, { master, agent });
    rmSync(dir, { recursive: true, force: true });
  });

  test("init containers in order, a sidecar beside the app, postStart, and at deletion preStop, SIGTERM, then the sidecar", async () => {
    const shared = { volumeMounts: [{ name: "shared", mountPath: "/shared" }] };
    const pod = testPod(
      "init-hooks",
      nodeName,
      [
        {
          ...shared,
          command: ["sh", "-c", "trap 'echo sigterm >> /shared/log; exit 0' TERM; while ! grep -q sidecar-up /shared/log; do sleep 0.1; done; echo app >> /shared/log; while true; do sleep 0.1; done"],
          lifecycle: {
            postStart: { exec: { command: ["sh", "-c", "echo poststart > /shared/poststart"] } },
            preStop: { exec: { command: ["sh", "-c", "echo prestop >> /shared/log"] } },
          },
        },
      ],
      {
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: "shared", hostPath: { path: dir, type: "DirectoryOrCreate" } }],
        initContainers: [
          { name: "first", image: "bosun.local/busybox:1", ...shared, command: ["sh", "-c", "echo first >> /shared/log"] },
          { name: "second", image: "bosun.local/busybox:1", ...shared, command: ["sh", "-c", "echo second >> /shared/log"] },
          {
            name: "proxy",
            image: "bosun.local/busybox:1",
            restartPolicy: "Always",
            ...shared,
            command: ["sh", "-c", "trap 'echo sidecar-stopped >> /shared/log; exit 0' TERM; echo sidecar-up >> /shared/log; while true; do sleep 0.1; done"],
          },
        ],
      },
    );
    const uid = pod.metadata.uid ?? "";
    master.setPod(pod);
    const running = await waitFor("Running and Ready", () => {
      const s = statusOf(uid);
      return s?.phase === "Running" && s.conditions?.find((c) => c.type === "Ready")?.status === "True" ? s : undefined;
    }, 60_000);
    await waitFor("the app wrote", () => log().includes("app"));
    assert.deepEqual(log(), ["first", "second", "sidecar-up", "app"]);
    assert.equal(readFileSync(join(dir, "poststart"), "utf8"), "poststart\n");
    assert.deepEqual(
      running.initContainerStatuses?.map((c) => [c.name, c.state?.terminated?.reason ?? (c.state?.running ? "running" : "?"), c.ready]),
      [
        ["first", "Completed", true],
        ["second", "Completed", true],
        ["proxy", "running", true],
      ],
    );
    assert.equal(running.conditions?.find((c) => c.type === "Initialized")?.status, "True");

    master.setPod({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 10 } });
    await waitFor("the sidecar stopped", () => log().includes("sidecar-stopped"), 60_000);
    assert.deepEqual(log(), ["first", "second", "sidecar-up", "app", "prestop", "sigterm", "sidecar-stopped"]);
  });
});
