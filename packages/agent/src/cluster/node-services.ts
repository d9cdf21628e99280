// What a node serves beyond its own pods, all fed from the cluster informers: the
// cluster DNS, the service proxy, network policy enforcement and the ingress proxy
// (with the Ingresses' status). The agent builds it when it knows the API servers,
// tells it when the pod network is ready, and starts and stops it with itself.
import { CoalescingLoop, createLogger, type ClientCredentials } from "@bosun/client";
import { ClusterRecordsSource } from "../dns/records-source.js";
import { NodeDns } from "../dns/node-dns.js";
import { IngressProxy, type IngressListenAddress } from "../ingress/server.js";
import { IngressStatusWriter } from "../ingress/status-writer.js";
import { tlsKeyPairFromSecret } from "../ingress/tls.js";
import type { PodNetworkCidrs } from "../network/cidr.js";
import type { HostNetwork } from "../network/host.js";
import { NetworkPolicyEnforcer } from "../policy/enforcer.js";
import { ServiceProxy } from "../proxy/proxier.js";
import type { PolicyPeersSink } from "../session.js";
import { ClusterInformers } from "./informers.js";

const log = createLogger("agent/node-services");

export interface NodeServicesOptions {
  nodeName: string;
  apiServers: string[];
  credentials: () => ClientCredentials;
  userAgent: string;
  host: HostNetwork;
  /** The cluster DNS zone; default cluster.local. */
  clusterDomain?: string;
  /** The node DNS server's port; default 53. */
  dnsPort?: number;
  /** Where the ingress proxy serves; false for none (both false: no ingress proxy). */
  ingressHttp?: IngressListenAddress | false;
  ingressHttps?: IngressListenAddress | false;
}

export class NodeServices {
  readonly cluster: ClusterInformers;
  readonly dns: NodeDns;
  readonly proxy: ServiceProxy;
  readonly policy: NetworkPolicyEnforcer;
  readonly ingress: IngressProxy | undefined;
  private readonly statusLoop: CoalescingLoop;

  constructor(private readonly opts: NodeServicesOptions) {
    const cluster = new ClusterInformers(opts.apiServers, opts.credentials, opts.userAgent);
    this.cluster = cluster;
    const records = new ClusterRecordsSource(
      () => ({
        services: cluster.services.list(),
        endpointSlices: cluster.endpointSlices.list(),
        // Until the namespaces are known, a name's namespace is taken to exist if a Service lives there.
        ...(cluster.namespaces.hasSynced() ? { namespaces: cluster.namespaces.list().map((ns) => ns.metadata.name ?? "") } : {}),
      }),
      { domain: opts.clusterDomain ?? "cluster.local" },
    );
    this.dns = new NodeDns({ records: () => records.records(), ...(opts.dnsPort !== undefined ? { port: opts.dnsPort } : {}) });
    this.proxy = new ServiceProxy({ nodeName: opts.nodeName, host: opts.host });
    this.policy = new NetworkPolicyEnforcer({ nodeName: opts.nodeName, host: opts.host });
    this.ingress =
      opts.ingressHttp === false && opts.ingressHttps === false
        ? undefined
        : new IngressProxy({
            ...(opts.ingressHttp !== undefined ? { http: opts.ingressHttp } : {}),
            ...(opts.ingressHttps !== undefined ? { https: opts.ingressHttps } : {}),
            tlsSecret: async ({ namespace, name }) => {
              const secret = await cluster.objects.secret(namespace, name);
              if (!secret) return undefined;
              const pair = tlsKeyPairFromSecret(secret);
              if (pair.ok) return pair.pair;
              log.warn({ secret: `${namespace}/${name}` }, pair.message);
              return undefined;
            },
          });
    const status = this.ingress ? new IngressStatusWriter(cluster.client) : undefined;
    // One status pass at a time; changes during a pass ask for one more.
    this.statusLoop = new CoalescingLoop(
      () => status?.sync({ ingresses: cluster.ingresses.list(), ingressClasses: cluster.ingressClasses.list(), nodes: cluster.nodes.list() }) ?? Promise.resolve(),
    );
    cluster.onChange(() => {
      records.invalidate();
      // Until all are synced the proxy and the policies keep the rules they have (an agent restart must not cut traffic).
      if (!cluster.synced) return;
      this.proxy.setServices(cluster.services.list());
      this.proxy.setEndpointSlices(cluster.endpointSlices.list());
      this.policy.setNamespaces(cluster.namespaces.list().map((ns) => ({ name: ns.metadata.name ?? "", labels: { ...(ns.metadata.labels ?? {}) } })));
      this.policy.setPolicies(cluster.networkPolicies.list());
      if (this.ingress) {
        this.ingress.update({
          ingresses: cluster.ingresses.list(),
          ingressClasses: cluster.ingressClasses.list(),
          services: cluster.services.list(),
          endpointSlices: cluster.endpointSlices.list(),
        });
        this.statusLoop.trigger();
      }
    });
  }

  /** The master's picture of every pod: the peers of the node's policies, and, those bound here, the pods they guard. */
  get policyPeers(): PolicyPeersSink {
    return {
      setPeers: (peers) => {
        this.policy.setPods(peers);
        this.policy.setLocalPods(peers.filter((p) => p.nodeName === this.opts.nodeName));
      },
    };
  }

  async start(): Promise<void> {
    this.proxy.start();
    this.policy.start();
    this.cluster.start();
    // A port another program holds must not keep the node from running pods.
    await this.ingress?.start().catch((err: unknown) =>
      log.error({ err: (err as Error).message }, "the node's ingress proxy cannot listen; Ingresses are not served on this node (free the port, or give --ingress-http/--ingress-https another one or off)"),
    );
  }

  /** The pod network is ready (or its bridge changed): the DNS serves on its gateway, the rules know its ranges. */
  networkReady(gateway: string | undefined, cidrs: PodNetworkCidrs | undefined): void {
    if (cidrs) {
      this.proxy.setNetwork(cidrs);
      this.policy.setNetwork(cidrs);
    }
    if (!gateway) return;
    this.dns.serveOn(gateway).catch((err: unknown) =>
      log.error({ address: gateway, err: (err as Error).message }, "cannot serve the node's DNS on the pod bridge's gateway; pods cannot resolve names (is port 53 taken there?)"),
    );
  }

  /** Stops serving; the proxy's and the policies' rules stay in force for the next agent. */
  async stop(): Promise<void> {
    await this.dns.stop();
    this.proxy.stop();
    this.policy.stop();
    this.statusLoop.stop();
    await this.ingress?.stop();
    await this.cluster.stop();
  }
}
