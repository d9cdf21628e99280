// The master's TLS material at start: its PKI directory (made at first start,
// see @bosun/pki's ensureClusterPki) with serving certificates for every address
// it listens on, and the etcd client files named by flags.
import { readFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import { ensureClusterPki, type ClusterPki } from "@bosun/pki";
import { apiServiceIP, type EtcdTls } from "@bosun/apiserver";
import type { HostPort, MasterConfig } from "./config.js";

/** Every address a listener on `host` is reached at: all of the host's addresses for a wildcard. */
export function listenSans(hosts: readonly HostPort[], interfaces = networkInterfaces(), host = hostname()): string[] {
  const sans = new Set<string>([host.toLowerCase()]);
  for (const { host: h } of hosts) {
    if (h === "0.0.0.0" || h === "::") {
      for (const addrs of Object.values(interfaces)) for (const a of addrs ?? []) sans.add(a.address);
    } else {
      sans.add(h);
    }
  }
  return [...sans];
}

export function pkiDir(dataDir: string): string {
  return join(dataDir, "pki");
}

/**
 * The names in-cluster clients reach the API by: the `kubernetes` Service's cluster IP
 * and DNS name, and the address its endpoints advertise (kube-apiserver's own set).
 */
export function inClusterSans(config: Pick<MasterConfig, "serviceRanges" | "advertiseAddress">): string[] {
  // The agents' default --cluster-domain; other domains go in --tls-san.
  return [apiServiceIP(config.serviceRanges), "kubernetes.default.svc.cluster.local", config.advertiseAddress];
}

export async function loadMasterPki(config: MasterConfig): Promise<ClusterPki> {
  const sans = [...listenSans([config.apiListen, config.grpcListen]), ...inClusterSans(config), ...config.tlsSans];
  return ensureClusterPki({ dir: pkiDir(config.dataDir), sans });
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${flag} ${path}: ${(err as Error).message}`);
  }
}

export function loadEtcdTls(files: MasterConfig["etcdTlsFiles"]): EtcdTls | undefined {
  if (!files) return undefined;
  return {
    ca: readFlagFile("--etcd-cafile", files.ca),
    ...(files.cert && files.key ? { cert: readFlagFile("--etcd-certfile", files.cert), key: readFlagFile("--etcd-keyfile", files.key) } : {}),
  };
}
