// What the agent tells the master about its host at registration.
import { readFileSync, statfsSync } from "node:fs";
import os from "node:os";
import type { RegisterRequest } from "@bosun/proto";

export interface NodeInfoOptions {
  nodeName: string;
  /**
   * The address chosen when the agent started, which its pod network also uses.
   * Not looked up again at each registration: during a network outage no
   * interface qualifies, and a node registered as 127.0.0.1 would lose its peers'
   * routes.
   */
  internalIP: string;
  agentEndpoint: string;
  runtimeVersion: string;
  agentVersion: string;
  extraLabels: Record<string, string>;
  capacityCpu?: string;
  capacityMemory?: string;
  /** The agent's data directory: its filesystem's size is the node's ephemeral-storage. */
  dataDir?: string;
}

/** Kubernetes' names for Node.js's architectures. */
export function kubeArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };
  return map[arch] ?? arch;
}

/** The distribution's name from /etc/os-release, as the kubelet reports osImage. */
export function osImage(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (m?.[1]) return m[1];
  } catch {
    // Not every host has /etc/os-release; the kernel's name will do.
  }
  return `${os.type()} ${os.release()}`;
}

/** "k=v,k2=v2" → { k: "v", k2: "v2" }. */
export function parseLabels(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!spec) return out;
  for (const part of spec.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    if (eq <= 0) throw new Error(`--node-labels: "${p}" is not key=value; write e.g. --node-labels disk=ssd,zone=a`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/**
 * The size of the filesystem holding `dir`, as the kubelet reports its root
 * directory's filesystem as ephemeral-storage; undefined when it cannot be read.
 */
export function filesystemSizeKi(dir: string): number | undefined {
  try {
    const fs = statfsSync(dir);
    return Math.floor((fs.blocks * fs.bsize) / 1024);
  } catch {
    return undefined;
  }
}

/** The node's capacity, all of it allocatable: the flags, else the host's CPUs and memory, and its data directory's filesystem. */
export function nodeCapacity(opts: Pick<NodeInfoOptions, "capacityCpu" | "capacityMemory" | "dataDir">): Record<string, string> {
  const storageKi = opts.dataDir === undefined ? undefined : filesystemSizeKi(opts.dataDir);
  return {
    cpu: opts.capacityCpu ?? String(os.cpus().length),
    memory: opts.capacityMemory ?? `${Math.floor(os.totalmem() / 1024)}Ki`,
    ...(storageKi !== undefined ? { "ephemeral-storage": `${storageKi}Ki` } : {}),
    pods: "110",
  };
}

export function registration(opts: NodeInfoOptions): RegisterRequest {
  const capacity = nodeCapacity(opts);
  return {
    nodeName: opts.nodeName,
    capacity,
    allocatable: { ...capacity },
    labels: {
      "kubernetes.io/hostname": opts.nodeName,
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": kubeArch(),
      ...opts.extraLabels,
    },
    addresses: [
      { type: "InternalIP", address: opts.internalIP },
      { type: "Hostname", address: opts.nodeName },
    ],
    runtimeVersion: opts.runtimeVersion,
    agentVersion: opts.agentVersion,
    osImage: osImage(),
    kernelVersion: os.release(),
    architecture: kubeArch(),
    agentEndpoint: opts.agentEndpoint,
  };
}
