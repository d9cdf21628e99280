// Killing a command the agent ran in a container (an exec probe or hook) that
// outlived its timeout. Docker has no call to end an exec, and an abandoned one keeps
// running: on a busy node they pile up until nothing gets CPU. The agent runs as root
// in dockerd's PID namespace (on the host, or inside the lab's node container beside
// its own dockerd), so the PID Docker's exec inspect gives is the agent's too.
//
// The PID is trusted only while the process is in the container's cgroup, which runc
// puts every exec'd command in and a reused PID elsewhere on the host is not in. (Its
// PID namespace would prove nothing for a hostPID pod, whose namespace is the host's.)
// runc starts an exec'd command in a session
// and process group of its own; the group is killed when the command leads it, and
// every descendant found through /proc (one that left the group too). The whole tree
// is stopped first, each process as it is found, so none can fork while the rest are
// collected; only then is every one killed. Killing while walking would let a dead
// parent's children be re-parented (to the container's init) before they were seen,
// and escape.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface ProcessKiller {
  /**
   * Kills `pid` and everything under it if it lives in `containerPid`'s cgroup.
   */
  killTree(pid: number, containerPid: number): Promise<KillOutcome>;
}

/** What was killed; or the process had already exited; or why it was not safe to kill. */
export type KillOutcome = { killed: number[] } | { gone: true } | { refused: string };

export interface ProcfsKillerOptions {
  /** /proc unless told (tests pass a fake tree). */
  procRoot?: string;
  /** process.kill unless told; a negative pid names a process group. */
  signal?: (pid: number, signal: NodeJS.Signals) => void;
}

/** The fields of /proc/<pid>/stat the killer needs; undefined when the process is gone. */
async function statOf(procRoot: string, pid: number): Promise<{ pgrp: number } | undefined> {
  let text: string;
  try {
    text = await readFile(join(procRoot, String(pid), "stat"), "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so count from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const pgrp = Number(fields[2]);
  return Number.isInteger(pgrp) ? { pgrp } : undefined;
}

/** /proc/<pid>/cgroup: the cgroup of every hierarchy, one per line. */
async function cgroupOf(procRoot: string, pid: number): Promise<string | undefined> {
  try {
    return await readFile(join(procRoot, String(pid), "cgroup"), "utf8");
  } catch {
    return undefined;
  }
}

/** The direct children of every thread of `pid` (the kernel's /proc/<pid>/task/<tid>/children). */
async function childrenOf(procRoot: string, pid: number): Promise<number[]> {
  let tids: string[];
  try {
    tids = await readdir(join(procRoot, String(pid), "task"));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    try {
      const text = await readFile(join(procRoot, String(pid), "task", tid, "children"), "utf8");
      for (const word of text.split(/\s+/)) if (/^\d+$/.test(word)) out.push(Number(word));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

export class ProcfsKiller implements ProcessKiller {
  private readonly procRoot: string;
  private readonly signal: (pid: number, signal: NodeJS.Signals) => void;

  constructor(opts: ProcfsKillerOptions = {}) {
    this.procRoot = opts.procRoot ?? "/proc";
    this.signal = opts.signal ?? ((pid, sig) => process.kill(pid, sig));
  }

  async killTree(pid: number, containerPid: number): Promise<KillOutcome> {
    if (!(pid > 0) || !(containerPid > 0)) return { refused: `no process to kill (pid ${pid}, container pid ${containerPid})` };
    if (pid === containerPid) return { refused: `pid ${pid} is the container's main process, not an exec'd command` };
    const fix = "run the agent as root in dockerd's PID namespace so that it can kill timed-out execs";
    const containerCgroup = await cgroupOf(this.procRoot, containerPid);
    if (!containerCgroup) return { refused: `the container's main process ${containerPid} is not visible in ${this.procRoot}; ${fix}` };
    const [cgroup, stat] = await Promise.all([cgroupOf(this.procRoot, pid), statOf(this.procRoot, pid)]);
    if (!stat) return { gone: true };
    if (cgroup !== containerCgroup) return { refused: `process ${pid} is not in the container's cgroup as this agent sees it; ${fix}` };
    const target = stat.pgrp === pid ? -pid : pid;
    if (!this.send(target, "SIGSTOP")) return { gone: true };
    // Stopped, a process keeps its children: the walk sees all of them.
    const descendants: number[] = [];
    const seen = new Set<number>([pid]);
    const queue = [pid];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const child of await childrenOf(this.procRoot, next)) {
        if (seen.has(child)) continue;
        seen.add(child);
        if (!this.send(child, "SIGSTOP")) continue; // it exited meanwhile
        descendants.push(child);
        queue.push(child);
      }
    }
    const killed: number[] = [];
    if (this.send(target, "SIGKILL")) killed.push(pid);
    for (const child of descendants) if (this.send(child, "SIGKILL")) killed.push(child);
    return { killed };
  }

  /** Signals; false when the process (group) no longer exists. */
  private send(pid: number, sig: NodeJS.Signals): boolean {
    try {
      this.signal(pid, sig);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
      throw err;
    }
  }
}
