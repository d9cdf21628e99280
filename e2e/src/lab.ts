// The docker-compose lab (deploy/lab) from a test: brought up and down through the
// same script as `npm run lab:up`/`lab:down`, and its hosts reached the way an
// operator reaches them: docker exec into a host, docker-compose for its services,
// kubeconfig contexts for its masters.
import { homedir } from "node:os";
import { join } from "node:path";
import { ApiClient, readKubeconfig } from "@bosun/client";
import { docker } from "./docker.js";
import { exec, expectSuccess, formatResult, type ExecOptions, type ExecResult } from "./exec.js";
import { repoRoot } from "./paths.js";

/** The compose project name scripts/lab.sh uses; one lab per Docker host. */
export const LAB_PROJECT = "bosun-lab";
export const labComposeFile = `${repoRoot}/deploy/lab/docker-compose.yml`;

/** The lab's hosts, as the compose file names its services. */
export const labEtcdMembers = ["etcd-1", "etcd-2", "etcd-3"] as const;
export const labMasters = ["master-1", "master-2"] as const;
export const labNodes = ["node-1", "node-2", "node-3"] as const;
export type LabEtcdMember = (typeof labEtcdMembers)[number];
export type LabMaster = (typeof labMasters)[number];
export type LabNode = (typeof labNodes)[number];
export type LabHost = LabEtcdMember | LabMaster | LabNode;

/** lab:up from nothing builds the node image (debootstrap on a fresh machine). */
const upTimeoutMs = 20 * 60_000;
const downTimeoutMs = 5 * 60_000;

/** Where lab.sh keeps the lab's kubeconfig, as it resolves it. */
export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOSUN_LAB_DIR || join(env.BOSUN_HOME || join(homedir(), ".bosun"), "lab");
}

export class Lab {
  readonly kubeconfig: string;

  constructor(readonly dir: string) {
    this.kubeconfig = join(dir, "kubeconfig");
  }

  /** The kubeconfig context that talks to one master (lab.sh writes one per master). */
  context(master: LabMaster = "master-1"): string {
    return master === "master-1" ? "bosun-lab" : `bosun-lab-${master}`;
  }

  /** An API client of the admin, through one master, with the kubeconfig's credentials. */
  client(master: LabMaster = "master-1"): ApiClient {
    const access = readKubeconfig(this.kubeconfig, this.context(master));
    return new ApiClient({ server: access.server, credentials: access.credentials, userAgent: `bosun-e2e-lab/${master}` });
  }
}

/**
 * `npm run lab:up`: builds what is missing, starts the lab (or finds it up) and
 * returns once three nodes are Ready. Throws with the script's output otherwise.
 */
export async function labUp(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Lab> {
  const env = opts.env ?? process.env;
  const r = await exec("bash", [`${repoRoot}/scripts/lab.sh`, "up"], { env, timeoutMs: upTimeoutMs });
  if (r.code !== 0) throw new Error(formatResult("scripts/lab.sh up", r));
  return new Lab(labDir(env));
}

/** `npm run lab:down`: removes the lab, volumes and kubeconfig included. */
export async function labDown(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  const r = await exec("bash", [`${repoRoot}/scripts/lab.sh`, "down"], { env: opts.env ?? process.env, timeoutMs: downTimeoutMs });
  if (r.code !== 0) throw new Error(formatResult("scripts/lab.sh down", r));
}

/**
 * docker-compose on the lab's project, e.g. ["stop", "node-2"] or ["kill", "master-1"].
 * Every host has `restart: unless-stopped`: a process that dies is restarted, while a
 * host stopped or killed through Docker stays down until ["start", host].
 */
export function labCompose(args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  // The compose file mounts the lab's certificates from BOSUN_LAB_DIR and refuses to
  // load without it; the image defaults to bosun.local/node:latest, the newest build.
  const base = opts.env ?? process.env;
  const env = { ...base, BOSUN_LAB_DIR: labDir(base) };
  return exec("docker-compose", ["-p", LAB_PROJECT, "-f", labComposeFile, ...args], { timeoutMs: 120_000, ...opts, env });
}

/** The container id of a lab host, found by compose's labels (running or not). */
export async function labContainer(host: LabHost): Promise<string> {
  const r = expectSuccess(
    `docker ps for lab host ${host}`,
    await docker(["ps", "-aq", "--no-trunc", "--filter", `label=com.docker.compose.project=${LAB_PROJECT}`, "--filter", `label=com.docker.compose.service=${host}`]),
  );
  const ids = r.stdout.split("\n").filter((s) => s.trim() !== "");
  if (ids.length !== 1) throw new Error(`expected one container for lab host ${host}, found ${ids.length}; is the lab up ('npm run lab:up')?`);
  return ids[0]!;
}

/** A command on a lab host, as `docker exec` runs it. */
export async function labExec(host: LabHost, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const interactive = opts.input !== undefined ? ["-i"] : [];
  return exec("docker", ["exec", ...interactive, await labContainer(host), ...args], { timeoutMs: 60_000, ...opts });
}

/** The docker CLI of a node host's own engine: the pods' containers live there. */
export function labNodeDocker(node: LabNode, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return labExec(node, ["docker", ...args], opts);
}

/** A lab host's address on the lab network, as Docker reports it. */
export async function labAddress(host: LabHost): Promise<string> {
  const r = expectSuccess(
    `docker inspect of lab host ${host}`,
    await docker(["inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", await labContainer(host)]),
  );
  const ip = r.stdout.trim().split(/\s+/)[0];
  if (!ip) throw new Error(`lab host ${host} has no address on the lab network; is it running and connected?`);
  return ip;
}

/** The lab network's name as compose made it, for `docker network disconnect/connect`. */
export const labNetwork = `${LAB_PROJECT}_lab`;
