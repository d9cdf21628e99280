// The DNS hook: the pod's resolv.conf, as its dnsPolicy and dnsConfig ask
// (pod/dns-config.ts), written by the agent to <pod dir>/resolv.conf before each
// sandbox and bound at /etc/resolv.conf in each of its containers unless one mounts
// something there itself, as the kubelet has the runtime do. Docker makes none: a
// pod-network sandbox has no network of Docker's (hooks/network.ts). The host's own
// resolv.conf is read again before each sandbox, so a changed host is followed.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Container, Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import { formatResolvConf, readResolvConf } from "../../dns/resolv-conf.js";
import { podResolvConf } from "../dns-config.js";
import type { PodIdentity } from "../identity.js";
import { bindPodFile } from "./bind-file.js";
import type { HookWait, PodHook } from "./hook.js";

export const RESOLV_CONF_PATH = "/etc/resolv.conf";

export interface DnsHookOptions {
  /** The node DNS server's address, once it serves; undefined: pods get the host's resolvers. */
  clusterDns: () => string | undefined;
  domain: string;
  /** <data-dir>/pods/<uid>: where the pod's files live (removed with the pod). */
  podDir: (uid: string) => string;
  /** The host's resolv.conf; default /etc/resolv.conf. */
  resolvConfPath?: string;
}

export class DnsHook implements PodHook {
  readonly name = "dns";

  constructor(private readonly opts: DnsHookOptions) {}

  resolvConfFile(uid: string): string {
    return join(this.opts.podDir(uid), "resolv.conf");
  }

  async prepare(pod: Pod): Promise<HookWait | undefined> {
    const host = await readResolvConf(this.opts.resolvConfPath);
    const conf = podResolvConf(pod, { clusterDns: this.opts.clusterDns(), domain: this.opts.domain, host });
    const file = this.resolvConfFile(pod.metadata.uid ?? "");
    await mkdir(dirname(file), { recursive: true, mode: 0o750 });
    // Written in place, so that the containers of a sandbox that is replaced see the new content.
    await writeFile(file, formatResolvConf(conf), { mode: 0o644 });
    return undefined;
  }

  async containerSpec(pod: Pod, container: Container, spec: ContainerCreateSpec): Promise<void> {
    await bindPodFile(container, spec, this.resolvConfFile(pod.metadata.uid ?? ""), RESOLV_CONF_PATH);
  }

  async destroy(pod: PodIdentity): Promise<void> {
    await rm(this.resolvConfFile(pod.uid), { force: true });
  }
}
