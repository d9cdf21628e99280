// The DNS hook: the pod's sandbox gets the resolv.conf its dnsPolicy and dnsConfig ask
// for (pod/dns-config.ts); the app containers share the sandbox's. The host's own
// resolv.conf is read again before each sandbox, so a changed host is followed.
import type { Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import { readResolvConf, type ResolvConf } from "../../dns/resolv-conf.js";
import { podResolvConf } from "../dns-config.js";
import type { HookWait, PodHook } from "./hook.js";

export interface DnsHookOptions {
  /** The node DNS server's address, once it serves; undefined: pods get the host's resolvers. */
  clusterDns: () => string | undefined;
  domain: string;
  /** The host's resolv.conf; default /etc/resolv.conf. */
  resolvConfPath?: string;
}

export class DnsHook implements PodHook {
  readonly name = "dns";
  private host: ResolvConf = { nameservers: [], searches: [], options: [] };

  constructor(private readonly opts: DnsHookOptions) {}

  async prepare(_pod: Pod): Promise<HookWait | undefined> {
    this.host = await readResolvConf(this.opts.resolvConfPath);
    return undefined;
  }

  sandboxSpec(pod: Pod, spec: ContainerCreateSpec): void {
    spec.dns = podResolvConf(pod, { clusterDns: this.opts.clusterDns(), domain: this.opts.domain, host: this.host });
  }
}
