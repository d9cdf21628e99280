// `bosun up`: the local single-host cluster in the foreground. etcd, the master
// and one agent run as children; Ctrl-C stops them in reverse order of need
// (agent, master, etcd) and leaves the pods' containers running for the agent
// of the next `bosun up` to adopt.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminCredentials } from "@bosun/pki";
import { hostname } from "node:os";
import { nodeReadyCondition, mustResource, type Node } from "@bosun/api";
import { ApiClient } from "@bosun/client";
import { kubeconfigPath, writeClientConfig } from "../config.js";
import { createJoinToken } from "../join-tokens.js";
import { CliError } from "../context.js";
import { binaryCommand, binaryPath, etcdBinary } from "./binaries.js";
import { startChild, stopPid, waitFor, type Child } from "./processes.js";
import { ClusterPaths, commandLineHas, readRecord, runningUpPid, writeRecord, type ClusterRecord } from "./state.js";

export interface UpOptions {
  home: string;
  nodeName?: string;
  /** Where the API listens: every address by default, so pods reach it through the kubernetes Service. */
  bindAddress: string;
  etcdPort: number;
  etcdPeerPort: number;
  apiPort: number;
  grpcPort: number;
  agentPort: number;
  etcdBinary?: string;
  logLevel: string;
  out: (line: string) => void;
}

/** The host name as a DNS-1123 node name. */
export function defaultNodeName(host: string = hostname()): string {
  const name = host.toLowerCase().replace(/[^a-z0-9.-]/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "").slice(0, 63);
  return name || "bosun-node";
}

/** Stops children a killed `bosun up` left behind, so their ports are free again. */
export async function stopLeftovers(paths: ClusterPaths, record: ClusterRecord | undefined): Promise<string[]> {
  const stopped: string[] = [];
  for (const name of ["agent", "master", "etcd"]) {
    const child = record?.children[name];
    if (child && commandLineHas(child.pid, child.match)) {
      await stopPid(child.pid, 10_000);
      stopped.push(`${name} (pid ${child.pid})`);
    }
  }
  return stopped;
}

export async function runUp(opts: UpOptions): Promise<number> {
  const paths = new ClusterPaths(opts.home);
  const running = runningUpPid(paths);
  if (running !== undefined) {
    throw new CliError(`a local cluster is already running (bosun up, pid ${running}); stop it with Ctrl-C in its terminal, or 'bosun down' to remove it`);
  }
  mkdirSync(paths.logDir, { recursive: true });
  const previous = readRecord(paths);
  const leftovers = await stopLeftovers(paths, previous);
  if (leftovers.length > 0) opts.out(`Stopped processes left by an earlier bosun up: ${leftovers.join(", ")}`);
  writeFileSync(paths.pidFile, `${process.pid}\n`);

  const nodeName = opts.nodeName ?? previous?.nodeName ?? defaultNodeName();
  const server = `https://127.0.0.1:${opts.apiPort}`;
  const etcdUrl = `http://127.0.0.1:${opts.etcdPort}`;
  const children: Child[] = [];
  const record: ClusterRecord = { nodeName, server, children: {} };
  const remember = (child: Child, match: string) => {
    children.push(child);
    if (child.process.pid !== undefined) record.children[child.name] = { pid: child.process.pid, match };
    writeRecord(paths, record);
  };

  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    // Agent first, so it does not report a vanished master; etcd last, so the
    // master can finish its writes.
    for (const child of [...children].reverse()) {
      if (child.process.pid !== undefined && child.process.exitCode === null && child.process.signalCode === null) {
        await stopPid(child.process.pid, 15_000);
      }
    }
    record.children = {};
    writeRecord(paths, record);
    rmSync(paths.pidFile, { force: true });
  };

  // A signal during start-up aborts the waits; once running, it ends the wait below.
  const abort = new AbortController();
  const interrupted = new Promise<string>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(sig, () => {
        abort.abort();
        resolve(sig);
      });
    }
  });

  try {
    opts.out(`Starting etcd on ${etcdUrl} (data in ${paths.etcdDir})`);
    const etcdBin = etcdBinary(opts.etcdBinary);
    const peerUrl = `http://127.0.0.1:${opts.etcdPeerPort}`;
    const etcd = startChild("etcd", etcdBin, [
      "--name", "bosun",
      "--data-dir", paths.etcdDir,
      "--listen-client-urls", etcdUrl,
      "--advertise-client-urls", etcdUrl,
      "--listen-peer-urls", peerUrl,
      "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", `bosun=${peerUrl}`,
    ], paths.log("etcd"));
    remember(etcd, paths.etcdDir);
    await waitFor("etcd answered /health", etcd, async () => {
      const res = await fetch(`${etcdUrl}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === "true";
    }, 30_000, abort.signal);

    opts.out(`Starting bosun-master (API ${server})`);
    const masterMain = binaryPath("@bosun/master", "bosun-master");
    const master = startChild("master", process.execPath, [
      masterMain,
      "--etcd-servers", etcdUrl,
      "--data-dir", paths.masterDir,
      // Listening beyond loopback puts this host's address in the kubernetes Service's endpoints.
      "--api-listen", `${opts.bindAddress}:${opts.apiPort}`,
      "--grpc-listen", `127.0.0.1:${opts.grpcPort}`,
      "--log-level", opts.logLevel,
    ], paths.log("master"));
    remember(master, masterMain);
    // The master makes the cluster PKI at first start; its admin certificate is ours.
    let client: ApiClient | undefined;
    await waitFor("the master answered /readyz", master, async () => {
      client ??= adminClient(paths, server);
      if (!client) return false;
      await client.request("GET", "/readyz");
      return true;
    }, 60_000, abort.signal);
    const admin = client!;
    writeClientConfig(opts.home, { server, ...adminCredentials(join(paths.masterDir, "pki"))! });
    // The agent needs a token only until it has its node certificate.
    const joined = existsSync(join(paths.agentDir, "pki", "node.crt"));
    const token = joined ? undefined : await createJoinToken(admin, { ttlMs: 3_600_000, description: "bosun up: the local agent's join" });

    opts.out(`Starting bosun-agent (node ${nodeName})`);
    const agentCommand = binaryCommand("@bosun/agent", "bosun-agent");
    const agentMain = agentCommand.path;
    const agent = startChild("agent", process.execPath, [
      ...agentCommand.nodeFlags,
      agentMain,
      "--node-name", nodeName,
      "--server", server,
      "--master", `127.0.0.1:${opts.grpcPort}`,
      "--data-dir", paths.agentDir,
      "--listen", `127.0.0.1:${opts.agentPort}`,
      "--log-level", opts.logLevel,
    ], paths.log("agent"), token ? { BOSUN_TOKEN: token } : {});
    remember(agent, agentMain);
    const nodes = mustResource("nodes");
    await waitFor(`node ${nodeName} to be Ready`, agent, async () => {
      const node = await admin.get<Node>(nodes, nodeName);
      return nodeReadyCondition(node)?.status === "True";
    }, 60_000, abort.signal);

    printWelcome(opts, nodeName, server);

    const exited = children.map((c) => c.exited.then((how) => ({ name: c.name, how, log: c.logFile })));
    const ended = await Promise.race([interrupted.then((sig) => ({ sig })), ...exited]);
    if ("sig" in ended) {
      opts.out(`\n${ended.sig}: stopping agent, master and etcd (pods keep running; the next 'bosun up' adopts them)`);
      await stopAll();
      opts.out("Stopped.");
      return 0;
    }
    opts.out(`\n${ended.name} stopped unexpectedly (${ended.how}); see ${ended.log}. Stopping the rest.`);
    await stopAll();
    return 1;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function printWelcome(opts: UpOptions, nodeName: string, server: string): void {
  const cli = process.argv[1] ?? "packages/cli/dist/src/main.js";
  const kubeconfig = kubeconfigPath(opts.home);
  opts.out(
    [
      "",
      `Bosun is running: API ${server}, node "${nodeName}" Ready.`,
      `State and logs are in ${opts.home} (logs/etcd.log, logs/master.log, logs/agent.log).`,
      "",
      "In another terminal:",
      `  alias bosun='node ${cli}'`,
      "  bosun get nodes",
      "  bosun apply -f examples/pod.yaml",
      "  bosun get pods -o wide",
      "  bosun logs hello",
      `  kubectl --kubeconfig ${kubeconfig} get pods`,
      "",
      "Ctrl-C stops the cluster; pods keep running and are adopted by the next 'npm start'.",
      "'npm run down' (bosun down) removes the pods and all state.",
      "",
    ].join("\n"),
  );
}

function adminClient(paths: ClusterPaths, server: string): ApiClient | undefined {
  const credentials = adminCredentials(join(paths.masterDir, "pki"));
  return credentials ? new ApiClient({ server, credentials, userAgent: "bosun-up" }) : undefined;
}
