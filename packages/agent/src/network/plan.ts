// The routes (and, where needed, the VXLAN device and its entries) that let this
// node's pods reach every other node's pods, planned from the master's picture and
// the host as it is now. Pure: the answer is the ip and bridge batch lines that make
// the host match, so that a reconcile repairs whatever changed (a route removed by
// hand, a peer gone) and writes nothing when all is well.
//
// Per peer, as flannel's vxlan backend with DirectRouting does: a peer on this very
// host needs nothing (its bridge's connected route is there); a peer on the same L2
// segment (no gateway on the way to its InternalIP) gets a route via that address
// (host-gw, as kindnet); any other peer, or every peer with --pod-network=vxlan, is
// reached through the VXLAN device with static neighbour and forwarding entries.
import { cidrContains, cidrsOverlap } from "@bosun/api";
import { cidrHoldsIP, ipv4Cidr, isIPv4, vtepAddress, vtepMac, type Cidr } from "./cidr.js";
import { ROUTE_PROTOCOL, VXLAN_OVERHEAD, VXLAN_PORT, vxlanId, type NodeNetworkNames } from "./names.js";
import type { HostLink, HostSnapshot } from "./snapshot.js";

export type PodNetworkMode = "host-gw" | "vxlan";
export const POD_NETWORK_MODES: readonly PodNetworkMode[] = ["host-gw", "vxlan"];

export interface NetworkPeer {
  nodeName: string;
  podCidr: string;
  internalIP: string;
}

/** What the master says about the pod network (proto NetworkMessage). */
export interface NetworkConfig {
  /** This node's pod CIDR; empty until the master allocated one. */
  podCidr: string;
  clusterCidr: string;
  peers: NetworkPeer[];
}

export type PeerRoute = "local" | "host-gw" | "vxlan" | "unreachable" | "invalid";

export interface PeerDecision {
  peer: NetworkPeer;
  route: PeerRoute;
  /** Why, for "unreachable" and "invalid". */
  detail?: string;
}

export interface PlanInput {
  config: NetworkConfig;
  mode: PodNetworkMode;
  /** This node's InternalIP: the VXLAN tunnel's local end. */
  internalIP: string;
  names: NodeNetworkNames;
  host: HostSnapshot;
}

export interface HostPlan {
  /** `ip -batch` lines, in order. */
  ip: string[];
  /** `bridge -batch` lines (VXLAN forwarding entries), run after the ip lines. */
  bridge: string[];
  decisions: PeerDecision[];
}

interface WantedRoute {
  dst: string;
  gateway: string;
  /** Through the VXLAN device, with the onlink flag. */
  vxlan: boolean;
}

/** The link carrying an address: its MTU is the pod network's. */
export function linkWithAddress(links: HostLink[], ip: string): HostLink | undefined {
  return links.find((l) => l.ipv4.some((a) => a.split("/")[0] === ip));
}

function decide(input: PlanInput, cluster: Cidr, own: Cidr): PeerDecision[] {
  const { config, mode, host } = input;
  // The connected routes of bridges on this host: other agents' pods on the same engine.
  const connected = new Set(host.routes.filter((r) => r.protocol === "kernel" && !r.gateway && r.scope === "link").map((r) => r.dst));
  return config.peers.map((peer): PeerDecision => {
    const cidr = ipv4Cidr(peer.podCidr);
    if (!cidr || !isIPv4(peer.internalIP)) {
      return { peer, route: "invalid", detail: `pod CIDR "${peer.podCidr}" or InternalIP "${peer.internalIP}" is not IPv4` };
    }
    if (!cidrContains(cluster, cidr) || cidrsOverlap(cidr, own)) {
      return { peer, route: "invalid", detail: `pod CIDR ${peer.podCidr} is not a range of its own inside the cluster CIDR ${config.clusterCidr}` };
    }
    if (connected.has(peer.podCidr)) return { peer, route: "local" };
    const path = host.paths.get(peer.internalIP);
    if (!path) return { peer, route: "unreachable", detail: `no route to its InternalIP ${peer.internalIP}` };
    if (path.local) return { peer, route: "local" };
    if (mode === "host-gw" && !path.gateway) return { peer, route: "host-gw" };
    return { peer, route: "vxlan" };
  });
}

export function planHost(input: PlanInput): HostPlan {
  const { config, names, host } = input;
  const cluster = ipv4Cidr(config.clusterCidr);
  const own = ipv4Cidr(config.podCidr);
  if (!cluster || !own) throw new Error(`the master sent an unusable pod network (pod CIDR "${config.podCidr}", cluster CIDR "${config.clusterCidr}")`);
  const decisions = decide(input, cluster, own);

  const wanted = new Map<string, WantedRoute>();
  for (const d of decisions) {
    const cidr = ipv4Cidr(d.peer.podCidr);
    if (!cidr) continue;
    if (d.route === "host-gw") wanted.set(d.peer.podCidr, { dst: d.peer.podCidr, gateway: d.peer.internalIP, vxlan: false });
    if (d.route === "vxlan") wanted.set(d.peer.podCidr, { dst: d.peer.podCidr, gateway: vtepAddress(cidr), vxlan: true });
  }
  const vxlanPeers = decisions.filter((d) => d.route === "vxlan");
  const ip: string[] = [];
  const bridge: string[] = [];
  const dev = names.vxlanDevice;
  const link = host.links.find((l) => l.name === dev);
  /** The device is deleted (or replaced): its routes and entries vanish with it. */
  let deviceGone = false;

  if (vxlanPeers.length > 0) {
    const created = planVxlanDevice(input, own, link, ip);
    deviceGone = created;
    const neighbours = created ? [] : host.neighbours;
    const fdb = created ? [] : host.fdb;
    const wantNeigh = new Map<string, string>();
    const wantFdb = new Map<string, string>();
    for (const d of vxlanPeers) {
      const cidr = ipv4Cidr(d.peer.podCidr)!;
      wantNeigh.set(vtepAddress(cidr), vtepMac(cidr));
      wantFdb.set(vtepMac(cidr), d.peer.internalIP);
    }
    for (const n of neighbours) {
      if (n.permanent && cidrHoldsIP(cluster, n.ip) && !wantNeigh.has(n.ip)) ip.push(`neigh del ${n.ip} dev ${dev}`);
    }
    for (const [addr, mac] of wantNeigh) {
      const have = neighbours.find((n) => n.ip === addr);
      if (!have?.permanent || have.mac !== mac) ip.push(`neigh replace ${addr} lladdr ${mac} dev ${dev} nud permanent`);
    }
    for (const e of fdb) {
      if (e.permanent && e.dst && wantFdb.get(e.mac) !== e.dst) bridge.push(`fdb del ${e.mac} dev ${dev} dst ${e.dst} self`);
    }
    for (const [mac, dst] of wantFdb) {
      if (!fdb.some((e) => e.mac === mac && e.dst === dst && e.permanent)) bridge.push(`fdb replace ${mac} dev ${dev} dst ${dst} self permanent`);
    }
  } else if (link) {
    // No peer needs the tunnel: the device goes, with its routes and entries.
    ip.push(`link del ${dev}`);
    deviceGone = true;
  }

  for (const r of host.routes) {
    const dst = ipv4Cidr(r.dst);
    if (r.protocol !== ROUTE_PROTOCOL || !dst || !cidrContains(cluster, dst) || wanted.has(r.dst)) continue;
    if (deviceGone && r.dev === dev) continue;
    ip.push(`route del ${r.dst} proto ${ROUTE_PROTOCOL}`);
  }
  for (const w of wanted.values()) {
    const have = host.routes.find((r) => r.dst === w.dst);
    const ok = have && have.gateway === w.gateway && have.protocol === ROUTE_PROTOCOL && (w.vxlan ? have.dev === dev && have.onlink : !have.onlink);
    if (ok) continue;
    ip.push(w.vxlan ? `route replace ${w.dst} via ${w.gateway} dev ${dev} onlink proto ${ROUTE_PROTOCOL}` : `route replace ${w.dst} via ${w.gateway} proto ${ROUTE_PROTOCOL}`);
  }
  return { ip, bridge, decisions };
}

/**
 * Makes the VXLAN device right (flannel's flannel.1): the cluster's VNI, this node's
 * InternalIP as the local end, no learning (every entry is static), the MAC derived
 * from this node's VTEP address, which it also carries. Answers whether the device
 * is (re)created, so that it starts with no entries.
 */
function planVxlanDevice(input: PlanInput, own: Cidr, link: HostLink | undefined, ip: string[]): boolean {
  const { names, host, internalIP, config } = input;
  const dev = names.vxlanDevice;
  const id = vxlanId(config.clusterCidr);
  const underlay = linkWithAddress(host.links, internalIP);
  const mtu = (underlay?.mtu ?? 1500) - VXLAN_OVERHEAD;
  const mac = vtepMac(own);
  const address = `${vtepAddress(own)}/32`;
  const compatible =
    link?.kind === "vxlan" && link.vxlan?.id === id && link.vxlan.local === internalIP && link.vxlan.port === VXLAN_PORT && link.vxlan.learning === false;
  let created = false;
  if (link && !compatible) ip.push(`link del ${dev}`);
  if (!link || !compatible) {
    ip.push(`link add ${dev} type vxlan id ${id} local ${internalIP} dstport ${VXLAN_PORT} nolearning`);
    created = true;
  }
  if (created || !link?.up || link.mac !== mac || link.mtu !== mtu) ip.push(`link set ${dev} address ${mac} mtu ${mtu} up`);
  if (created || !link?.ipv4.includes(address)) ip.push(`address replace ${address} dev ${dev}`);
  return created;
}
