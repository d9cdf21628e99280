#!/usr/bin/env node
// bosun-master: the apiserver over etcd, and, as its clients over the REST API, the
// scheduler, the controllers and the dispatcher that agents connect to.
import { Command } from "commander";
import { createApiServer, ensureEncryptionConfigFile, readTokenFile } from "@bosun/apiserver";
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
import { loadEtcdTls, loadMasterPki } from "./tls.js";

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
  const pki = await loadMasterPki(config);
  const etcdTls = loadEtcdTls(config.etcdTlsFiles);
  log.info({ dir: pki.dir }, "cluster PKI ready");
  // The master's own identity: for its controllers' API calls and its calls to agents.
  const masterCredentials = { ca: pki.ca.cert, cert: pki.master.cert, key: pki.master.key };

  let client: ApiClient | undefined;
  const agents = new AgentClients({
    getNode: (name: string) => {
      if (!client) throw new Error("the master is still starting; retry in a moment");
      return client.get<Node>(nodeResource, name);
    },
    tls: masterCredentials,
  });
  closers.push({ name: "agent clients", close: () => agents.close() });
  const logSource = new AgentLogSource(agents);
  const streamSource = new AgentStreamSource(agents);

  const encryption = ensureEncryptionConfigFile(config.encryptionProviderConfig.path, config.encryptionProviderConfig.create);
  const api = await createApiServer({
    etcdEndpoints: config.etcdServers,
    ...(etcdTls ? { etcdTls } : {}),
    tls: { cert: pki.apiserver.cert, key: pki.apiserver.key, clientCa: pki.ca.cert },
    nodeCertificates: { ca: pki.ca, validityMs: config.nodeCertValidityMs },
    ...(config.tokenAuthFile ? { staticTokens: readTokenFile(config.tokenAuthFile) } : {}),
    prefix: config.etcdPrefix,
    logSource,
    streamSource,
    eventTtlSeconds: Math.round(config.eventTtlMs / 1000),
    serviceRanges: config.serviceRanges,
    advertiseAddress: config.advertiseAddress,
    encryption: { config: encryption, file: config.encryptionProviderConfig.path },
    etcdCompactionIntervalSeconds: config.etcdCompactionIntervalMs / 1000,
    serviceAccounts: { signingKey: pki.serviceAccount },
  });
  closers.push({ name: "apiserver", close: () => api.close() });
  const { port: apiPort } = await api.listen(config.apiListen.host, config.apiListen.port);
  const server = `https://${formatHostPort({ host: config.apiListen.host, port: apiPort })}`;
  log.info({ url: server, etcd: config.etcdServers, prefix: config.etcdPrefix }, "API server listening");

  client = new ApiClient({ server, userAgent: "bosun-master", credentials: masterCredentials });

  // The scheduler and controllers run only in the elected master; the apiserver and
  // the dispatcher serve in every master.
  const leaderClient = client;
  let manager: ControllerManager | undefined;
  const election = startLeaderElection({
    etcdEndpoints: config.etcdServers,
    ...(etcdTls ? { etcdTls } : {}),
    electionKey: electionKeyFor(config.etcdPrefix),
    identity: `${hostname()}_${process.pid}`,
    leaseTtlSeconds: Math.max(1, Math.round(config.leaderLeaseMs / 1000)),
    onStartedLeading: async () => {
      manager = await startControllerManager({
        client: leaderClient,
        nodeMonitorGraceMs: config.nodeMonitorGraceMs,
        podEvictionTimeoutMs: config.podEvictionTimeoutMs,
        clusterCidr: config.clusterCidr,
        nodeCidrMaskSize: config.nodeCidrMaskSize,
        ...(config.localStorage ? { localStorage: config.localStorage } : {}),
        rootCa: pki.ca.cert,
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
    clusterCidr: config.clusterCidr,
    host: config.grpcListen.host,
    port: config.grpcListen.port,
    tls: { ca: pki.ca.cert, cert: pki.dispatcher.cert, key: pki.dispatcher.key },
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
  .option("--api-listen <host:port>", "where the Kubernetes API (HTTPS) listens", "127.0.0.1:6443")
  .option("--grpc-listen <host:port>", "where the dispatcher's NodeService for agents listens", "127.0.0.1:6444")
  .option("--heartbeat-period-ms <ms>", "how often agents heartbeat", "5000")
  .option("--node-monitor-grace-ms <ms>", "silence after which a node becomes Ready=Unknown", "15000")
  .option("--pod-eviction-timeout <duration>", "how long pods stay on an unreachable node before they are evicted (Kubernetes: 5m)", "30s")
  .option("--event-ttl <duration>", "how long events are kept", "1h")
  .option("--leader-lease <duration>", "how long a dead master keeps the scheduler and controllers before another takes over", "15s")
  .option("--etcd-compaction-interval <duration>", "how often etcd's history is compacted (as kube-apiserver); 0 turns compaction off", "5m")
  .option("--cluster-cidr <cidr>", "the range every node's pod CIDR is cut from; the same on every master", "10.244.0.0/16")
  .option("--node-cidr-mask-size <bits>", "the prefix length of each node's pod CIDR", "24")
  .option("--service-cluster-ip-range <cidr>", "the range Services' cluster IPs come from; the same on every master", "10.96.0.0/12")
  .option("--service-node-port-range <from-to>", "the ports NodePort Services get", "30000-32767")
  .option("--advertise-address <ip>", "the address pods reach this master's API at, in the kubernetes Service's endpoints (default: the --api-listen address, or the host's own address when that is 0.0.0.0)")
  .option("--data-dir <dir>", "where the master keeps its state: the cluster PKI in <dir>/pki (copy ca.crt, ca.key, sa.key and sa.pub there from the first master before a second one starts)", "/var/lib/bosun/master")
  .option("--tls-san <names>", "comma-separated extra host names and addresses for the API's and dispatcher's certificates")
  .option("--etcd-cafile <file>", "CA of etcd's serving certificate (https etcd)")
  .option("--etcd-certfile <file>", "the master's client certificate for etcd")
  .option("--etcd-keyfile <file>", "the key of --etcd-certfile")
  .option("--encryption-provider-config <file>", "encryption at rest, as kube-apiserver's EncryptionConfiguration file (aesgcm and identity providers); followed for changes. Default: <data-dir>/encryption-config.yaml, made at first start with a new aesgcm key for Secrets. Every master needs the same file")
  .option("--token-auth-file <file>", "bearer tokens as kube-apiserver's token file: token,user,uid[,\"group1,group2\"] per line")
  .option("--node-cert-validity <duration>", "how long the node certificates this master signs last; agents renew them at 70% of that", "8760h")
  .option("--default-local-storage-path <dir>", "the directory of every node under which the built-in local-path provisioner makes volumes (as k3s)", "/var/lib/bosun/storage")
  .option("--local-path-helper-image <image>", "the image of the local-path provisioner's helper pods, which make and remove volume directories on nodes; it needs sh, mkdir and rm", "bosun.local/busybox:1")
  .option("--disable-local-storage", "do not run the local-path provisioner nor create the default StorageClass local-path")
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
