// Parsing of the master's flags into typed configuration. Bad values fail at start
// with a message naming the flag, rather than surfacing later as a bind error.
import { isAbsolute, join, normalize } from "node:path";
import { cidrProblem, cidrsOverlap, formatCidr, parseCidr, parseDuration, parseIp } from "@bosun/api";
import { internalIP } from "@bosun/client";
import type { ServiceRanges } from "@bosun/apiserver";
import { checkClusterCidr } from "@bosun/controllers";

export interface HostPort {
  host: string;
  port: number;
}

/** "127.0.0.1:6443", "[::1]:6443" or ":6443" (all interfaces). */
export function parseHostPort(value: string, flag: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  if (!match) {
    throw new Error(`${flag} must be host:port (for example 127.0.0.1:6443), got "${value}"`);
  }
  const host = match[1] ?? (match[2] === "" ? "0.0.0.0" : match[2]!);
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${flag} has port ${match[3]}, which is not between 0 and 65535`);
  }
  return { host, port };
}

/** Formats host:port so it can be put into a URL or a gRPC target. */
export function formatHostPort({ host, port }: HostPort): string {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return reachable.includes(":") ? `[${reachable}]:${port}` : `${reachable}:${port}`;
}

/**
 * A master flag's duration in milliseconds: a Go duration ("500ms", "5s", "1h30m")
 * or plain milliseconds ("5000", as the --*-ms flags were always given). Zero is
 * refused unless allowZero, for flags where 0 means "off".
 */
export function parseDurationMs(value: string, flag: string, opts: { allowZero?: boolean } = {}): number {
  return parseDuration(value, { bareNumber: "ms", flag, ...opts });
}

/** "http://a:2379,http://b:2379" → a list; each must be an http(s) URL. */
export function parseEtcdServers(value: string): string[] {
  const servers = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (servers.length === 0) throw new Error("--etcd-servers needs at least one URL, such as http://127.0.0.1:2379");
  for (const s of servers) {
    if (!/^https?:\/\/[^/]+/.test(s)) {
      throw new Error(`--etcd-servers entry "${s}" is not an http(s) URL such as http://127.0.0.1:2379`);
    }
  }
  return servers;
}

/**
 * --cluster-cidr and --node-cidr-mask-size, checked together (every node range must
 * fit); the range comes back in canonical form, as agents are told it.
 */
export function parsePodNetwork(clusterCidr: string, maskSize: string): { clusterCidr: string; nodeCidrMaskSize: number } {
  if (!/^\d+$/.test(maskSize.trim())) throw new Error(`--node-cidr-mask-size must be a prefix length such as 24, got "${maskSize}"`);
  const pair = { clusterCidr: clusterCidr.trim(), nodeCidrMaskSize: Number(maskSize) };
  try {
    checkClusterCidr(pair);
  } catch (err) {
    throw new Error(`--cluster-cidr ${clusterCidr} with --node-cidr-mask-size ${maskSize}: ${(err as Error).message}`);
  }
  return { ...pair, clusterCidr: formatCidr(parseCidr(pair.clusterCidr)) };
}

/** --service-cluster-ip-range (IPv4, /8 to /30, as kube-apiserver allows) and --service-node-port-range. */
export function parseServiceRanges(clusterIps: string, nodePorts: string): ServiceRanges {
  const text = clusterIps.trim();
  const problem = cidrProblem(text);
  if (problem !== undefined) throw new Error(`--service-cluster-ip-range "${clusterIps}": ${problem}`);
  const range = parseCidr(text);
  if (range.family !== 4 || range.prefixLength < 8 || range.prefixLength > 30) {
    throw new Error(`--service-cluster-ip-range "${clusterIps}" must be an IPv4 range between /8 and /30, such as 10.96.0.0/12`);
  }
  const m = /^(\d+)-(\d+)$/.exec(nodePorts.trim());
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2]) : NaN;
  if (!m || min < 1 || max > 65535 || min > max) {
    throw new Error(`--service-node-port-range "${nodePorts}" must be two port numbers such as 30000-32767, the first not above the second`);
  }
  return { clusterIps: range, nodePorts: { min, max } };
}

/**
 * --advertise-address: an IP; by default the API's listen address, or the host's own
 * when the API listens on every address (as kube-apiserver picks its bind address).
 */
export function parseAdvertiseAddress(flag: string | undefined, listenHost: string): string {
  if (flag !== undefined && flag.trim() !== "") {
    const ip = parseIp(flag.trim());
    if (!ip || ip.value === 0n) throw new Error(`--advertise-address "${flag}" must be an IP address of this host, such as 192.168.1.10`);
    return flag.trim();
  }
  return listenHost === "0.0.0.0" || listenHost === "::" ? internalIP() : listenHost;
}

/** --etcd-cafile/--etcd-certfile/--etcd-keyfile: all or none of the client pair, and a CA for https etcd. */
export function parseEtcdTlsFiles(
  flags: Pick<MasterFlags, "etcdCafile" | "etcdCertfile" | "etcdKeyfile">,
  servers: string[],
): { ca: string; cert?: string; key?: string } | undefined {
  if (Boolean(flags.etcdCertfile) !== Boolean(flags.etcdKeyfile)) {
    throw new Error("--etcd-certfile and --etcd-keyfile go together: give both (the master's etcd client certificate and key) or neither");
  }
  const https = servers.some((s) => s.startsWith("https:"));
  if (!flags.etcdCafile) {
    if (https) throw new Error("--etcd-servers uses https: give --etcd-cafile, the CA that signed etcd's certificate");
    if (flags.etcdCertfile) throw new Error("--etcd-certfile needs --etcd-cafile and https:// --etcd-servers");
    return undefined;
  }
  if (!https) throw new Error("--etcd-cafile is given but --etcd-servers are http://; use https:// URLs for TLS etcd");
  return { ca: flags.etcdCafile, ...(flags.etcdCertfile ? { cert: flags.etcdCertfile, key: flags.etcdKeyfile } : {}) };
}

export interface MasterFlags {
  etcdServers: string;
  etcdPrefix: string;
  apiListen: string;
  grpcListen: string;
  heartbeatPeriodMs: string;
  nodeMonitorGraceMs: string;
  podEvictionTimeout: string;
  eventTtl: string;
  leaderLease: string;
  etcdCompactionInterval: string;
  clusterCidr: string;
  nodeCidrMaskSize: string;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  advertiseAddress?: string;
  dataDir: string;
  tlsSan?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  tokenAuthFile?: string;
  encryptionProviderConfig?: string;
  nodeCertValidity: string;
  defaultLocalStoragePath: string;
  localPathHelperImage: string;
  disableLocalStorage?: boolean;
  logLevel: string;
}

export interface MasterConfig {
  etcdServers: string[];
  etcdPrefix: string;
  apiListen: HostPort;
  grpcListen: HostPort;
  heartbeatPeriodMs: number;
  nodeMonitorGraceMs: number;
  podEvictionTimeoutMs: number;
  eventTtlMs: number;
  leaderLeaseMs: number;
  /** 0: the apiserver does not compact etcd (another process does, or nobody). */
  etcdCompactionIntervalMs: number;
  /** Where nodes' pod CIDRs come from; every master of a cluster must say the same. */
  clusterCidr: string;
  nodeCidrMaskSize: number;
  /** Where Services' cluster IPs and node ports come from; every master of a cluster must say the same. */
  serviceRanges: ServiceRanges;
  /** The address pods reach the API at: the kubernetes Service's endpoint. */
  advertiseAddress: string;
  /** Where the master keeps its PKI (<dataDir>/pki). */
  dataDir: string;
  /** Extra names and addresses for the serving certificates. */
  tlsSans: string[];
  /** File paths of etcd's CA and this master's etcd client certificate; absent for plain-HTTP etcd. */
  etcdTlsFiles?: { ca: string; cert?: string; key?: string };
  tokenAuthFile?: string;
  /** The encryption configuration; made at first start when it is the default path in the data directory. */
  encryptionProviderConfig: { path: string; create: boolean };
  /** How long the node certificates this master signs last. */
  nodeCertValidityMs: number;
  /** The built-in local-path provisioner; absent when turned off. */
  localStorage?: { storagePath: string; helperImage: string };
  logLevel: string;
}

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** The local-path provisioner's settings: an absolute directory of every node, and an image. */
export function parseLocalStorage(storagePath: string, helperImage: string): { storagePath: string; helperImage: string } {
  if (!isAbsolute(storagePath)) {
    throw new Error(`--default-local-storage-path must be an absolute directory of the nodes, got "${storagePath}"`);
  }
  if (helperImage.trim() === "") throw new Error("--local-path-helper-image must name an image with sh, mkdir and rm");
  const normalized = normalize(storagePath);
  if (normalized === "/") throw new Error("--default-local-storage-path must not be /: name a directory for volumes alone, such as /var/lib/bosun/storage");
  return { storagePath: normalized, helperImage: helperImage.trim() };
}

export function parseMasterConfig(flags: MasterFlags): MasterConfig {
  if (!logLevels.includes(flags.logLevel)) {
    throw new Error(`--log-level must be one of ${logLevels.join(", ")}, got "${flags.logLevel}"`);
  }
  const config: MasterConfig = {
    etcdServers: parseEtcdServers(flags.etcdServers),
    etcdPrefix: flags.etcdPrefix,
    apiListen: parseHostPort(flags.apiListen, "--api-listen"),
    grpcListen: parseHostPort(flags.grpcListen, "--grpc-listen"),
    heartbeatPeriodMs: parseDurationMs(flags.heartbeatPeriodMs, "--heartbeat-period-ms"),
    nodeMonitorGraceMs: parseDurationMs(flags.nodeMonitorGraceMs, "--node-monitor-grace-ms"),
    podEvictionTimeoutMs: parseDurationMs(flags.podEvictionTimeout, "--pod-eviction-timeout"),
    eventTtlMs: parseDurationMs(flags.eventTtl, "--event-ttl"),
    leaderLeaseMs: parseDurationMs(flags.leaderLease, "--leader-lease"),
    etcdCompactionIntervalMs: parseDurationMs(flags.etcdCompactionInterval, "--etcd-compaction-interval", { allowZero: true }),
    ...parsePodNetwork(flags.clusterCidr, flags.nodeCidrMaskSize),
    serviceRanges: parseServiceRanges(flags.serviceClusterIpRange, flags.serviceNodePortRange),
    advertiseAddress: "",
    dataDir: flags.dataDir,
    encryptionProviderConfig: flags.encryptionProviderConfig
      ? { path: flags.encryptionProviderConfig, create: false }
      : { path: join(flags.dataDir, "encryption-config.yaml"), create: true },
    tlsSans: (flags.tlsSan ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""),
    nodeCertValidityMs: parseDurationMs(flags.nodeCertValidity, "--node-cert-validity"),
    ...(flags.disableLocalStorage ? {} : { localStorage: parseLocalStorage(flags.defaultLocalStoragePath, flags.localPathHelperImage) }),
    logLevel: flags.logLevel,
  };
  if (cidrsOverlap(config.serviceRanges.clusterIps, parseCidr(config.clusterCidr))) {
    throw new Error(
      `--service-cluster-ip-range ${formatCidr(config.serviceRanges.clusterIps)} overlaps --cluster-cidr ${config.clusterCidr}: ` +
        "Service IPs and pod IPs must come from separate ranges",
    );
  }
  config.advertiseAddress = parseAdvertiseAddress(flags.advertiseAddress, config.apiListen.host);
  const etcdTls = parseEtcdTlsFiles(flags, config.etcdServers);
  if (etcdTls) config.etcdTlsFiles = etcdTls;
  if (flags.tokenAuthFile) config.tokenAuthFile = flags.tokenAuthFile;
  if (config.nodeCertValidityMs < 60_000) throw new Error(`--node-cert-validity must be at least 1m, got "${flags.nodeCertValidity}"`);
  if (config.nodeMonitorGraceMs < config.heartbeatPeriodMs * 2) {
    throw new Error(
      `--node-monitor-grace-ms (${config.nodeMonitorGraceMs}) must be at least twice --heartbeat-period-ms ` +
        `(${config.heartbeatPeriodMs}), or healthy nodes flap to Unknown; about 3 periods is usual`,
    );
  }
  if (config.eventTtlMs < 1000) throw new Error(`--event-ttl must be at least 1s, got "${flags.eventTtl}"`);
  if (config.leaderLeaseMs < 1000) throw new Error(`--leader-lease must be at least 1s (etcd leases count whole seconds), got "${flags.leaderLease}"`);
  return config;
}
