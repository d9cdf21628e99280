// What the benchmark scripts share: finding the cluster `bosun up` started (its API
// server and its etcd), running commands, a terminal progress line, percentiles, and
// the checks that the cluster can run pods.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ApiClient, ConnectionError } from "@bosun/client";
import { bosunHome as cliBosunHome, resolveAccess } from "@bosun/cli";
import { resourceByKind } from "@bosun/api";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export const IMAGE = "bosun.local/busybox:1";
export const COMMAND = ["sleep", "3600"];
const nodes = resourceByKind("v1", "Node");

/** The local cluster's state directory, as the bosun CLI resolves it. */
export function bosunHome() {
  return cliBosunHome();
}

/** The same resolution as the bosun CLI (its kubeconfig, then BOSUN_SERVER), so the benchmark hits the cluster `bosun up` started. */
export function resolveServer() {
  const access = resolveAccess({});
  return { server: access.server, credentials: access.credentials, source: access.source };
}

export function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    child.on("error", (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A progress counter on a terminal; nothing when stderr goes to a file or pipe. */
export function progress(text) {
  if (!process.stderr.isTTY) return;
  process.stderr.write(text === undefined ? "\n" : `\r${text}`);
}

/**
 * A process `bosun up` started (etcd, master, agent), from its record
 * ($BOSUN_HOME/cluster.json), after checking the pid still belongs to it: its pid,
 * its command line, and where that was read.
 */
export function localClusterChild(name) {
  const recordFile = join(bosunHome(), "cluster.json");
  const advice = "start the local cluster with 'npm start'";
  if (!existsSync(recordFile)) throw new Error(`${recordFile} does not exist, so no local cluster is recorded; ${advice}`);
  const child = JSON.parse(readFileSync(recordFile, "utf8")).children?.[name];
  if (!child) throw new Error(`${recordFile} records no running ${name} (the cluster is stopped); ${advice}`);
  let args;
  try {
    args = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
  } catch {
    throw new Error(`the ${name} recorded in ${recordFile} (pid ${child.pid}) is not running; ${advice}`);
  }
  if (!args.some((a) => a.includes(child.match))) throw new Error(`pid ${child.pid} recorded in ${recordFile} is no longer that cluster's ${name}; ${advice}`);
  return { pid: child.pid, args, source: `${recordFile} (${name} pid ${child.pid})` };
}

/**
 * The client URL of the etcd that `bosun up` started. Its record names the etcd
 * process, not its address, so the address is read from that process's own
 * command line (`--advertise-client-urls`).
 */
export function localEtcdEndpoint() {
  const { args, source } = localClusterChild("etcd");
  const flag = args.indexOf("--advertise-client-urls");
  if (flag < 0 || !args[flag + 1]) throw new Error(`the etcd of ${source} has no --advertise-client-urls; start the local cluster with 'npm start', or pass the etcd client URL`);
  return { endpoint: args[flag + 1].split(",")[0], source };
}

/**
 * The official client, @kubernetes/client-node, which is a dev dependency of the
 * e2e workspace: resolved from there, since the scripts are not a workspace.
 */
export async function importKubernetesClient() {
  return import(pathToFileURL(workspaceRequire("e2e").resolve("@kubernetes/client-node")).href);
}

/**
 * A require() that resolves as the workspace at `dir` (relative to the repository)
 * does, for the dependencies of a package that the scripts, not being a workspace,
 * do not declare themselves (e.g. dns-packet of packages/agent).
 */
export function workspaceRequire(dir) {
  return createRequire(join(repoRoot, dir, "package.json"));
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** p50, p99, min and max of the samples (nearest rank). */
export function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), min: sorted[0], max: sorted[sorted.length - 1] };
}

/**
 * A client of the local cluster, after checking it has a Ready node and, unless the
 * benchmark starts no containers (`needsImage: false`), that the bench image exists;
 * exits with advice when it does not.
 */
export async function connect(script, { needsImage = true } = {}) {
  const { server, credentials, source } = resolveServer();
  const client = new ApiClient({ server, credentials, userAgent: `bosun-${script}` });
  try {
    const ready = (await client.list(nodes)).items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    if (ready.length === 0) throw new Error(`the cluster at ${server} has no Ready node; is an agent running? ('bosun get nodes')`);
  } catch (err) {
    if (err instanceof ConnectionError) {
      console.error(`${script}: cannot reach the Bosun API server at ${server} (from ${source}).`);
      console.error(`${script}: start the local cluster first with 'npm start' (in another terminal), or set BOSUN_SERVER.`);
      process.exit(1);
    }
    throw err;
  }
  if (!needsImage) return { client, server };
  const image = await run("docker", ["image", "inspect", IMAGE]);
  if (image.code !== 0) throw new Error(`image ${IMAGE} is missing; run 'bash scripts/build-images.sh'`);
  return { client, server };
}

/** Removes the containers a benchmark started itself (never the agent's). */
export async function removeBenchContainers(runId, containerIds = [], { labHost } = {}) {
  // On a lab host, its own engine through `docker exec <host> docker ...`.
  const docker = (args) => (labHost ? run("docker", ["exec", labHost, "docker", ...args]) : run("docker", args));
  const ps = await docker(["ps", "-aq", "--no-trunc", "--filter", `label=bosun.io/bench=${runId}`, "--filter", "label=bosun.io/bench-side=docker"]);
  const ids = [...new Set([...containerIds, ...ps.stdout.split("\n").map((s) => s.trim()).filter(Boolean)])];
  if (ids.length > 0) await docker(["rm", "-f", ...ids]);
}
