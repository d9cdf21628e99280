// The agent: wires the runtime, the pod manager, the reporter, the session with the
// masters and the AgentService server. main.ts parses flags into these options.
import { join } from "node:path";
import { createLogger, internalIP } from "@bosun/client";
import type { ContainerRuntime } from "./runtime/runtime.js";
import { PodManager } from "./pod/manager.js";
import { ContainerBackoff } from "./pod/backoff.js";
import { StatusReporter } from "./reporter.js";
import { Session } from "./session.js";
import { AgentServer } from "./agent-service.js";
import { nodeCapacity, registration } from "./node-info.js";
import type { NodeCredentials } from "./identity/credentials.js";
import { NetworkManager } from "./network/manager.js";
import { LinuxHost, type HostNetwork } from "./network/host.js";
import type { PodNetworkMode } from "./network/plan.js";
import { NetworkHook } from "./pod/hooks/network.js";
import { DnsHook } from "./pod/hooks/dns.js";
import type { IngressListenAddress } from "./ingress/server.js";
import { ingressProxyLabel } from "./ingress/status-writer.js";
import { NodeServices } from "./cluster/node-services.js";
import { containerDiskUsage } from "./pod/container-disk-usage.js";
import { HostsHook } from "./pod/hooks/hosts.js";
import { TerminationMessageHook } from "./pod/termination-message.js";
import { VolumeHook } from "./pod/hooks/volumes.js";
import { SecurityContextHook } from "./pod/hooks/security-context.js";
import { podIdentity } from "./pod/identity.js";
import { VolumeManager } from "./volumes/manager.js";
import { EmptyDirLimits } from "./volumes/empty-dir-limits.js";

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
  /** The agent's state directory (--data-dir): pods' volumes live in <dataDir>/pods. */
  dataDir: string;
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
  readonly volumes: VolumeManager;
  /** Evicts pods whose disk emptyDirs outgrow their sizeLimit. */
  readonly emptyDirLimits: EmptyDirLimits;
  /** DNS, service proxy, network policies and ingress, when the agent knows the API servers. */
  readonly services: NodeServices | undefined;
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
        this.services?.networkReady(this.network.gateway(), this.network.cidrs());
      },
    });
    if (opts.apiServers && opts.apiServers.length > 0) {
      this.services = new NodeServices({
        nodeName: opts.nodeName,
        apiServers: opts.apiServers,
        credentials: () => opts.credentials.apiCredentials(),
        userAgent: AGENT_VERSION,
        host: opts.networkHost ?? new LinuxHost(),
        ...(opts.clusterDomain !== undefined ? { clusterDomain: opts.clusterDomain } : {}),
        ...(opts.dnsPort !== undefined ? { dnsPort: opts.dnsPort } : {}),
        ...(opts.ingressHttp !== undefined ? { ingressHttp: opts.ingressHttp } : {}),
        ...(opts.ingressHttps !== undefined ? { ingressHttps: opts.ingressHttps } : {}),
      });
    }
    // Read once: the containers' environments and the volumes' sizes ask for it at
    // every pod start, and the node's size does not change under a running agent.
    const allocatable = nodeCapacity(opts);
    this.volumes = new VolumeManager({
      podsDir: join(opts.dataDir, "pods"),
      ...(this.services ? { objects: this.services.cluster.objects } : {}),
      nodeAllocatable: () => allocatable,
      onFailure: (pod, message) => this.reporter.reportEvent(podIdentity(pod), { type: "Warning", reason: "FailedMount", message, fieldPath: "" }),
    });
    this.pods = new PodManager({
      runtime: opts.runtime,
      nodeName: opts.nodeName,
      infraImage: opts.infraImage,
      hostIP: () => hostIP,
      backoff: new ContainerBackoff(),
      reportStatus: (pod, status, terminated) => this.reporter.reportStatus(pod, status, terminated),
      reportEvent: (pod, ev) => this.reporter.reportEvent(pod, ev),
      resyncIntervalMs: opts.resyncIntervalMs,
      onPodRemoved: (uid) => this.reporter.forget(uid),
      // Containers' environments read the ConfigMaps and Secrets they name through the cluster's API.
      ...(this.services ? { envObjects: this.services.cluster.objects, services: this.services.cluster.services } : {}),
      nodeAllocatable: () => allocatable,
      hooks: [
        new NetworkHook(this.network, () => hostIP),
        new VolumeHook(this.volumes),
        // Localhost seccomp profiles live in <data-dir>/seccomp, as the kubelet's in <root-dir>/seccomp.
        new SecurityContextHook({ runtime: opts.runtime, seccompDir: join(opts.dataDir, "seccomp") }),
        // After the volumes, whose mounts come first. Pods are pointed at the node's DNS as
        // soon as the bridge exists, where it is about to serve.
        new DnsHook({ clusterDns: () => (this.services ? this.network.gateway() : undefined), domain: opts.clusterDomain ?? "cluster.local", podDir: (uid) => this.volumes.dirs.podDir(uid) }),
        // After the network hook, which labels the sandbox with its address; after the volumes, whose mounts come first.
        new HostsHook({ podDir: (uid) => this.volumes.dirs.podDir(uid), clusterDomain: opts.clusterDomain ?? "cluster.local" }),
        new TerminationMessageHook((uid) => this.volumes.dirs.podDir(uid)),
      ],
    });
    // Containers wait for the Services' first list (for their variables): they start as soon as it is in.
    const cluster = this.services?.cluster;
    let servicesListed = false;
    cluster?.onChange(() => {
      if (servicesListed || !cluster.services.hasSynced()) return;
      servicesListed = true;
      this.pods.syncAll();
    });
    this.emptyDirLimits = new EmptyDirLimits({
      activePods: () => this.pods.activePods(),
      dirs: this.volumes.dirs,
      evict: (pod, message) => this.pods.evict(pod.metadata.uid ?? "", message),
      containerUsage: (pod) => containerDiskUsage(opts.runtime, opts.nodeName, pod),
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
    await this.services?.start();
    await this.network.start();
    await this.pods.start();
    this.emptyDirLimits.start();
    this.session = new Session({
      masters: this.opts.masters,
      pods: this.pods,
      network: this.network,
      ...(this.services ? { policyPeers: this.services.policyPeers } : {}),
      credentials: () => this.opts.credentials.channelCredentials(),
      reporter: this.reporter,
      registration: async () =>
        registration({
          nodeName: this.opts.nodeName,
          internalIP: this.hostIP,
          agentEndpoint: this.endpoint,
          runtimeVersion,
          agentVersion: AGENT_VERSION,
          // Where the Ingresses are served: the nodes whose agents run the ingress proxy.
          extraLabels: this.services?.ingress ? { ...this.opts.nodeLabels, [ingressProxyLabel]: "true" } : this.opts.nodeLabels,
          capacityCpu: this.opts.capacityCpu,
          capacityMemory: this.opts.capacityMemory,
          dataDir: this.opts.dataDir,
        }),
    });
    this.sessionDone = this.session.run();
    this.opts.credentials.startRenewal();
    log.info({ node: this.opts.nodeName, listen: this.endpoint, masters: this.opts.masters }, "agent started");
  }

  /** Stops talking to the masters and serving logs. Pods and their network keep running, to be adopted at the next start. */
  async stop(): Promise<void> {
    this.opts.credentials.stop();
    this.session?.stop();
    await this.sessionDone;
    await this.emptyDirLimits.stop();
    await this.pods.stop();
    this.network.stop();
    await this.services?.stop();
    await this.reporter.flush();
    this.reporter.stop();
    this.server.forceClose();
    log.info({ node: this.opts.nodeName }, "agent stopped; its pods keep running");
  }
}
