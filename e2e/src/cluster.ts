// A whole Bosun cluster for one test file: a real etcd, one bosun-master and the
// agents as child processes on this host's Docker engine. Node names carry a run id,
// so concurrent or crashed runs never see (or remove) each other's containers.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient, kubeconfigYaml, type ClientCredentials } from "@bosun/client";
import { createJoinToken } from "@bosun/cli";
import { adminCredentials } from "@bosun/pki";
import { nodeReadyCondition, resourceByKind, type Node } from "@bosun/api";
import { startTestEtcd } from "@bosun/apiserver/testing";
import { docker, ensureImages, removeNodeContainers } from "./docker.js";
import { CommandStream, exec, type ExecResult } from "./exec.js";
import { unmountUnder } from "./mounts.js";
import { ManagedProcess } from "./process.js";
import { agentMain, agentNodeFlags, cliMain, masterMain } from "./paths.js";
import { freePort } from "./ports.js";
import { waitFor, type Note, type WaitOptions } from "./wait.js";

export interface AgentSpec {
  /** Short name inside the test; the node is called e2e-<runid>-<name>. */
  name: string;
  labels?: Record<string, string>;
  capacityCpu?: string;
  capacityMemory?: string;
  /** Runs the node's ingress proxy on free loopback ports (Cluster.ingressPort); off by default, as agents share this host's ports. */
  ingress?: boolean;
}

export interface ClusterOptions {
  agents: AgentSpec[];
  /** Default 1000; the node monitor grace is four periods. */
  heartbeatPeriodMs?: number;
  /** Default 10s: how long pods stay on an unreachable node before they are evicted. */
  podEvictionTimeout?: string;
  /** How long node certificates last (the master's --node-cert-validity); default the master's. */
  nodeCertValidity?: string;
  /**
   * The API listens on every address and advertises the host's own, as `bosun up`
   * does, so that pods reach it through the kubernetes Service; otherwise it listens
   * on loopback only and the Service has no endpoint.
   */
  advertiseApi?: boolean;
}

interface AgentProcess {
  spec: AgentSpec;
  nodeName: string;
  /** The ingress proxy's ports, when the spec asked for one. */
  ingress?: { http: number; https: number };
  process: ManagedProcess;
}

const nodes = resourceByKind("v1", "Node")!;
const startTimeoutMs = 60_000;
const logLevel = process.env.BOSUN_E2E_LOG_LEVEL ?? "debug";

// Children must not outlive a test process that dies on an uncaught error.
const live = new Set<ManagedProcess>();
process.once("exit", () => {
  for (const p of live) if (p.pid !== undefined && p.running) process.kill(p.pid, "SIGKILL");
});

export class Cluster {
  readonly client: ApiClient;
  readonly server: string;
  /** The admin's kubeconfig for this cluster (the master's CA and admin certificate). */
  readonly kubeconfig: string;
  private failed = false;
  private stopped = false;

  constructor(
    readonly runId: string,
    readonly logDir: string,
    private readonly etcd: { endpoint: string; stop(): Promise<void> },
    private readonly master: ManagedProcess,
    private readonly agents: Map<string, AgentProcess>,
    apiPort: number,
    private readonly grpcPort: number,
    readonly credentials: Required<Pick<ClientCredentials, "ca" | "cert" | "key">>,
    private readonly joinToken: string,
  ) {
    this.server = `https://127.0.0.1:${apiPort}`;
    this.client = new ApiClient({ server: this.server, credentials, userAgent: `bosun-e2e/${runId}` });
    this.kubeconfig = join(logDir, "kubeconfig");
    writeFileSync(this.kubeconfig, kubeconfigYaml({ server: this.server, ...credentials }), { mode: 0o600 });
  }

  /** The real node name of an agent declared in the options. */
  /** The loopback port of an agent's ingress proxy (AgentSpec.ingress). */
  ingressPort(agent: string, scheme: "http" | "https" = "http"): number {
    const ports = this.agents.get(agent)?.ingress;
    if (!ports) throw new Error(`agent ${agent} runs no ingress proxy; give its AgentSpec ingress: true`);
    return ports[scheme];
  }

  nodeName(agent: string): string {
    const a = this.agents.get(agent);
    if (!a) throw new Error(`no agent "${agent}" in this cluster (have: ${[...this.agents.keys()].join(", ")})`);
    return a.nodeName;
  }

  get nodeNames(): string[] {
    return [...this.agents.values()].map((a) => a.nodeName);
  }

  /** The certificate an agent holds as its node identity (PEM), as it stored it when it joined or renewed. */
  nodeCertificate(agent: string): string {
    if (!this.agents.has(agent)) throw new Error(`no agent "${agent}" in this cluster`);
    return readFileSync(join(this.logDir, `agent-${agent}`, "pki", "node.crt"), "utf8");
  }

  /** Signals "master" or an agent by its short name and waits until it has exited. */
  async kill(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await this.processOf(name).kill(signal);
  }

  /** Stops the master if it runs, starts it on the same ports and waits for /readyz. */
  async restartMaster(): Promise<void> {
    await this.master.kill("SIGTERM");
    this.master.start();
    await waitUntilReady(this.master, this.client);
  }

  /**
   * Compacts the cluster's etcd at its current revision, as etcd's periodic
   * compaction would, so every older resourceVersion is gone; answers the revision.
   */
  async compactEtcd(): Promise<number> {
    // etcd's JSON gateway: a range read's header carries the current revision.
    const range = await etcdGateway<{ header: { revision: string } }>(this.etcd.endpoint, "kv/range", { key: Buffer.from("/").toString("base64"), limit: 1 });
    const revision = Number(range.header.revision);
    await etcdGateway(this.etcd.endpoint, "kv/compaction", { revision: String(revision), physical: true });
    return revision;
  }

  /** The master's encryption configuration (made at its first start in its data directory). */
  get encryptionConfigFile(): string {
    return join(this.logDir, "master", "encryption-config.yaml");
  }

  /** An object's value as etcd holds it (under this cluster's prefix), undefined when absent: what encryption at rest hides. */
  async etcdValue(group: string, resource: string, namespace: string | undefined, name: string): Promise<Buffer | undefined> {
    const key = `${etcdPrefixOf(this.runId)}/${group || "core"}/${resource}/${namespace ? `${namespace}/` : ""}${name}`;
    const range = await etcdGateway<{ kvs?: { value: string }[] }>(this.etcd.endpoint, "kv/range", { key: Buffer.from(key).toString("base64") });
    const value = range.kvs?.[0]?.value;
    return value === undefined ? undefined : Buffer.from(value, "base64");
  }

  /** Stops the agent if it runs, starts it with the same flags and waits for its node to be Ready. */
  async restartAgent(name: string): Promise<void> {
    const agent = this.agents.get(name);
    if (!agent) throw new Error(`no agent "${name}" in this cluster`);
    await agent.process.kill("SIGTERM");
    agent.process.start();
    await this.waitForNodesReady([agent.nodeName]);
  }

  /** Starts one more agent (a node joining the cluster) and waits for its node to be Ready. */
  async addAgent(spec: AgentSpec): Promise<string> {
    if (this.agents.has(spec.name)) throw new Error(`the cluster already has an agent "${spec.name}"`);
    const agent = await agentProcess(spec, this.runId, this.server, this.grpcPort, this.joinToken, this.logDir);
    this.agents.set(spec.name, agent);
    live.add(agent.process);
    agent.process.start();
    await this.waitForNodesReady([agent.nodeName]);
    return agent.nodeName;
  }

  /**
   * A host dying: the agent is killed without a chance to clean up and its
   * containers vanish with it. The node stays in the API, as a dead host's would.
   */
  async killHost(name: string): Promise<void> {
    const agent = this.agents.get(name);
    if (!agent) throw new Error(`no agent "${name}" in this cluster`);
    await agent.process.kill("SIGKILL");
    await removeNodeContainers([agent.nodeName]);
  }

  /** Runs the real bosun CLI against this cluster. */
  bosun(args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return exec(process.execPath, [cliMain, "--kubeconfig", this.kubeconfig, ...args], {
      input: opts.input,
      timeoutMs: opts.timeoutMs ?? 90_000,
      env: this.bosunEnv(),
    });
  }

  /** Starts a bosun command that runs until stopped (port-forward). */
  bosunStream(args: readonly string[]): CommandStream {
    const child = spawn(process.execPath, [cliMain, "--kubeconfig", this.kubeconfig, ...args], { env: this.bosunEnv(), stdio: ["ignore", "pipe", "pipe"] });
    return new CommandStream(`bosun ${args.join(" ")}`, child);
  }

  /** A private BOSUN_HOME keeps the user's ~/.bosun/config.json out of the test. */
  private bosunEnv(): NodeJS.ProcessEnv {
    const home = join(this.logDir, "bosun-home");
    mkdirSync(home, { recursive: true });
    return { ...process.env, BOSUN_HOME: home };
  }

  /** Runs /usr/bin/kubectl against this cluster, with no kubeconfig of the user's. */
  kubectl(args: readonly string[]): Promise<ExecResult> {
    const home = join(this.logDir, "kube-home");
    mkdirSync(home, { recursive: true });
    return exec("/usr/bin/kubectl", ["--kubeconfig", this.kubeconfig, "--cache-dir", join(home, "cache"), ...args], {
      env: { ...process.env, HOME: home, KUBECONFIG: this.kubeconfig },
    });
  }

  docker(args: readonly string[]): Promise<ExecResult> {
    return docker(args);
  }

  waitFor<T>(fn: (note: Note) => Promise<T | undefined | null | false> | T | undefined | null | false, opts: WaitOptions): Promise<T> {
    return waitFor(fn, opts);
  }

  async waitForNodesReady(names: readonly string[] = this.nodeNames): Promise<void> {
    await waitFor(
      async (note) => {
        const list = await this.client.list<Node>(nodes);
        const notReady = names.filter((n) => {
          const node = list.items.find((i) => i.metadata.name === n);
          return !node || nodeReadyCondition(node)?.status !== "True";
        });
        note({ notReady, nodes: list.items.map(nodeSummary) });
        return notReady.length === 0;
      },
      { timeoutMs: startTimeoutMs, what: `nodes ${names.join(", ")} to be Ready` },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${this.logHint()}`);
    });
  }

  /**
   * Marks the run as failed (logs are kept), prints the tail of every process log to
   * stderr and adds the log directory to the error's message.
   */
  noteFailure(err: unknown, test: string): void {
    this.failed = true;
    const hint = this.logHint();
    if (err instanceof Error) err.message += `\n${hint}`;
    const tails = [this.master, ...[...this.agents.values()].map((a) => a.process)]
      .map((p) => `----- last lines of ${p.logFile} -----\n${p.tail(30)}`)
      .join("\n");
    process.stderr.write(`[e2e] "${test}" failed; ${hint}\n${tails}\n`);
  }

  logHint(): string {
    return `process logs: ${this.logDir} (master.log, ${[...this.agents.keys()].map((a) => `agent-${a}.log`).join(", ")})`;
  }

  /** Stops every process, removes this run's containers, and the logs unless a test failed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Agents first, so none recreates a container while they are being removed.
    await Promise.all([...this.agents.values()].map((a) => a.process.kill("SIGTERM")));
    await this.master.kill("SIGTERM");
    for (const p of [this.master, ...[...this.agents.values()].map((a) => a.process)]) live.delete(p);
    await this.etcd.stop();
    await removeNodeContainers(this.nodeNames);
    // The volumes of pods that still ran stay mounted in the agents' data directories.
    await unmountUnder(this.logDir);
    if (this.failed) process.stderr.write(`[e2e] kept ${this.logDir} for the failed run\n`);
    else rmSync(this.logDir, { recursive: true, force: true });
  }

  private processOf(name: string): ManagedProcess {
    if (name === "master") return this.master;
    const agent = this.agents.get(name);
    if (!agent) throw new Error(`no process "${name}" in this cluster (have: master, ${[...this.agents.keys()].join(", ")})`);
    return agent.process;
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  await ensureImages();
  const runId = randomUUID().slice(0, 8);
  const logDir = mkdtempSync(join(tmpdir(), `bosun-e2e-${runId}-`));
  const heartbeat = opts.heartbeatPeriodMs ?? 1000;
  const etcd = await startTestEtcd();
  const [apiPort, grpcPort] = [await freePort(), await freePort()];
  // A /16 of its own per run, so the pod networks of a crashed run never collide with this one's.
  const clusterCidr = `10.${100 + Math.floor(Math.random() * 150)}.0.0/16`;
  // Its Service range too, apart from the pod ranges and from a local cluster's 10.96.0.0/12:
  // the agents' service proxies of every cluster on this host share its nat table.
  const serviceCidr = `10.${20 + Math.floor(Math.random() * 70)}.0.0/16`;

  const master = new ManagedProcess(
    "bosun-master",
    [
      masterMain,
      "--etcd-servers", etcd.endpoint,
      "--etcd-prefix", etcdPrefixOf(runId),
      "--data-dir", join(logDir, "master"),
      "--default-local-storage-path", join(logDir, "storage"),
      "--cluster-cidr", clusterCidr,
      "--service-cluster-ip-range", serviceCidr,
      "--api-listen", `${opts.advertiseApi ? "0.0.0.0" : "127.0.0.1"}:${apiPort}`,
      "--grpc-listen", `127.0.0.1:${grpcPort}`,
      "--heartbeat-period-ms", String(heartbeat),
      "--node-monitor-grace-ms", String(heartbeat * 4),
      "--pod-eviction-timeout", opts.podEvictionTimeout ?? "10s",
      ...(opts.nodeCertValidity ? ["--node-cert-validity", opts.nodeCertValidity] : []),
      "--log-level", logLevel,
    ],
    join(logDir, "master.log"),
  );

  const server = `https://127.0.0.1:${apiPort}`;
  live.add(master);
  master.start();
  let credentials: Cluster["credentials"];
  let admin: ApiClient;
  let joinToken: string;
  try {
    // The master makes the cluster PKI at first start; the test acts as its admin.
    credentials = await waitFor(() => adminCredentials(join(logDir, "master", "pki")), { timeoutMs: startTimeoutMs, what: "the master's PKI" });
    admin = new ApiClient({ server, credentials, userAgent: `bosun-e2e/${runId}` });
    await waitUntilReady(master, admin);
    joinToken = await createJoinToken(admin, { ttlMs: 3_600_000, description: `e2e run ${runId}` });
  } catch (err) {
    process.stderr.write(`[e2e] the master did not start; log ${master.logFile}:\n${master.tail(30)}\n`);
    await master.kill("SIGKILL");
    live.delete(master);
    await etcd.stop();
    throw err;
  }
  const agents = new Map<string, AgentProcess>();
  for (const spec of opts.agents) agents.set(spec.name, await agentProcess(spec, runId, server, grpcPort, joinToken, logDir));

  const cluster = new Cluster(runId, logDir, etcd, master, agents, apiPort, grpcPort, credentials, joinToken);
  try {
    for (const a of agents.values()) {
      live.add(a.process);
      a.process.start();
    }
    await cluster.waitForNodesReady();
  } catch (err) {
    cluster.noteFailure(err, "startCluster");
    await cluster.stop();
    throw err;
  }
  return cluster;
}

async function agentProcess(spec: AgentSpec, runId: string, server: string, grpcPort: number, token: string, logDir: string): Promise<AgentProcess> {
  const nodeName = `e2e-${runId}-${spec.name}`;
  const args = [
    ...agentNodeFlags,
    agentMain,
    "--node-name", nodeName,
    "--server", server,
    "--master", `127.0.0.1:${grpcPort}`,
    "--token", token,
    "--data-dir", join(logDir, `agent-${spec.name}`),
    "--listen", `127.0.0.1:${await freePort()}`,
    "--infra-image", "bosun.local/pause:1",
    "--log-level", logLevel,
  ];
  const labels = Object.entries(spec.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) args.push("--node-labels", labels.join(","));
  if (spec.capacityCpu) args.push("--capacity-cpu", spec.capacityCpu);
  if (spec.capacityMemory) args.push("--capacity-memory", spec.capacityMemory);
  const ingress = spec.ingress ? { http: await freePort(), https: await freePort() } : undefined;
  args.push("--ingress-http", ingress ? `127.0.0.1:${ingress.http}` : "off", "--ingress-https", ingress ? `127.0.0.1:${ingress.https}` : "off");
  return { spec, nodeName, ingress, process: new ManagedProcess(`bosun-agent ${nodeName}`, args, join(logDir, `agent-${spec.name}.log`)) };
}

/** Waits for /readyz; fails at once, with the log's tail, if the process exits. */
async function waitUntilReady(proc: ManagedProcess, client: ApiClient): Promise<void> {
  const outcome = await waitFor(
    async () => {
      if (!proc.running) return "exited";
      // A failure is thrown so that waitFor reports it as the last thing seen.
      await client.request("GET", "/readyz");
      return "ready";
    },
    { timeoutMs: startTimeoutMs, what: `${proc.label} to answer ${client.server}/readyz` },
  );
  if (outcome === "exited") {
    throw new Error(`${proc.label} exited before it was ready; log ${proc.logFile}:\n${proc.tail(30)}`);
  }
}

/** Where a run's master keeps its objects in the shared test etcd. */
function etcdPrefixOf(runId: string): string {
  return `/registry-${runId}`;
}

async function etcdGateway<T>(endpoint: string, path: string, body: unknown): Promise<T> {
  const r = await fetch(`${endpoint}/v3/${path}`, { method: "POST", body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`etcd ${endpoint}/v3/${path} answered ${r.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

function nodeSummary(n: Node): { name: string | undefined; ready: string | undefined } {
  return { name: n.metadata.name, ready: nodeReadyCondition(n)?.status };
}
