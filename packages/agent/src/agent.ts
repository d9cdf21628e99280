// The agent: wires the runtime, the pod manager, the reporter, the session with the
// masters and the AgentService server. main.ts parses flags into these options.
import { createLogger, internalIP } from "@bosun/client";
import type { ContainerRuntime } from "./runtime/runtime.js";
import { PodManager } from "./pod/manager.js";
import { ContainerBackoff } from "./pod/backoff.js";
import { StatusReporter } from "./reporter.js";
import { Session, type PolicyPeersSink } from "./session.js";
import { AgentServer } from "./agent-service.js";
import { registration } from "./node-info.js";
import type { NodeCredentials } from "./identity/credentials.js";
import { NetworkManager } from "./network/manager.js";
import { LinuxHost, type HostNetwork } from "./network/host.js";
import type { PodNetworkMode } from "./network/plan.js";
import { NetworkHook } from "./pod/hooks/network.js";
import { DnsHook } from "./pod/hooks/dns.js";
import { ClusterInformers } from "./cluster/informers.js";
import { ClusterRecordsSource } from "./dns/records-source.js";
import { NodeDns } from "./dns/node-dns.js";
import { ServiceProxy } from "./proxy/proxier.js";
import { NetworkPolicyEnforcer } from "./policy/enforcer.js";
import { IngressProxy, type IngressListenAddress } from "./ingress/server.js";
import { tlsKeyPairFromSecret } from "./ingress/tls.js";

const log = createLogger("agent");

export const AGENT_VERSION = "bosun-agent/0.1.0";

export interface AgentOptions {
  nodeName: string;
  masters: string[];
  /** host:port for AgentService; port 0 picks a free one. */
  listen: string;
  nodeLabels: Record<string, string>;
  capacityCpu?: string;
  capacityMemory?: string;
  infraImage: string;
  runtime: ContainerRuntime;
  /** The node's certificate and the cluster CA, for the masters and for AgentService. */
  credentials: NodeCredentials;
  resyncIntervalMs?: number;
  reportIntervalMs?: number;
  /** How other nodes' pods are reached; default host-gw (VXLAN for peers on another L2 segment). */
  podNetwork?: PodNetworkMode;
  /** The host's network stack; tests pass a fake or a scratch namespace. */
  networkHost?: HostNetwork;
  /**
   * The masters' API URLs (--server): the agent watches Services and their endpoints
   * there for the node's DNS and service proxy. Without them (tests of other things)
   * it runs neither.
   */
  apiServers?: string[];
  /** The cluster DNS zone; default cluster.local. */
  clusterDomain?: string;
  /** The node DNS server's port; default 53 (tests pick a free one with 0). */
  dnsPort?: number;
  /** Where the node's ingress proxy serves HTTP and HTTPS; false for none. Default 0.0.0.0:80 and 0.0.0.0:443. */
  ingressHttp?: IngressListenAddress | false;
  ingressHttps?: IngressListenAddress | false;
}

export class Agent {
  readonly reporter: StatusReporter;
  readonly pods: PodManager;
  readonly network: NetworkManager;
  /** The cluster's Services and endpoints, when the agent knows the API servers. */
  readonly cluster: ClusterInformers | undefined;
  readonly dns: NodeDns | undefined;
  readonly proxy: ServiceProxy | undefined;
  readonly policy: NetworkPolicyEnforcer | undefined;
  readonly ingress: IngressProxy | undefined;
  private readonly server: AgentServer;
  private session: Session | undefined;
  private sessionDone: Promise<void> | undefined;
  private boundPort = 0;
  private readonly hostIP: string;

  constructor(private readonly opts: AgentOptions) {
    this.reporter = new StatusReporter({ intervalMs: opts.reportIntervalMs });
    const hostIP = internalIP();
    this.hostIP = hostIP;
    this.network = new NetworkManager({
      nodeName: opts.nodeName,
      internalIP: hostIP,
      mode: opts.podNetwork ?? "host-gw",
      runtime: opts.runtime,
      host: opts.networkHost ?? new LinuxHost(),
      // Pods held back with NetworkNotReady start at once rather than at their next retry.
      onReady: () => {
        this.pods.syncAll();
        this.serveDns();
        const cidrs = this.network.cidrs();
        if (cidrs) {
          this.proxy?.setNetwork(cidrs);
          this.policy?.setNetwork(cidrs);
        }
      },
    });
    if (opts.apiServers && opts.apiServers.length > 0) {
      const cluster = new ClusterInformers(opts.apiServers, () => opts.credentials.apiCredentials(), AGENT_VERSION);
      const records = new ClusterRecordsSource(
        () => ({
          services: cluster.services.list(),
          endpointSlices: cluster.endpointSlices.list(),
          // Until the namespaces are known, a name's namespace is taken to exist if a Service lives there.
          ...(cluster.namespaces.hasSynced() ? { namespaces: cluster.namespaces.list().map((ns) => ns.metadata.name ?? "") } : {}),
        }),
        { domain: opts.clusterDomain ?? "cluster.local" },
      );
      const host = opts.networkHost ?? new LinuxHost();
      const proxy = new ServiceProxy({ nodeName: opts.nodeName, host });
      const policy = new NetworkPolicyEnforcer({ nodeName: opts.nodeName, host });
      const ingress =
        opts.ingressHttp === false && opts.ingressHttps === false
          ? undefined
          : new IngressProxy({
              ...(opts.ingressHttp !== undefined ? { http: opts.ingressHttp } : {}),
              ...(opts.ingressHttps !== undefined ? { https: opts.ingressHttps } : {}),
              tlsSecret: async ({ namespace, name }) => {
                const secret = await cluster.tlsSecret(namespace, name);
                if (!secret) return undefined;
                const pair = tlsKeyPairFromSecret(secret);
                if (pair.ok) return pair.pair;
                log.warn({ secret: `${namespace}/${name}` }, pair.message);
                return undefined;
              },
            });
      cluster.onChange(() => {
        records.invalidate();
        // Until all are synced the proxy and the policies keep the rules they have (an agent restart must not cut traffic).
        if (cluster.synced) {
          proxy.setServices(cluster.services.list());
          proxy.setEndpointSlices(cluster.endpointSlices.list());
          policy.setNamespaces(cluster.namespaces.list().map((ns) => ({ name: ns.metadata.name ?? "", labels: { ...(ns.metadata.labels ?? {}) } })));
          policy.setPolicies(cluster.networkPolicies.list());
          ingress?.update({
            ingresses: cluster.ingresses.list(),
            ingressClasses: cluster.ingressClasses.list(),
            services: cluster.services.list(),
            endpointSlices: cluster.endpointSlices.list(),
          });
        }
      });
      this.cluster = cluster;
      this.proxy = proxy;
      this.policy = policy;
      this.ingress = ingress;
      this.dns = new NodeDns({ records: () => records.records(), ...(opts.dnsPort !== undefined ? { port: opts.dnsPort } : {}) });
    }
    this.pods = new PodManager({
      runtime: opts.runtime,
      nodeName: opts.nodeName,
      infraImage: opts.infraImage,
      hostIP: () => hostIP,
      restartBackoff: new ContainerBackoff(),
      pullBackoff: new ContainerBackoff(),
      reportStatus: (pod, status, terminated) => this.reporter.reportStatus(pod, status, terminated),
      reportEvent: (pod, ev) => this.reporter.reportEvent(pod, ev),
      resyncIntervalMs: opts.resyncIntervalMs,
      onPodGone: (uid) => this.reporter.forget(uid),
      hooks: [
        new NetworkHook(this.network, () => hostIP),
        // Pods are pointed at the node's DNS as soon as the bridge exists, where it is about to serve.
        new DnsHook({ clusterDns: () => (this.dns ? this.network.gateway() : undefined), domain: opts.clusterDomain ?? "cluster.local" }),
      ],
    });
    this.server = new AgentServer(opts.runtime, opts.nodeName, opts.credentials.serverCredentials());
  }

  /** The AgentService address actually bound (resolves port 0). */
  get endpoint(): string {
    const host = this.opts.listen.slice(0, this.opts.listen.lastIndexOf(":"));
    return `${host}:${this.boundPort}`;
  }

  get connected(): boolean {
    return this.session?.isConnected ?? false;
  }

  async start(): Promise<void> {
    const runtimeVersion = await this.opts.runtime.version();
    this.boundPort = await this.server.listen(this.opts.listen);
    this.proxy?.start();
    this.policy?.start();
    this.cluster?.start();
    // A port another program holds must not keep the node from running pods.
    await this.ingress?.start().catch((err: unknown) =>
      log.error({ err: (err as Error).message }, "the node's ingress proxy cannot listen; Ingresses are not served on this node (free the port, or give --ingress-http/--ingress-https another one or off)"),
    );
    await this.network.start();
    await this.pods.start();
    this.session = new Session({
      masters: this.opts.masters,
      pods: this.pods,
      network: this.network,
      ...(this.policy ? { policyPeers: policyPeersSink(this.policy, this.opts.nodeName) } : {}),
      credentials: () => this.opts.credentials.channelCredentials(),
      reporter: this.reporter,
      registration: async () =>
        registration({
          nodeName: this.opts.nodeName,
          internalIP: this.hostIP,
          agentEndpoint: this.endpoint,
          runtimeVersion,
          agentVersion: AGENT_VERSION,
          extraLabels: this.opts.nodeLabels,
          capacityCpu: this.opts.capacityCpu,
          capacityMemory: this.opts.capacityMemory,
        }),
    });
    this.sessionDone = this.session.run();
    this.opts.credentials.startRenewal();
    log.info({ node: this.opts.nodeName, listen: this.endpoint, masters: this.opts.masters }, "agent started");
  }

  /** Serves the node's DNS on the pod bridge's gateway, once there is one. */
  private serveDns(): void {
    const gateway = this.network.gateway();
    if (!this.dns || !gateway) return;
    this.dns.serveOn(gateway).catch((err: unknown) =>
      log.error({ address: gateway, err: (err as Error).message }, "cannot serve the node's DNS on the pod bridge's gateway; pods cannot resolve names (is port 53 taken there?)"),
    );
  }

  /** Stops talking to the masters and serving logs. Pods and their network keep running, to be adopted at the next start. */
  async stop(): Promise<void> {
    this.opts.credentials.stop();
    this.session?.stop();
    await this.sessionDone;
    await this.pods.stop();
    this.network.stop();
    await this.dns?.stop();
    this.proxy?.stop();
    this.policy?.stop();
    await this.ingress?.stop();
    await this.cluster?.stop();
    await this.reporter.flush();
    this.reporter.stop();
    this.server.forceClose();
    log.info({ node: this.opts.nodeName }, "agent stopped; its pods keep running");
  }
}

/** The master's picture of every pod: the peers of the node's policies, and, those bound here, the pods they guard. */
function policyPeersSink(policy: NetworkPolicyEnforcer, nodeName: string): PolicyPeersSink {
  return {
    setPeers(peers) {
      policy.setPods(peers);
      policy.setLocalPods(peers.filter((p) => p.nodeName === nodeName));
    },
  };
}
