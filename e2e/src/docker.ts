// The Docker engine as the tests see it: through the docker CLI, the same view a
// user has, independent of the agent's dockerode client.
import { exec, formatResult, type ExecResult } from "./exec.js";
import { agentMain, repoRoot } from "./paths.js";

export const BUSYBOX_IMAGE = "bosun.local/busybox:1";
export const PAUSE_IMAGE = "bosun.local/pause:1";

export function docker(args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
  return exec("docker", args, { timeoutMs: opts.timeoutMs ?? 60_000 });
}

/** Builds the local images when missing; the script is a no-op when they exist. */
export async function ensureImages(): Promise<void> {
  const r = await exec("bash", [`${repoRoot}/scripts/build-images.sh`], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(formatResult("scripts/build-images.sh", r));
}

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  image: string;
}

interface InspectJson {
  Id: string;
  Name: string;
  Config: { Labels: Record<string, string> | null; Image: string };
  State: { Running: boolean };
}

/** Containers (running or not) carrying every given label. */
export async function containersWithLabels(labels: Record<string, string>): Promise<ContainerInfo[]> {
  const filters = Object.entries(labels).flatMap(([k, v]) => ["--filter", `label=${k}=${v}`]);
  const ps = await docker(["ps", "-aq", "--no-trunc", ...filters]);
  if (ps.code !== 0) throw new Error(formatResult("docker ps", ps));
  const ids = ps.stdout.split("\n").map((s) => s.trim()).filter((s) => s !== "");
  if (ids.length === 0) return [];
  const inspect = await docker(["inspect", ...ids]);
  // A container removed between ps and inspect makes inspect fail for that id only;
  // it still prints the others, so parse what came back.
  const parsed = inspect.stdout.trim() === "" ? [] : (JSON.parse(inspect.stdout) as InspectJson[]);
  return parsed.map((c) => ({
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    labels: c.Config.Labels ?? {},
    running: c.State.Running,
    image: c.Config.Image,
  }));
}

/**
 * Removes every container labelled with one of the node names, then the node's pod
 * network (its Docker bridge, iptables chains, routes and VXLAN device); answers how
 * many containers.
 */
export async function removeNodeContainers(nodeNames: readonly string[]): Promise<number> {
  let removed = 0;
  for (const node of nodeNames) {
    const ps = await docker(["ps", "-aq", "--no-trunc", "--filter", `label=bosun.io/node-name=${node}`]);
    const ids = ps.stdout.split("\n").map((s) => s.trim()).filter((s) => s !== "");
    if (ids.length > 0) {
      const rm = await docker(["rm", "-f", ...ids]);
      if (rm.code !== 0) throw new Error(formatResult(`docker rm -f (containers of ${node})`, rm));
      removed += ids.length;
    }
    await removeNodeNetwork(node);
  }
  return removed;
}

/** The agent's own cleanup of what it made for a node's pod network; the node's containers must be gone. */
export async function removeNodeNetwork(nodeName: string): Promise<void> {
  const r = await exec(process.execPath, [agentMain, "--cleanup", "--node-name", nodeName, "--log-level", "warn"], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(formatResult(`bosun-agent --cleanup --node-name ${nodeName}`, r));
}
