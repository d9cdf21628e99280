// The node's pod network, kept as the master describes it: a reconcile loop over the
// pod bridge (Docker), the node's iptables chains, the routes to the other nodes'
// pods and the sandboxes' links to the bridge. It runs on every message of the
// master's Network stream and every 10 s, so a route, rule or pod link removed by
// hand comes back and a departed peer's route goes away. It also hands out the pods'
// addresses and plugs new sandboxes in (for the pod worker's network hook).
//
// A restarted agent adopts its bridge, its pods' addresses and their links before
// the master speaks (the runtime is the agent's database: the network's labels carry
// both CIDRs, the sandboxes' their addresses), so running pods keep their network
// and a dead sandbox can be replaced at once. Nothing here ever removes what running
// pods use.
import { CoalescingLoop, createLogger } from "@bosun/client";
import type { ContainerRuntime, ContainerSummary, PodNetworkInfo } from "../runtime/runtime.js";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, LABEL_HOST_NETWORK, LABEL_HOST_PORTS, LABEL_NODE_NAME, LABEL_POD_IP, LABEL_POD_UID } from "../labels.js";
import { hostPortRules, parseHostPorts } from "./host-ports.js";
import { ensurePodBridge, nodeNetworks } from "./bridge.js";
import { firstHost, ipv4Cidr, isIPv4 } from "./cidr.js";
import type { HostNetwork } from "./host.js";
import { iptablesRestoreInput } from "./iptables.js";
import { LABEL_CLUSTER_CIDR, LABEL_POD_CIDR, nodeNetworkNames, VXLAN_OVERHEAD, type NodeNetworkNames } from "./names.js";
import { linkWithAddress, planHost, type NetworkConfig, type PeerDecision, type PeerRoute, type PodNetworkMode } from "./plan.js";
import { PodAddresses } from "./pod-addresses.js";
import { linkSandbox, sandboxVeth } from "./sandbox-link.js";
import { parseLinks, readHost, type HostSnapshot } from "./snapshot.js";

const log = createLogger("agent/network");

export interface NetworkManagerOptions {
  nodeName: string;
  /** This node's InternalIP, as registered: the VXLAN tunnel's local end. */
  internalIP: string;
  mode: PodNetworkMode;
  runtime: ContainerRuntime;
  host: HostNetwork;
  /** Default 10 s. */
  resyncIntervalMs?: number;
  /** The pod network became usable, or its bridge was replaced: pods waiting for it may start. */
  onReady?: () => void;
}

/** Whether pods can get a sandbox now, and on which bridge. */
export type NetworkReadiness = { ready: true; bridge: string } | { ready: false; message: string };

type Step = "bridge" | "iptables" | "routes" | "host" | "sandboxes";

export class NetworkManager {
  readonly names: NodeNetworkNames;
  /** The master's latest word that carried a pod CIDR. */
  private config: NetworkConfig | undefined;
  /**
   * The CIDRs in force: the master's latest, else those read from an existing bridge
   * at start. A message without a pod CIDR (a master that has not allocated one yet)
   * changes nothing: the node keeps what its pods use.
   */
  private inForce: { podCidr: string; clusterCidr: string } | undefined;
  private bridge: PodNetworkInfo | undefined;
  private notReady = "the master has not sent this node's pod CIDR yet";
  private readonly loop = new CoalescingLoop(() => this.reconcile());
  private timer: NodeJS.Timeout | undefined;
  private readonly problems = new Map<Step, string>();
  private readonly peerRoutes = new Map<string, PeerRoute>();
  private readonly addresses = new PodAddresses();
  /** The pods' MTU, as the bridge was last made or checked with. */
  private mtu = 1500;
  /**
   * Running sandboxes whose link the reconcile keeps: those this agent plugged in, and
   * those found running at start. A sandbox being plugged in is in neither, so the
   * reconcile never races the pod worker for it.
   */
  private readonly kept = new Set<string>();
  /** The host-port chain's rules as last computed from the running sandboxes. */
  private hostPortRules: string[] = [];

  constructor(private readonly opts: NetworkManagerOptions) {
    this.names = nodeNetworkNames(opts.nodeName);
  }

  /** Adopts the node's existing bridge, if any, and starts the periodic reconcile. */
  async start(): Promise<void> {
    try {
      const [existing] = (await nodeNetworks(this.opts.runtime, this.opts.nodeName)).filter((n) => n.name === this.names.dockerNetwork);
      const podCidr = existing?.labels[LABEL_POD_CIDR];
      const clusterCidr = existing?.labels[LABEL_CLUSTER_CIDR];
      if (podCidr && clusterCidr && ipv4Cidr(podCidr) && ipv4Cidr(clusterCidr)) {
        this.inForce = { podCidr, clusterCidr };
        log.info({ network: existing?.name, podCidr, clusterCidr }, "adopted the node's pod network; waiting for the master's picture of the other nodes");
      }
      if (this.inForce) this.addresses.setCidr(this.inForce.podCidr);
      await this.adoptSandboxes();
    } catch (err) {
      log.warn({ err: (err as Error).message }, "could not look for an existing pod network; waiting for the master");
    }
    await this.reconcileNow();
    this.timer = setInterval(() => this.trigger(), this.opts.resyncIntervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    this.loop.stop();
    clearInterval(this.timer);
  }

  /** A message of the master's Network stream: the whole picture. */
  update(config: NetworkConfig): void {
    if (config.podCidr === "") {
      if (!this.inForce) log.info({}, "the master has not allocated this node's pod CIDR yet; pods wait");
      return;
    }
    if (!ipv4Cidr(config.podCidr) || !ipv4Cidr(config.clusterCidr)) {
      log.error({ podCidr: config.podCidr, clusterCidr: config.clusterCidr }, "the master sent a pod network that is not IPv4 CIDRs; ignoring it (check the master's --cluster-cidr)");
      return;
    }
    this.config = config;
    this.inForce = { podCidr: config.podCidr, clusterCidr: config.clusterCidr };
    this.addresses.setCidr(config.podCidr);
    this.trigger();
  }

  readiness(): NetworkReadiness {
    return this.bridge ? { ready: true, bridge: this.bridge.bridge } : { ready: false, message: this.notReady };
  }

  /** The CIDRs in force: the master's latest, else those of the adopted bridge. */
  cidrs(): { podCidr: string; clusterCidr: string } | undefined {
    return this.inForce ? { ...this.inForce } : undefined;
  }

  /** The pod bridge's own address (the pods' default gateway and nameserver), once the bridge exists. */
  gateway(): string | undefined {
    const cidr = ipv4Cidr(this.inForce?.podCidr ?? "");
    return this.bridge && cidr ? firstHost(cidr) : undefined;
  }

  /** The pod's address on the node's pod network: kept while the pod lives here. */
  assignAddress(podUid: string): string {
    return this.addresses.assign(podUid);
  }

  /** The pod's sandboxes are all gone: its address may go to another pod. */
  releaseAddress(podUid: string): void {
    this.addresses.release(podUid);
  }

  /** Plugs a started sandbox, labelled with its address, into the node's pod bridge. */
  async plugIn(containerId: string): Promise<void> {
    const bridge = this.bridge;
    const cidr = ipv4Cidr(this.inForce?.podCidr ?? "");
    if (!bridge || !cidr) throw new Error(`the pod network of node ${this.opts.nodeName} is not ready: ${this.notReady}`);
    const details = await this.opts.runtime.inspectContainer(containerId);
    const ip = details?.labels[LABEL_POD_IP];
    if (!details?.running || !ip) throw new Error(`sandbox ${containerId.slice(0, 12)} is not running with a pod address; it is replaced at the next sync`);
    await linkSandbox(this.opts.host, { containerId, pid: details.pid, bridge: bridge.bridge, ip, prefixLength: cidr.prefixLength, gateway: firstHost(cidr), mtu: this.mtu });
    this.kept.add(containerId);
    // Its hostPorts are published by the next reconcile, at once rather than within 10 s.
    if (details.labels[LABEL_HOST_PORTS]) this.trigger();
  }

  /** At start: the addresses running and stopped sandboxes hold, and the running ones' links to keep. */
  private async adoptSandboxes(): Promise<void> {
    for (const c of await this.nodeSandboxes()) {
      const uid = c.labels[LABEL_POD_UID];
      const ip = c.labels[LABEL_POD_IP];
      if (!uid || !ip) continue;
      this.addresses.adopt(uid, ip);
      if (c.state === "running") this.kept.add(c.id);
    }
  }

  /** The node's sandboxes on the pod network (hostNetwork pods' are not). */
  private async nodeSandboxes() {
    const all = await this.opts.runtime.listContainers({ [LABEL_NODE_NAME]: this.opts.nodeName, [LABEL_CONTAINER_NAME]: INFRA_CONTAINER_NAME });
    return all.filter((c) => c.labels[LABEL_HOST_NETWORK] !== "true");
  }

  /** Plugs in again the kept sandboxes whose link is gone (deleted by hand); forgets sandboxes that stopped. */
  private async keepLinks(sandboxes: readonly ContainerSummary[]): Promise<void> {
    const running = new Set(sandboxes.filter((c) => c.state === "running").map((c) => c.id));
    for (const id of this.kept) if (!running.has(id)) this.kept.delete(id);
    if (this.kept.size === 0) return;
    const [links] = await this.opts.host.ipRead(["link show"]);
    const present = new Set(parseLinks(links).map((l) => l.name));
    for (const id of [...this.kept]) {
      if (present.has(sandboxVeth(id))) continue;
      log.info({ sandbox: id.slice(0, 12) }, "a pod's link to the pod bridge is gone; plugging the sandbox in again");
      await this.plugIn(id);
    }
  }

  /** Asks for a reconcile; one asked for during a reconcile runs right after it. */
  trigger(): void {
    this.loop.trigger();
  }

  /** Reconciles now and resolves when done (at start, and for tests). */
  async reconcileNow(): Promise<void> {
    this.loop.trigger();
    await this.loop.idle();
  }

  private async reconcile(): Promise<void> {
    const cidrs = this.inForce;
    if (!cidrs) {
      this.notReady = `node ${this.opts.nodeName} has no pod CIDR yet; the master allocates one from its --cluster-cidr (if this lasts, the cluster CIDR may be full)`;
      return;
    }
    // The routes are planned only from the master's picture: an adopted bridge alone
    // says nothing about the other nodes, and their routes stay as they are meanwhile.
    const master = this.config;
    const snapshot = await this.attempt("host", () =>
      readHost(this.opts.host, (master?.peers ?? []).map((p) => p.internalIP).filter(isIPv4), this.names.vxlanDevice),
    );
    await this.attempt("bridge", async () => {
      const mtu = this.podMtu(snapshot);
      this.mtu = mtu;
      const state = await ensurePodBridge(this.opts.runtime, { nodeName: this.opts.nodeName, names: this.names, ...cidrs, mtu });
      const wasReady = this.bridge !== undefined;
      if (state.ready) {
        const changed = !wasReady || this.bridge?.id !== state.network.id;
        this.bridge = state.network;
        if (changed) {
          log.info({ network: state.network.name, podCidr: cidrs.podCidr }, "the pod network is ready");
          this.opts.onReady?.();
        }
      } else {
        this.bridge = undefined;
        this.notReady = state.message;
      }
    });
    const sandboxes = await this.attempt("sandboxes", async () => {
      const list = await this.nodeSandboxes();
      if (this.bridge) await this.keepLinks(list);
      return list;
    });
    // Should the sandboxes not be listed, the host ports stay as they were.
    if (sandboxes) this.hostPortRules = hostPortRules(this.names.hostPortChain, publishedPorts(sandboxes));
    await this.attempt("iptables", async () => {
      const saved = await this.opts.host.iptablesSave();
      await this.opts.host.iptablesRestore(iptablesRestoreInput({ names: this.names, ...cidrs, hostPortRules: this.hostPortRules }, saved));
    });
    if (master && snapshot) {
      await this.attempt("routes", async () => {
        const plan = planHost({ config: master, mode: this.opts.mode, internalIP: this.opts.internalIP, names: this.names, host: snapshot });
        this.logDecisions(plan.decisions);
        if (plan.ip.length > 0 || plan.bridge.length > 0) log.debug({ ip: plan.ip, bridge: plan.bridge }, "updating the routes to other nodes' pods");
        await this.opts.host.ipWrite(plan.ip);
        await this.opts.host.bridgeWrite(plan.bridge);
      });
    }
  }

  /** The pods' MTU: their host interface's, less VXLAN's overhead when every peer is reached through the tunnel. */
  private podMtu(snapshot: HostSnapshot | undefined): number {
    const mtu = (snapshot && linkWithAddress(snapshot.links, this.opts.internalIP)?.mtu) || 1500;
    return this.opts.mode === "vxlan" ? mtu - VXLAN_OVERHEAD : mtu;
  }

  /** Logs how each peer is reached when that changes, so that a steady cluster logs nothing. */
  private logDecisions(decisions: PeerDecision[]): void {
    const seen = new Set<string>();
    for (const d of decisions) {
      seen.add(d.peer.nodeName);
      if (this.peerRoutes.get(d.peer.nodeName) === d.route) continue;
      this.peerRoutes.set(d.peer.nodeName, d.route);
      const fields = { peer: d.peer.nodeName, podCidr: d.peer.podCidr, internalIP: d.peer.internalIP, route: d.route };
      if (d.route === "unreachable" || d.route === "invalid") log.warn({ ...fields, detail: d.detail }, "cannot route to a node's pods");
      else log.info(fields, "routing to a node's pods");
    }
    for (const name of [...this.peerRoutes.keys()]) {
      if (seen.has(name)) continue;
      this.peerRoutes.delete(name);
      log.info({ peer: name }, "a node left the pod network; its route goes");
    }
  }

  /** Runs one step; a failure is logged (once while it repeats) and the other steps still run. */
  private async attempt<T>(step: Step, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await fn();
      if (this.problems.delete(step)) log.info({ step }, "the pod network step works again");
      return result;
    } catch (err) {
      const message = (err as Error).message;
      if (this.problems.get(step) !== message) {
        this.problems.set(step, message);
        log.warn({ step, err: message }, "pod network step failed; retrying at the next reconcile (every 10 s)");
      }
      if (step === "bridge" && !this.bridge) this.notReady = `the pod network of node ${this.opts.nodeName} could not be made: ${message}`;
      return undefined;
    }
  }
}

/** The host ports of the running sandboxes, from their labels. */
function publishedPorts(sandboxes: readonly ContainerSummary[]): { ip: string; ports: ReturnType<typeof parseHostPorts> }[] {
  return sandboxes
    .filter((c) => c.state === "running" && c.labels[LABEL_HOST_PORTS] && c.labels[LABEL_POD_IP])
    .map((c) => ({ ip: c.labels[LABEL_POD_IP]!, ports: parseHostPorts(c.labels[LABEL_HOST_PORTS]) }));
}
