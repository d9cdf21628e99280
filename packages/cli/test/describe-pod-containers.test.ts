// The "Init Containers:" and "Ephemeral Containers:" sections of `bosun describe pod`,
// as kubectl prints them: before and after "Containers:", each container with its
// state, readiness and restarts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describePod } from "../src/printers/describe.js";
import { pod } from "../src/testing/workloads.js";

const now = Date.parse("2024-05-01T12:00:00Z");

test("init containers are described before the app containers, with their state", () => {
  const p = pod("web");
  p.spec.initContainers = [{ name: "setup", image: "busybox:1", command: ["sh", "-c", "echo hi"] }];
  p.status = {
    phase: "Running",
    initContainerStatuses: [
      {
        name: "setup",
        image: "busybox:1",
        ready: true,
        restartCount: 2,
        containerID: "docker://abc",
        state: { terminated: { exitCode: 0, reason: "Completed", startedAt: "2024-05-01T11:00:00Z", finishedAt: "2024-05-01T11:00:01Z" } },
      },
    ],
    containerStatuses: [],
  };
  const text = describePod(p, [], now);
  assert.match(text, /\nInit Containers:\n {2}setup:\n {4}Container ID: +docker:\/\/abc\n {4}Image: +busybox:1\n/);
  assert.match(text, /\n {4}State: +Terminated\n {6}Reason: +Completed\n {6}Exit Code: +0\n/);
  assert.match(text, /\n {4}Ready: +True\n {4}Restart Count: +2\n/);
  assert.ok(text.indexOf("Init Containers:") < text.indexOf("\nContainers:"), "init containers come first, as kubectl prints them");
});

test("a pod without init containers has no Init Containers section", () => {
  assert.doesNotMatch(describePod(pod("bare"), [], now), /Init Containers/);
});

test("ephemeral containers are described after the app containers, with their state, as kubectl prints them", () => {
  const p = pod("web");
  p.spec.ephemeralContainers = [{ name: "debugger", image: "busybox:1", targetContainerName: "web", stdin: true, tty: true }];
  p.status = {
    phase: "Running",
    containerStatuses: [],
    ephemeralContainerStatuses: [
      { name: "debugger", image: "busybox:1", ready: false, restartCount: 0, containerID: "docker://dbg", state: { running: { startedAt: "2024-05-01T11:59:00Z" } } },
    ],
  };
  const text = describePod(p, [], now);
  assert.match(text, /\nEphemeral Containers:\n {2}debugger:\n {4}Container ID: +docker:\/\/dbg\n {4}Image: +busybox:1\n/);
  assert.match(text, /\n {4}State: +Running\n/);
  assert.ok(text.indexOf("\nContainers:") < text.indexOf("Ephemeral Containers:"), "after the app containers");
  assert.doesNotMatch(describePod(pod("bare"), [], now), /Ephemeral Containers/);
});
