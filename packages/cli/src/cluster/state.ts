// The local cluster's state directory ($BOSUN_HOME): etcd data, logs, the pid of
// the running `bosun up`, and what `bosun down` needs to clean up after it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ChildRecord {
  pid: number;
  /** A string the process's command line must hold, so a reused pid is never mistaken for ours. */
  match: string;
}

export interface ClusterRecord {
  nodeName: string;
  server: string;
  children: Record<string, ChildRecord>;
}

export class ClusterPaths {
  constructor(readonly home: string) {}
  get pidFile(): string {
    return join(this.home, "up.pid");
  }
  get recordFile(): string {
    return join(this.home, "cluster.json");
  }
  get logDir(): string {
    return join(this.home, "logs");
  }
  get etcdDir(): string {
    return join(this.home, "etcd");
  }
  /** The master's --data-dir: the cluster PKI. */
  get masterDir(): string {
    return join(this.home, "master");
  }
  /** The agent's --data-dir: the node's key and certificate. */
  get agentDir(): string {
    return join(this.home, "agent");
  }
  log(name: string): string {
    return join(this.logDir, `${name}.log`);
  }
  /** Everything `bosun up` creates, so `down` removes only that. */
  get owned(): string[] {
    return [this.etcdDir, this.masterDir, this.agentDir, this.logDir, this.pidFile, this.recordFile, join(this.home, "kubeconfig")];
  }
}

export function readRecord(paths: ClusterPaths): ClusterRecord | undefined {
  if (!existsSync(paths.recordFile)) return undefined;
  try {
    return JSON.parse(readFileSync(paths.recordFile, "utf8")) as ClusterRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(paths: ClusterPaths, record: ClusterRecord): void {
  mkdirSync(paths.home, { recursive: true });
  writeFileSync(paths.recordFile, JSON.stringify(record, null, 2) + "\n");
}

/** The pid in up.pid when that process is still a running `bosun up`. */
export function runningUpPid(paths: ClusterPaths): number | undefined {
  if (!existsSync(paths.pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(paths.pidFile, "utf8").trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return commandLineHas(pid, "up") ? pid : undefined;
}

/** True when pid is alive and its command line holds `match` as one argument or part of one. */
export function commandLineHas(pid: number, match: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.some((a) => a === match || (match.length > 3 && a.includes(match)));
  } catch {
    return false;
  }
}
