// The node's service proxy: keeps the iptables rules of planProxyRules in force, as
// kube-proxy's iptables Proxier does with its BoundedFrequencyRunner. The caller
// hands it the whole current set of Services and EndpointSlices (from informers)
// and the pod network's CIDRs; it syncs at most once per minimum interval (1 s)
// after changes, and every sync interval (30 s) anyway, so that rules removed by
// hand come back. Each sync rewrites the proxy's chains whole from iptables-save's
// view, then flushes the UDP conntrack entries the change left stale.
//
// Nothing is written before the Services, the EndpointSlices and the CIDRs have all
// been set: an agent that restarts keeps the rules of its previous life until it
// knows the cluster again, and stop() leaves them too, so service traffic never
// stops with the agent. removeServiceProxy (cleanup.ts) is what removes them.
import { createLogger } from "@bosun/client";
import type { EndpointSlice, Service } from "@bosun/api";
import { BoundedFrequencyRunner } from "../bounded-frequency.js";
import { podNetworkUpdate } from "../network/cidr.js";
import type { HostNetwork } from "../network/host.js";
import { staleConntrackFilters } from "./conntrack.js";
import type { ProxyState } from "./endpoints.js";
import { planProxyRules } from "./rules.js";

const log = createLogger("agent/proxy");


export interface ServiceProxyOptions {
  nodeName: string;
  host: HostNetwork;
  /** See ProxyRulesInput.nodePortAddresses: empty, every local address. */
  nodePortAddresses?: readonly string[];
  /** NodePorts on localhost too; sets net.ipv4.conf.all.route_localnet=1 (see ProxyRulesInput). */
  localhostNodePorts?: boolean;
  minSyncIntervalMs?: number;
  syncIntervalMs?: number;
}

/** The pod network as the master describes it. */
export interface ProxyNetwork {
  clusterCidr: string;
  podCidr: string;
}

export class ServiceProxy {
  private services: readonly Service[] | undefined;
  private slices: readonly EndpointSlice[] | undefined;
  private network: ProxyNetwork | undefined;
  private started = false;
  private readonly runner: BoundedFrequencyRunner;
  /** What the last successful sync put in force: the base of the next conntrack cleanup. */
  private applied: ProxyState | undefined;
  private routeLocalnetSet = false;

  constructor(private readonly opts: ServiceProxyOptions) {
    this.runner = new BoundedFrequencyRunner({
      sync: () => this.sync(),
      ready: () => this.inputs() !== undefined,
      ...(opts.minSyncIntervalMs !== undefined ? { minIntervalMs: opts.minSyncIntervalMs } : {}),
      ...(opts.syncIntervalMs !== undefined ? { intervalMs: opts.syncIntervalMs } : {}),
      rules: "the service proxy's rules",
      log,
    });
  }

  /** Every Service of the cluster, as it is now. */
  setServices(services: readonly Service[]): void {
    this.services = services;
    this.request();
  }

  /** Every EndpointSlice of the cluster, as it is now. */
  setEndpointSlices(slices: readonly EndpointSlice[]): void {
    this.slices = slices;
    this.request();
  }

  /** The cluster CIDR and this node's pod CIDR; a message without a pod CIDR yet changes nothing. */
  setNetwork(network: ProxyNetwork): void {
    const next = podNetworkUpdate(this.network, network, (message) => log.error({}, `${message}; the service proxy ignores it`));
    if (!next) return;
    this.network = next;
    this.request();
  }

  /** Starts syncing (as soon as everything has been set) and resyncing periodically. */
  start(): void {
    this.started = true;
    this.request();
  }

  /** Stops syncing and leaves the rules as they are: service traffic goes on. */
  stop(): void {
    this.runner.stop();
  }

  /** Syncs now, whatever the minimum interval, and resolves when done (nothing happens before everything is set). */
  syncNow(): Promise<void> {
    return this.runner.syncNow();
  }

  /** Resolves when no sync is running or about to run after one. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** Asks for a sync at the earliest the minimum interval allows. */
  private request(): void {
    const inputs = this.inputs();
    if (!this.started || !inputs) return;
    this.runner.requestIfChanged(JSON.stringify(inputs));
  }

  private inputs(): { services: readonly Service[]; slices: readonly EndpointSlice[]; network: ProxyNetwork } | undefined {
    const { services, slices, network } = this;
    return services && slices && network ? { services, slices, network } : undefined;
  }

  private async sync(): Promise<void> {
    const inputs = this.inputs();
    if (inputs) await this.syncOnce(inputs);
  }

  private async syncOnce(inputs: { services: readonly Service[]; slices: readonly EndpointSlice[]; network: ProxyNetwork }): Promise<void> {
    const { host } = this.opts;
    if (this.opts.localhostNodePorts && !this.routeLocalnetSet) {
      await host.setSysctl("net.ipv4.conf.all.route_localnet", "1");
      this.routeLocalnetSet = true;
    }
    const saved = await host.iptablesSave();
    const plan = planProxyRules(
      {
        nodeName: this.opts.nodeName,
        services: inputs.services,
        endpointSlices: inputs.slices,
        clusterCidr: inputs.network.clusterCidr,
        podCidr: inputs.network.podCidr,
        ...(this.opts.nodePortAddresses ? { nodePortAddresses: this.opts.nodePortAddresses } : {}),
        ...(this.opts.localhostNodePorts ? { localhostNodePorts: true } : {}),
      },
      saved,
    );
    await host.iptablesRestore(plan.restore);
    const first = this.applied === undefined;
    const previous = this.applied;
    this.applied = plan.state;
    const fields = { servicePorts: plan.state.ports.length, staleChains: plan.staleChains.length };
    if (first) log.info(fields, "the service proxy's rules are in force");
    else log.debug(fields, "synced the service proxy's rules");
    // After a restart there is no "before": flows that predate it keep their entries,
    // as the rules they were made by were kept too.
    if (!previous) return;
    const filters = staleConntrackFilters(previous, plan.state);
    if (filters.length === 0) return;
    try {
      await host.deleteConntrackEntries(filters);
    } catch (err) {
      // Best effort, as in kube-proxy: the rules are right, and a stale UDP flow ends when its client stops.
      log.warn({ err: (err as Error).message }, "could not delete stale UDP conntrack entries; UDP clients of removed endpoints may hang until they stop sending (install the conntrack tool)");
    }
  }
}
