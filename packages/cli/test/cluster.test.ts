import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultNodeName } from "../src/cluster/up.js";
import { isAlive, stopPid } from "../src/cluster/processes.js";
import { ClusterPaths, commandLineHas, runningUpPid } from "../src/cluster/state.js";

test("the node name is the host name made DNS-1123", () => {
  assert.equal(defaultNodeName("My_Laptop.local"), "my-laptop.local");
  assert.equal(defaultNodeName("--x--"), "x");
  assert.equal(defaultNodeName("___"), "bosun-node");
  assert.equal(defaultNodeName("a".repeat(80)).length, 63);
});

test("a pid file naming a dead or unrelated process does not count as a running up", () => {
  const home = mkdtempSync(join(tmpdir(), "bosun-cli-state-"));
  try {
    const paths = new ClusterPaths(home);
    assert.equal(runningUpPid(paths), undefined);
    writeFileSync(paths.pidFile, "999999999\n");
    assert.equal(runningUpPid(paths), undefined);
    // This test process is alive but is not `bosun up`.
    writeFileSync(paths.pidFile, `${process.ppid}\n`);
    assert.equal(runningUpPid(paths), undefined);
    assert.ok(paths.owned.every((p) => p.startsWith(home)), "down only removes paths inside the state directory");
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("stopPid ends a process that ignores SIGTERM with SIGKILL after the grace period", async () => {
  const child = spawn("sh", ["-c", "trap '' TERM; echo ready; while true; do sleep 1; done"], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve) => child.stdout.once("data", resolve));
  const pid = child.pid!;
  assert.ok(commandLineHas(pid, "sh"));
  const started = Date.now();
  await stopPid(pid, 300);
  assert.ok(Date.now() - started >= 300);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(isAlive(pid) && commandLineHas(pid, "sh"), false);
});
