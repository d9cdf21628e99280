// What the benchmark scripts share: finding the cluster `bosun up` started, running
// commands, a terminal progress line, and the checks that the cluster can run pods.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ApiClient, ConnectionError } from "@bosun/client";
import { resourceByKind } from "@bosun/api";

export const IMAGE = "bosun.local/busybox:1";
export const COMMAND = ["sleep", "3600"];
const nodes = resourceByKind("v1", "Node");

/** The same resolution as the bosun CLI, so the benchmark hits the cluster `bosun up` started. */
export function resolveServer() {
  if (process.env.BOSUN_SERVER) return { server: process.env.BOSUN_SERVER, source: "$BOSUN_SERVER" };
  const path = join(process.env.BOSUN_HOME || join(homedir(), ".bosun"), "config.json");
  if (existsSync(path)) {
    const server = JSON.parse(readFileSync(path, "utf8")).server;
    if (typeof server === "string" && server !== "") return { server, source: path };
  }
  return { server: "http://127.0.0.1:6443", source: "the default address" };
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
 * A client of the local cluster, after checking it has a Ready node and the bench
 * image exists; exits with advice when it does not.
 */
export async function connect(script) {
  const { server, source } = resolveServer();
  const client = new ApiClient({ server, userAgent: `bosun-${script}` });
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
  const image = await run("docker", ["image", "inspect", IMAGE]);
  if (image.code !== 0) throw new Error(`image ${IMAGE} is missing; run 'bash scripts/build-images.sh'`);
  return { client, server };
}

/** Removes the containers a benchmark started itself (never the agent's). */
export async function removeBenchContainers(runId, containerIds = []) {
  const ps = await run("docker", ["ps", "-aq", "--no-trunc", "--filter", `label=bosun.io/bench=${runId}`, "--filter", "label=bosun.io/bench-side=docker"]);
  const ids = [...new Set([...containerIds, ...ps.stdout.split("\n").map((s) => s.trim()).filter(Boolean)])];
  if (ids.length > 0) await run("docker", ["rm", "-f", ...ids]);
}
