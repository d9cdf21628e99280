// The API server: etcd connection, watch cache, registry and HTTP, wired together.
import { Etcd3 } from "etcd3";
import { createLogger } from "@bosun/client";
import { buildApp } from "./http/app.js";
import type { PodLogSource } from "./http/logs.js";
import type { PodStreamSource } from "./http/streaming/source.js";
import { Registry } from "./registry/registry.js";
import { Compactor } from "./storage/compactor.js";
import { LeaseManager } from "./storage/leases.js";
import { Store } from "./storage/store.js";
import { WatchCache } from "./storage/watch-cache.js";
import { resources } from "@bosun/api";

const log = createLogger("apiserver");

/** Namespaces every cluster has, as in Kubernetes. */
export const systemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface ApiServerOptions {
  etcdEndpoints: string[];
  /** Key prefix in etcd, like "/registry". */
  prefix: string;
  logSource?: PodLogSource;
  /** Where exec, attach and port-forward reach pods (the master's agent client). */
  streamSource?: PodStreamSource;
  /** Events kept per resource for watches that resume from a recent revision (default 1000). */
  watchCacheSize?: number;
  /** Seconds between compactions of etcd's history (default 300, as kube-apiserver --etcd-compaction-interval=5m); 0 turns them off. */
  etcdCompactionIntervalSeconds?: number;
  /** How long an Event lives after its last write (default 3600, as kube-apiserver --event-ttl=1h). */
  eventTtlSeconds?: number;
}

export interface ApiServer {
  /** Starts serving HTTP; port 0 picks a free port. */
  listen(host: string, port: number): Promise<{ port: number }>;
  close(): Promise<void>;
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const eventTtlSeconds = opts.eventTtlSeconds ?? 3600;
  if (!Number.isInteger(eventTtlSeconds) || eventTtlSeconds < 1) {
    throw new Error(`eventTtlSeconds must be a whole number of seconds, 1 or more; got ${eventTtlSeconds}`);
  }
  const compactionSeconds = opts.etcdCompactionIntervalSeconds ?? 300;
  if (!Number.isFinite(compactionSeconds) || compactionSeconds < 0) {
    throw new Error(`etcdCompactionIntervalSeconds must be 0 (off) or more seconds; got ${compactionSeconds}`);
  }
  const etcd = new Etcd3({ hosts: opts.etcdEndpoints, dialTimeout: 5000 });
  const store = new Store(etcd, opts.prefix);
  const cache = new WatchCache(store, resources, opts.watchCacheSize ?? 1000);
  try {
    await cache.start();
  } catch (err) {
    cache.stop();
    etcd.close();
    throw new Error(
      `cannot reach etcd at ${opts.etcdEndpoints.join(",")}: ${(err as Error).message}; start etcd or fix --etcd-servers`,
    );
  }
  const registry = new Registry(store, cache, new LeaseManager(etcd, eventTtlSeconds));
  for (const name of systemNamespaces) await registry.ensureNamespace(name);
  const compactor = new Compactor(etcd, compactionSeconds * 1000);
  if (compactionSeconds > 0) compactor.start();
  const app = buildApp({ registry, logSource: opts.logSource, streamSource: opts.streamSource });
  let closed = false;
  return {
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      const bound = typeof address === "object" && address !== null ? address.port : port;
      log.info({ host, port: bound }, "apiserver listening");
      return { port: bound };
    },
    async close() {
      if (closed) return;
      closed = true;
      compactor.stop();
      cache.stop();
      await app.close();
      etcd.close();
    },
  };
}
