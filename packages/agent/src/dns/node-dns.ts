// The node's DNS server as the agent runs it: on the pod bridge's gateway address,
// port 53, answering from the cluster informers and forwarding the rest to the
// nameservers of the host's resolv.conf. It moves when the gateway does (a new pod
// CIDR) and is not started before the node's pod network exists.
import { createLogger } from "@bosun/client";
import type { ClusterRecords } from "./records.js";
import { readResolvConf } from "./resolv-conf.js";
import { ClusterDnsServer } from "./server.js";
import { upstreamsFromNameservers } from "./upstream.js";

const log = createLogger("agent/dns");

export interface NodeDnsOptions {
  records: () => ClusterRecords;
  /** Default 53; tests pick a free one with 0. */
  port?: number;
  /** The host's resolver configuration; default /etc/resolv.conf. */
  resolvConfPath?: string;
}

export class NodeDns {
  private server: ClusterDnsServer | undefined;
  private address: string | undefined;

  constructor(private readonly opts: NodeDnsOptions) {}

  /** The address and port pods are given as their nameserver, once serving. */
  get endpoint(): { address: string; port: number } | undefined {
    return this.server && this.address ? { address: this.address, port: this.server.port } : undefined;
  }

  /** Serves on address (the bridge's gateway), moving there from a previous one. */
  async serveOn(address: string): Promise<void> {
    if (this.server && this.address === address) return;
    await this.stop();
    const resolv = await readResolvConf(this.opts.resolvConfPath);
    const { upstreams, skipped } = upstreamsFromNameservers(resolv.nameservers);
    if (skipped.length > 0) log.warn({ skipped }, "ignoring nameservers of the host's resolv.conf that are not IP addresses");
    if (upstreams.length === 0) log.warn({}, "the host's resolv.conf names no nameserver: names outside the cluster get SERVFAIL");
    const server = new ClusterDnsServer({ host: address, port: this.opts.port ?? 53, records: this.opts.records, upstreams });
    await server.start();
    this.server = server;
    this.address = address;
    log.info({ address, port: server.port, upstreams: upstreams.map((u) => u.host) }, "serving the cluster's DNS to the node's pods");
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.address = undefined;
    await server?.stop();
  }
}
