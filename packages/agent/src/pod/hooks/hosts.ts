// The hosts hook: the pod's hostname and /etc/hosts, as the kubelet makes them. The
// sandbox gets the FQDN as its hostname with setHostnameAsFQDN (the app containers
// share its UTS namespace); the hosts file (hosts-file.ts) is written to <pod
// dir>/etc-hosts once the sandbox's address is known (its create spec), before the
// first container is made, and each container gets it bound at /etc/hosts unless
// it mounts something there itself, as the kubelet's makeMounts does. A pod whose
// FQDN is too long for the kernel gets no sandbox, with the kubelet's message. This
// file is the one /etc/hosts of the pod's containers; nothing else writes one.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Container, Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import { LABEL_POD_IP } from "../../labels.js";
import { hostNetworkHostsFile, managedHostsFile } from "../hosts-file.js";
import { kernelHostname, podHostNameAndDomain } from "../hostname.js";
import type { PodIdentity } from "../identity.js";
import { bindPodFile } from "./bind-file.js";
import type { HookWait, PodHook } from "./hook.js";

export const ETC_HOSTS_PATH = "/etc/hosts";

export interface HostsHookOptions {
  /** <data-dir>/pods/<uid>: where the pod's files live (removed with the pod). */
  podDir: (uid: string) => string;
  clusterDomain: string;
  /** The node's hosts file, a hostNetwork pod's base; default /etc/hosts. */
  nodeHostsPath?: string;
}

/** How soon a pod whose hostname cannot be made looks again (its spec cannot change, but the agent's domain may). */
const RETRY_MS = 60_000;

export class HostsHook implements PodHook {
  readonly name = "hosts";
  /** The address of the sandbox last specified, by pod uid, until its hosts file is written. */
  private readonly pending = new Map<string, string>();
  /** The write of that file, by pod uid: the sandbox's start and its first containers wait for the same one. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly opts: HostsHookOptions) {}

  hostsFile(uid: string): string {
    return join(this.opts.podDir(uid), "etc-hosts");
  }

  async prepare(pod: Pod): Promise<HookWait | undefined> {
    if (pod.spec.hostNetwork) return undefined;
    try {
      kernelHostname(pod, this.opts.clusterDomain);
      return undefined;
    } catch (err) {
      return { reason: "FailedCreatePodSandBox", message: `Failed to create pod sandbox: ${(err as Error).message}`, retryAfterMs: RETRY_MS };
    }
  }

  sandboxSpec(pod: Pod, spec: ContainerCreateSpec): void {
    // A hostNetwork pod has the node's hostname (the network hook leaves none).
    if (!pod.spec.hostNetwork) spec.hostname = kernelHostname(pod, this.opts.clusterDomain);
    const uid = pod.metadata.uid ?? "";
    this.pending.set(uid, spec.labels[LABEL_POD_IP] ?? "");
    this.writes.delete(uid);
  }

  async sandboxStarted(pod: Pod): Promise<void> {
    await this.writePending(pod);
  }

  /** Writes the hosts file of the sandbox last specified, once; the containers are made while the sandbox starts. */
  private writePending(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? "";
    let write = this.writes.get(uid);
    const ip = this.pending.get(uid);
    if (write === undefined && ip !== undefined) {
      this.pending.delete(uid);
      write = this.write(pod, ip);
      this.writes.set(uid, write);
      // A failed write is tried again by the next caller.
      write.catch(() => {
        if (this.writes.get(uid) === write) {
          this.writes.delete(uid);
          if (!this.pending.has(uid)) this.pending.set(uid, ip);
        }
      });
    }
    return write ?? Promise.resolve();
  }

  private async write(pod: Pod, ip: string): Promise<void> {
    const uid = pod.metadata.uid ?? "";
    const content = pod.spec.hostNetwork
      ? hostNetworkHostsFile(await readFile(this.opts.nodeHostsPath ?? ETC_HOSTS_PATH, "utf8"), pod.spec.hostAliases)
      : managedHostsFile({ ...podHostNameAndDomain(pod, this.opts.clusterDomain), podIPs: ip ? [ip] : [], hostAliases: pod.spec.hostAliases });
    const file = this.hostsFile(uid);
    await mkdir(dirname(file), { recursive: true, mode: 0o750 });
    // Written in place, as the kubelet's os.WriteFile, so containers that bind it see the new content.
    await writeFile(file, content, { mode: 0o644 });
  }

  async containerSpec(pod: Pod, container: Container, spec: ContainerCreateSpec): Promise<void> {
    await this.writePending(pod);
    await bindPodFile(container, spec, this.hostsFile(pod.metadata.uid ?? ""), ETC_HOSTS_PATH);
  }

  async destroy(pod: PodIdentity): Promise<void> {
    this.pending.delete(pod.uid);
    this.writes.delete(pod.uid);
    await rm(this.hostsFile(pod.uid), { force: true });
  }
}
