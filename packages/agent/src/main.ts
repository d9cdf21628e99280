#!/usr/bin/env node
// bosun-agent: runs this node's pods on Docker for the bosun masters.
import os from "node:os";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { createLogger, setLogLevel } from "@bosun/client";
import { Agent } from "./agent.js";
import { DockerRuntime } from "./runtime/docker.js";
import { parseLabels } from "./node-info.js";
import { obtainNodeCredentials } from "./identity/credentials.js";
import { IdentityStore } from "./identity/store.js";
import { dispatcherAddresses, parseListenFlag, parseServers } from "./servers.js";
import { POD_NETWORK_MODES, type PodNetworkMode } from "./network/plan.js";
import { LinuxHost } from "./network/host.js";
import { removeNodeNetwork } from "./network/cleanup.js";
import { removeServiceProxy } from "./proxy/cleanup.js";
import { removeNetworkPolicy } from "./policy/cleanup.js";
import { VolumeManager } from "./volumes/manager.js";

const log = createLogger("agent/main");

interface Flags {
  nodeName: string;
  server: string;
  token?: string;
  dataDir: string;
  master?: string;
  listen: string;
  nodeLabels?: string;
  capacityCpu?: string;
  capacityMemory?: string;
  infraImage: string;
  dockerSocket: string;
  podNetwork: string;
  clusterDomain: string;
  ingressHttp: string;
  ingressHttps: string;
  cleanup?: boolean;
  logLevel: string;
}

const program = new Command()
  .name("bosun-agent")
  .description("Bosun node agent: runs the pods the masters assign to this node on Docker")
  .option("--node-name <name>", "this node's name", os.hostname().toLowerCase())
  .option("--server <urls>", "comma-separated API URLs of the masters, for joining and certificate renewal", "https://127.0.0.1:6443")
  .option("--token <token>", "join token from 'bosun token create' (needed until the node has its certificate; also read from $BOSUN_TOKEN)")
  .option("--data-dir <dir>", "where the agent keeps its state: the node's key and certificate in <dir>/pki, pods' volumes in <dir>/pods", "/var/lib/bosun/agent")
  .option("--master <addresses>", "comma-separated dispatcher addresses (host:port); default: each --server host on port 6444")
  .option("--listen <address>", "where to serve AgentService (logs); the address sent to the masters", "127.0.0.1:10250")
  .option("--node-labels <labels>", "extra node labels, k=v,k2=v2")
  .option("--capacity-cpu <quantity>", "cpu capacity to report instead of the host's")
  .option("--capacity-memory <quantity>", "memory capacity to report instead of the host's")
  .option("--infra-image <image>", "image of each pod's infra (network namespace) container", "bosun.local/pause:1")
  .option("--docker-socket <path>", "Docker Engine API socket", "/var/run/docker.sock")
  .option("--pod-network <mode>", "how other nodes' pods are reached: host-gw (routes via their InternalIP; VXLAN for nodes on another L2 segment) or vxlan (always)", "host-gw")
  .option("--cluster-domain <domain>", "the cluster's DNS zone, which the node's DNS answers and pods search", "cluster.local")
  .option("--ingress-http <host:port|off>", "where the node's ingress proxy serves HTTP for Ingresses of class bosun", "0.0.0.0:80")
  .option("--ingress-https <host:port|off>", "where it serves HTTPS, with the kubernetes.io/tls Secrets the Ingresses name", "0.0.0.0:443")
  .option("--cleanup", "remove this node's pod network (Docker network, iptables chains, routes, VXLAN device), service proxy and network policy chains, and its pods' volumes (<data-dir>/pods, tmpfs mounts included), and exit; remove its pods' containers first")
  .option("--log-level <level>", "trace, debug, info, warn, error", "info");

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<Flags>();
  setLogLevel(flags.logLevel);
  if (!POD_NETWORK_MODES.includes(flags.podNetwork as PodNetworkMode)) {
    throw new Error(`--pod-network ${flags.podNetwork}: unknown mode; use one of ${POD_NETWORK_MODES.join(", ")}`);
  }
  if (flags.cleanup) {
    process.exitCode = await cleanup(flags);
    return;
  }
  const servers = parseServers(flags.server);
  const token = flags.token ?? process.env.BOSUN_TOKEN;
  const credentials = await obtainNodeCredentials({
    nodeName: flags.nodeName,
    servers,
    ...(token ? { token } : {}),
    store: new IdentityStore(flags.dataDir),
  });
  const agent = new Agent({
    nodeName: flags.nodeName,
    masters: dispatcherAddresses(servers, flags.master),
    credentials,
    dataDir: flags.dataDir,
    listen: flags.listen,
    nodeLabels: parseLabels(flags.nodeLabels),
    capacityCpu: flags.capacityCpu,
    capacityMemory: flags.capacityMemory,
    infraImage: flags.infraImage,
    runtime: new DockerRuntime(flags.dockerSocket),
    podNetwork: flags.podNetwork as PodNetworkMode,
    apiServers: servers,
    clusterDomain: flags.clusterDomain,
    ingressHttp: parseListenFlag(flags.ingressHttp, "--ingress-http"),
    ingressHttps: parseListenFlag(flags.ingressHttps, "--ingress-https"),
  });
  await agent.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping the agent; pods keep running");
    agent.stop().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: err.message }, "stopping the agent failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function cleanup(flags: Flags): Promise<number> {
  const host = new LinuxHost();
  const r = await removeNodeNetwork(flags.nodeName, new DockerRuntime(flags.dockerSocket), host);
  const proxyChains = await removeServiceProxy(flags.nodeName, host);
  const policyChains = await removeNetworkPolicy(flags.nodeName, host);
  const podsDir = join(flags.dataDir, "pods");
  const volumesLeft = await readdir(podsDir).catch(() => []);
  // Every pod counts as gone: its tmpfs mounts are unmounted before its directory is removed.
  await new VolumeManager({ podsDir }).sweep(() => false);
  const volumesKept = await readdir(podsDir).catch(() => []);
  const removed = [
    ...r.networks.map((n) => `network ${n}`),
    ...(r.chains ? ["iptables chains"] : []),
    ...(proxyChains.length > 0 ? [`${proxyChains.length} service proxy chain(s)`] : []),
    ...(policyChains.length > 0 ? [`${policyChains.length} network policy chain(s)`] : []),
    ...(r.vxlanDevice ? ["VXLAN device"] : []),
    ...(r.routes.length > 0 ? [`${r.routes.length} route(s)`] : []),
    ...(volumesLeft.length > volumesKept.length ? [`the volumes of ${volumesLeft.length - volumesKept.length} pod(s)`] : []),
  ];
  process.stdout.write(`node ${flags.nodeName}: ${removed.length > 0 ? `removed ${removed.join(", ")}` : "no pod network to remove"}\n`);
  const problems = [...r.problems, ...(volumesKept.length > 0 ? [`the volumes of pods ${volumesKept.join(", ")} could not be removed from ${podsDir} (see the log)`] : [])];
  for (const p of problems) process.stderr.write(`bosun-agent --cleanup: ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}

main().catch((err: Error) => {
  log.error({ err: err.message }, "bosun-agent failed to start");
  process.exit(1);
});
