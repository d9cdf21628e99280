// Killing a timed-out exec's processes: only inside the container's cgroup,
// its process group when it leads one, and every descendant.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcfsKiller } from "../src/exec/process-tree.js";

interface FakeProcess {
  pid: number;
  pgrp: number;
  cgroup: string;
  children?: number[];
}

/** A /proc with just what the killer reads: stat, cgroup and task/<pid>/children. */
function fakeProc(processes: FakeProcess[]): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "fake-proc-"));
  for (const p of processes) {
    const dir = join(root, String(p.pid));
    mkdirSync(join(dir, "task", String(p.pid)), { recursive: true });
    // comm with a space and a parenthesis, as a real one may have.
    writeFileSync(join(dir, "stat"), `${p.pid} (sh (x) y) S 1 ${p.pgrp} ${p.pgrp} 0 -1 4194560 0 0\n`);
    writeFileSync(join(dir, "cgroup"), p.cgroup);
    writeFileSync(join(dir, "task", String(p.pid), "children"), (p.children ?? []).map((c) => `${c} `).join(""));
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function recorder() {
  const sent: string[] = [];
  return { sent, signal: (pid: number, sig: NodeJS.Signals) => void sent.push(`${sig} ${pid}`) };
}

test("a group leader in the container's namespace: the group and every descendant are stopped, then all killed", async () => {
  const proc = fakeProc([
    { pid: 10, pgrp: 10, cgroup: "0::/system.slice/docker-aaa.scope\n" },
    { pid: 200, pgrp: 200, cgroup: "0::/system.slice/docker-aaa.scope\n", children: [201] },
    { pid: 201, pgrp: 200, cgroup: "0::/system.slice/docker-aaa.scope\n", children: [202] },
    { pid: 202, pgrp: 202, cgroup: "0::/system.slice/docker-aaa.scope\n" },
  ]);
  try {
    const r = recorder();
    const outcome = await new ProcfsKiller({ procRoot: proc.root, signal: r.signal }).killTree(200, 10);
    assert.deepEqual(outcome, { killed: [200, 201, 202] });
    // No SIGKILL before the whole tree is stopped: a child killed early would hand its
    // children to the container's init before the walk saw them.
    assert.deepEqual(r.sent, ["SIGSTOP -200", "SIGSTOP 201", "SIGSTOP 202", "SIGKILL -200", "SIGKILL 201", "SIGKILL 202"]);
  } finally {
    proc.cleanup();
  }
});

test("a command that does not lead its group is signalled by its PID alone", async () => {
  const proc = fakeProc([
    { pid: 10, pgrp: 10, cgroup: "0::/system.slice/docker-aaa.scope\n" },
    { pid: 300, pgrp: 10, cgroup: "0::/system.slice/docker-aaa.scope\n" },
  ]);
  try {
    const r = recorder();
    assert.deepEqual(await new ProcfsKiller({ procRoot: proc.root, signal: r.signal }).killTree(300, 10), { killed: [300] });
    assert.deepEqual(r.sent, ["SIGSTOP 300", "SIGKILL 300"]);
  } finally {
    proc.cleanup();
  }
});

test("a PID outside the container's cgroup (a reused PID, in a hostPID pod too), the container's own process, or an unseen container are refused", async () => {
  const proc = fakeProc([
    { pid: 10, pgrp: 10, cgroup: "0::/system.slice/docker-aaa.scope\n" },
    { pid: 400, pgrp: 400, cgroup: "0::/system.slice/docker-bbb.scope\n" },
  ]);
  try {
    const r = recorder();
    const killer = new ProcfsKiller({ procRoot: proc.root, signal: r.signal });
    const foreign = await killer.killTree(400, 10);
    assert.ok("refused" in foreign && /not in the container's cgroup.*dockerd's PID namespace/.test(foreign.refused), JSON.stringify(foreign));
    assert.ok("refused" in (await killer.killTree(10, 10)));
    const unseen = await killer.killTree(400, 99);
    assert.ok("refused" in unseen && unseen.refused.includes("not visible"), JSON.stringify(unseen));
    assert.deepEqual(r.sent, []);
  } finally {
    proc.cleanup();
  }
});

test("a command that exited before the kill is gone, nothing signalled", async () => {
  const proc = fakeProc([{ pid: 10, pgrp: 10, cgroup: "0::/system.slice/docker-aaa.scope\n" }]);
  try {
    const r = recorder();
    assert.deepEqual(await new ProcfsKiller({ procRoot: proc.root, signal: r.signal }).killTree(500, 10), { gone: true });
    // Gone between the look and the signal.
    const esrch = (_pid: number, _sig: NodeJS.Signals) => {
      throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
    };
    const proc2 = fakeProc([
      { pid: 10, pgrp: 10, cgroup: "0::/system.slice/docker-aaa.scope\n" },
      { pid: 600, pgrp: 600, cgroup: "0::/system.slice/docker-aaa.scope\n" },
    ]);
    try {
      assert.deepEqual(await new ProcfsKiller({ procRoot: proc2.root, signal: esrch }).killTree(600, 10), { gone: true });
    } finally {
      proc2.cleanup();
    }
    assert.deepEqual(r.sent, []);
  } finally {
    proc.cleanup();
  }
});

test("on the real /proc: a process group leader and the child it started both die", async () => {
  // A session of its own, as runc gives an exec'd command; the child holds stdout
  // open too, so the pipe closes only when both are dead.
  const child = spawn("sh", ["-c", "sleep 300 & echo started; sleep 301"], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  const closed = new Promise<void>((resolve) => child.stdout.on("close", resolve));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
  // The background child runs once the shell says so.
  await new Promise((r) => child.stdout.once("data", r));
  const pid = child.pid ?? 0;
  // This test's own process stands for the container's main process: same cgroup.
  const outcome = await new ProcfsKiller().killTree(pid, process.pid);
  assert.ok("killed" in outcome && outcome.killed[0] === pid, JSON.stringify(outcome));
  assert.equal(await exited, "SIGKILL");
  await closed;
});

/** Whether the process is dead: gone from /proc, or a zombie no one has reaped yet. */
function isDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

test("on the real /proc: a grandchild in a session of its own dies with the tree", { timeout: 10_000 }, async () => {
  // leader -> sh -> sleep (setsid: out of the leader's group, so only the walk finds it).
  const child = spawn("sh", ["-c", `sh -c 'setsid sleep 302 & echo $!; wait' & wait`], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
  const grandchild = Number(await new Promise<string>((r) => child.stdout.once("data", (d: Buffer) => r(d.toString().trim()))));
  assert.ok(grandchild > 0 && !isDead(grandchild), `the grandchild ${grandchild} runs`);
  const outcome = await new ProcfsKiller().killTree(child.pid ?? 0, process.pid);
  assert.ok("killed" in outcome && outcome.killed.includes(grandchild), JSON.stringify(outcome));
  assert.equal(await exited, "SIGKILL");
  // SIGKILL is delivered before kill(2) returns, but the death itself is asynchronous.
  while (!isDead(grandchild)) await new Promise((r) => setImmediate(r));
});
