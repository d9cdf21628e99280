#!/usr/bin/env node
// bosun-master: the apiserver over etcd, and, as its clients over the REST API, the
// scheduler, the controllers and the dispatcher that agents connect to.
import { Command } from "commander";
import { createApiServer } from "@bosun/apiserver";
import { ApiClient, createLogger, setLogLevel } from "@bosun/client";
import type { Node } from "@bosun/api";
import { hostname } from "node:os";
import { AgentClients } from "./agent-clients.js";
import { AgentStreamSource } from "./agent-exec.js";
import { AgentLogSource } from "./agent-logs.js";
import { formatHostPort, parseMasterConfig, type MasterConfig, type MasterFlags } from "./config.js";
import { startControllerManager, type ControllerManager } from "./controller-manager.js";
import { startDispatcher } from "./dispatcher/index.js";
import { electionKeyFor, startLeaderElection } from "./leader-election.js";
import { nodeResource } from "./resources.js";

const log = createLogger("master");

async function run(config: MasterConfig): Promise<void> {
  setLogLevel(config.logLevel);
  const closers: Array<{ name: string; close: () => Promise<void> | void }> = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal means the operator will not wait for a clean stop.
      log.warn({ signal }, "second signal while stopping; exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    // Last started, first stopped: clients of the apiserver before the apiserver.
    for (const { name, close } of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        log.warn({ component: name, err: String(err) }, "error while stopping");
      }
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // The agent clients find nodes through the apiserver, which exists only once it listens.
  // One set serves logs, exec, attach and port-forward: one gRPC channel per agent.
  let client: ApiClient | undefined;
  const agents = new AgentClients({
    getNode: (name: string) => {
      if (!client) throw new Error("the master is still starting; retry in a moment");
      return client.get<Node>(nodeResource, name);
    },
  });
  closers.push({ name: "agent clients", close: () => agents.close() });
  const logSource = new AgentLogSource(agents);
  const streamSource = new AgentStreamSource(agents);

  const api = await createApiServer({
    etcdEndpoints: config.etcdServers,
    prefix: config.etcdPrefix,
    logSource,
    streamSource,
    eventTtlSeconds: Math.round(config.eventTtlMs / 1000),
    etcdCompactionIntervalSeconds: config.etcdCompactionIntervalMs / 1000,
  });
  closers.push({ name: "apiserver", close: () => api.close() });
  const { port: apiPort } = await api.listen(config.apiListen.host, config.apiListen.port);
  const server = `http://${formatHostPort({ host: config.apiListen.host, port: apiPort })}`;
  log.info({ url: server, etcd: config.etcdServers, prefix: config.etcdPrefix }, "API server listening");

  client = new ApiClient({ server, userAgent: "bosun-master" });

  // The scheduler and controllers run only in the elected master; the apiserver and
  // the dispatcher serve in every master.
  const leaderClient = client;
  let manager: ControllerManager | undefined;
  const election = startLeaderElection({
    etcdEndpoints: config.etcdServers,
    electionKey: electionKeyFor(config.etcdPrefix),
    identity: `${hostname()}_${process.pid}`,
    leaseTtlSeconds: Math.max(1, Math.round(config.leaderLeaseMs / 1000)),
    onStartedLeading: async () => {
      manager = await startControllerManager({
        client: leaderClient,
        nodeMonitorGraceMs: config.nodeMonitorGraceMs,
        podEvictionTimeoutMs: config.podEvictionTimeoutMs,
      });
    },
    onStoppedLeading: async () => {
      await manager?.stop();
      manager = undefined;
    },
  });
  closers.push({ name: "scheduler and controllers", close: () => election.stop() });

  const dispatcher = await startDispatcher({
    client,
    heartbeatPeriodMs: config.heartbeatPeriodMs,
    host: config.grpcListen.host,
    port: config.grpcListen.port,
  });
  closers.push({ name: "dispatcher", close: () => dispatcher.close() });
  log.info(
    { address: formatHostPort({ host: config.grpcListen.host, port: dispatcher.port }), heartbeatPeriodMs: config.heartbeatPeriodMs },
    "dispatcher listening for agents",
  );
}

const program = new Command()
  .name("bosun-master")
  .description("The Bosun master: Kubernetes API over etcd, scheduler, controllers and the agent dispatcher.")
  .option("--etcd-servers <urls>", "comma-separated etcd client URLs", "http://127.0.0.1:2379")
  .option("--etcd-prefix <prefix>", "key prefix of every object in etcd", "/registry")
  .option("--api-listen <host:port>", "where the Kubernetes API (plain HTTP) listens", "127.0.0.1:6443")
  .option("--grpc-listen <host:port>", "where the dispatcher's NodeService for agents listens", "127.0.0.1:6444")
  .option("--heartbeat-period-ms <ms>", "how often agents heartbeat", "5000")
  .option("--node-monitor-grace-ms <ms>", "silence after which a node becomes Ready=Unknown", "15000")
  .option("--pod-eviction-timeout <duration>", "how long pods stay on an unreachable node before they are evicted (Kubernetes: 5m)", "30s")
  .option("--event-ttl <duration>", "how long events are kept", "1h")
  .option("--leader-lease <duration>", "how long a dead master keeps the scheduler and controllers before another takes over", "15s")
  .option("--etcd-compaction-interval <duration>", "how often etcd's history is compacted (as kube-apiserver); 0 turns compaction off", "5m")
  .option("--log-level <level>", "fatal, error, warn, info, debug or trace", "info")
  .action(async (flags: MasterFlags) => {
    let config: MasterConfig;
    try {
      config = parseMasterConfig(flags);
    } catch (err) {
      process.stderr.write(`bosun-master: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    }
    try {
      await run(config);
    } catch (err) {
      log.fatal({ err: err instanceof Error ? err.message : String(err) }, "bosun-master failed to start");
      process.exit(1);
    }
  });

await program.parseAsync(process.argv);
