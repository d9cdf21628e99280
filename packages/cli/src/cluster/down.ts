// `bosun down`: stops a running `bosun up`, removes the local node's pod
// containers and pod network from Docker and the host, and deletes the state
// `bosun up` created.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import { binaryPath } from "./binaries.js";
import { defaultNodeName, stopLeftovers } from "./up.js";
import { stopPid } from "./processes.js";
import { ClusterPaths, readRecord, runningUpPid } from "./state.js";

const run = promisify(execFile);

export interface DownOptions {
  home: string;
  nodeName?: string;
  out: (line: string) => void;
}

/** Removes every container the agent of `nodeName` manages; answers how many. */
export async function removeNodeContainers(nodeName: string): Promise<number> {
  let stdout: string;
  try {
    ({ stdout } = await run("docker", [
      "ps", "-aq",
      "--filter", "label=bosun.io/managed=true",
      "--filter", `label=bosun.io/node-name=${nodeName}`,
    ]));
  } catch (err) {
    throw new Error(`cannot list containers with the docker CLI (${(err as Error).message.trim()}); is dockerd running?`);
  }
  const ids = stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  if (ids.length > 0) await run("docker", ["rm", "-f", "-v", ...ids]);
  return ids.length;
}

/**
 * Removes the node's pod network (Docker bridge, iptables chains, routes, VXLAN
 * device) and its pods' volumes in the agent's `dataDir` (tmpfs mounts included)
 * with the agent's own cleanup; answers what it said it removed.
 */
export async function removeNodeNetwork(nodeName: string, dataDir: string): Promise<string> {
  const agentMain = binaryPath("@bosun/agent", "bosun-agent");
  try {
    const { stdout } = await run(process.execPath, [agentMain, "--cleanup", "--node-name", nodeName, "--data-dir", dataDir, "--log-level", "warn"]);
    return stdout.trim();
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`removing the pod network of node ${nodeName} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

export async function runDown(opts: DownOptions): Promise<number> {
  const paths = new ClusterPaths(opts.home);
  const upPid = runningUpPid(paths);
  if (upPid !== undefined) {
    opts.out(`Stopping bosun up (pid ${upPid})`);
    await stopPid(upPid, 45_000);
  }
  const record = readRecord(paths);
  const leftovers = await stopLeftovers(paths, record);
  if (leftovers.length > 0) opts.out(`Stopped ${leftovers.join(", ")}`);

  const nodeName = opts.nodeName ?? record?.nodeName ?? defaultNodeName();
  const removed = await removeNodeContainers(nodeName);
  opts.out(`Removed ${removed} container(s) of node ${nodeName}`);
  opts.out(await removeNodeNetwork(nodeName, paths.agentDir));

  // Only what `bosun up` made: BOSUN_HOME may point at a directory holding other things.
  for (const path of paths.owned) rmSync(path, { recursive: true, force: true });
  if (existsSync(opts.home) && readdirSync(opts.home).length === 0) rmdirSync(opts.home);
  opts.out(`Removed the cluster state in ${opts.home}`);
  return 0;
}
