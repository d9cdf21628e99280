// Parsing of the master's flags into typed configuration. Bad values fail at start
// with a message naming the flag, rather than surfacing later as a bind error.

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

const unitsMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: "5000" (plain milliseconds), "500ms", "5s", "1m", "1h".
 * Zero is refused unless allowZero, for flags where 0 means "off".
 */
export function parseDurationMs(value: string, flag: string, opts: { allowZero?: boolean } = {}): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) {
    throw new Error(`${flag} must be a duration such as 5000, 500ms, 5s or 1m, got "${value}"`);
  }
  const ms = Math.round(Number(match[1]) * unitsMs[match[2] ?? "ms"]!);
  if (ms === 0 && opts.allowZero) return 0;
  if (ms <= 0) throw new Error(`${flag} must be longer than 0, got "${value}"`);
  return ms;
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
  logLevel: string;
}

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

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
    logLevel: flags.logLevel,
  };
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
