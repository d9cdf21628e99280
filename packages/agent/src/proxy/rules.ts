// The node's service proxy rules, planned as kube-proxy's iptables mode plans them
// (pkg/proxy/iptables/proxier.go, syncProxyRules): the whole `iptables-restore
// --noflush` input for the proxy's own chains, from the Services, the
// EndpointSlices and the host's rules as iptables-save printed them. Pure, so
// every case is tested without iptables.
//
// nat:    PREROUTING, OUTPUT -> SERVICES: per service port, its cluster IP (and
//         external IPs) to the port's chain; last, local destinations -> NODEPORTS
//         SVC/SVL-<hash>: the Cluster/Local-policy endpoints, picked at random
//         (`-m statistic --probability 1/n, 1/(n-1), ...`), or by ClientIP affinity
//         EXT-<hash>: NodePort and external IP traffic, masqueraded unless the
//         external policy is Local
//         SEP-<hash>: one endpoint: marks hairpin traffic, DNATs
//         POSTROUTING -> POSTROUTING: masquerades what was marked
// filter: FORWARD, OUTPUT -> SERVICES; INPUT, FORWARD -> EXTERNAL: REJECT (no
//         endpoints) or DROP (no local endpoints for a Local policy)
//
// Each sync declares every chain it owns (which flushes it) and writes all of
// their rules, deletes the chains of its own it no longer needs, and keeps exactly
// one jump into its top chains from each built-in chain that should have one.
import { jumpLines, parseIptablesSave, type SavedTable } from "../network/iptables.js";
import { categorizeEndpoints, externallyAccessible, proxyState, servicePortKey, usesClusterEndpoints, usesLocalEndpoints, type EndpointInfo, type ProxyState, type ServicePortInfo } from "./endpoints.js";
import { endpointChainName, isProxyChain, MASQUERADE_MARK, proxyChainNames, serviceChainName, type ProxyChainNames } from "./names.js";
import type { EndpointSlice, Service } from "@bosun/api";

/** Above this many endpoints kube-proxy drops the per-endpoint comments: 40% fewer bytes to restore. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

const LOOPBACK = "127.0.0.0/8";

export interface ProxyRulesInput {
  nodeName: string;
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
  /** Traffic from outside it to a cluster IP is masqueraded, so that replies come back through this node. */
  clusterCidr: string;
  /** This node's pods: their traffic to a NodePort with external policy Local keeps going to any endpoint. */
  podCidr: string;
  /**
   * Where NodePorts answer, as kube-proxy's --nodeport-addresses: e.g. the node's
   * InternalIPs. Empty: every local address (`-m addrtype --dst-type LOCAL`),
   * kube-proxy's default.
   */
  nodePortAddresses?: readonly string[];
  /**
   * NodePorts on 127.0.0.1 too (kube-proxy's --iptables-localhost-nodeports). Needs
   * net.ipv4.conf.all.route_localnet=1, which lets outside packets reach 127/8, so
   * the external filter chain then drops those, as kube-proxy's KUBE-FIREWALL does.
   */
  localhostNodePorts?: boolean;
}

export interface ProxyRulesPlan {
  /** The iptables-restore --noflush input. */
  restore: string;
  /** What it was planned from: the proxier compares it with the last one for conntrack cleanup. */
  state: ProxyState;
  /** Chains of this node's proxy that the input deletes. */
  staleChains: string[];
}

/** Lines of one table: chain declarations first, then rules, then deletions. */
class TableLines {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  readonly declared = new Set<string>();

  declare(chain: string): void {
    if (this.declared.has(chain)) return;
    this.declared.add(chain);
    this.chains.push(`:${chain} - [0:0]`);
  }

  add(...parts: (string | undefined | false)[]): void {
    this.rules.push(parts.filter((p): p is string => typeof p === "string" && p !== "").join(" "));
  }
}

const quote = (text: string) => `"${text}"`;

export function planProxyRules(input: ProxyRulesInput, saved: string): ProxyRulesPlan {
  const names = proxyChainNames(input.nodeName);
  const state = proxyState(input.services, input.endpointSlices, input.nodeName);
  const nat = new TableLines();
  const filter = new TableLines();
  for (const chain of [names.services, names.nodePorts, names.postrouting, names.markMasquerade]) nat.declare(chain);
  for (const chain of [names.filterServices, names.filterExternal]) filter.declare(chain);

  // Masquerade what was marked, once: the mark is cleared first so that a packet
  // going through the stack again is not masqueraded twice.
  const mark = `${MASQUERADE_MARK}/${MASQUERADE_MARK}`;
  nat.add(`-A ${names.postrouting}`, "-m mark ! --mark", mark, "-j RETURN");
  nat.add(`-A ${names.postrouting}`, "-j MARK --xor-mark", MASQUERADE_MARK);
  nat.add(`-A ${names.postrouting}`, "-m comment --comment", quote("bosun service traffic requiring SNAT"), "-j MASQUERADE --random-fully");
  nat.add(`-A ${names.markMasquerade}`, "-j MARK --or-mark", MASQUERADE_MARK);

  if (input.localhostNodePorts) {
    filter.add(
      `-A ${names.filterExternal}`,
      "-m comment --comment",
      quote("block incoming localnet connections"),
      `-d ${LOOPBACK} ! -s ${LOOPBACK}`,
      "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
    );
  }

  const totalEndpoints = state.ports.reduce((n, p) => n + (state.endpoints.get(servicePortKey(p))?.length ?? 0), 0);
  const ctx: PortContext = { names, nat, filter, input, largeCluster: totalEndpoints > LARGE_CLUSTER_ENDPOINTS };
  for (const port of state.ports) writeServicePort(ctx, port, state.endpoints.get(servicePortKey(port)) ?? []);

  // Last in the services chain: NodePorts, for local destinations only.
  const nodePortsComment = quote("bosun service nodeports; NOTE: this must be the last rule in this chain");
  const addresses = input.nodePortAddresses ?? [];
  if (addresses.length === 0) {
    nat.add(`-A ${names.services}`, "-m comment --comment", nodePortsComment, "-m addrtype --dst-type LOCAL", !input.localhostNodePorts && `! -d ${LOOPBACK}`, `-j ${names.nodePorts}`);
  } else {
    for (const ip of addresses) {
      if (ip.startsWith("127.") && !input.localhostNodePorts) continue;
      nat.add(`-A ${names.services}`, "-m comment --comment", nodePortsComment, `-d ${ip}/32`, `-j ${names.nodePorts}`);
    }
  }

  const tables = parseIptablesSave(saved);
  const staleNat = removeStale(nat, tables.get("nat"), names);
  const staleFilter = removeStale(filter, tables.get("filter"), names);
  const natJumps = [
    ...jumpLines(tables.get("nat"), ["PREROUTING", "OUTPUT"], names.services, names.comment),
    ...jumpLines(tables.get("nat"), "POSTROUTING", names.postrouting, names.comment),
  ];
  const newOnly = "-m conntrack --ctstate NEW";
  const filterJumps = [
    ...jumpLines(tables.get("filter"), ["FORWARD", "OUTPUT"], names.filterServices, names.comment, newOnly),
    ...jumpLines(tables.get("filter"), ["INPUT", "FORWARD"], names.filterExternal, names.comment, newOnly),
  ];
  const restore = [
    "*filter",
    ...filter.chains,
    ...filter.rules,
    ...filterJumps,
    "COMMIT",
    "*nat",
    ...nat.chains,
    ...nat.rules,
    ...natJumps,
    "COMMIT",
    "",
  ].join("\n");
  return { restore, state, staleChains: [...staleFilter, ...staleNat] };
}

/** The chains of this node's proxy that the table has and the plan no longer declares: flushed by declaring them, then deleted. */
function removeStale(lines: TableLines, table: SavedTable | undefined, names: ProxyChainNames): string[] {
  const stale = [...(table?.chains ?? [])].filter((c) => isProxyChain(names, c) && !lines.declared.has(c)).sort();
  for (const chain of stale) lines.declare(chain);
  for (const chain of stale) lines.add(`-X ${chain}`);
  return stale;
}

interface PortContext {
  names: ProxyChainNames;
  nat: TableLines;
  filter: TableLines;
  input: ProxyRulesInput;
  largeCluster: boolean;
}

/** One service port's rules, after the loop body of kube-proxy's syncProxyRules. */
function writeServicePort(ctx: PortContext, port: ServicePortInfo, endpoints: readonly EndpointInfo[]): void {
  const { names, nat, filter, input } = ctx;
  const proto = `-m ${port.protocol} -p ${port.protocol}`;
  const { cluster, local, reachable, hasAny } = categorizeEndpoints(endpoints, port);
  const clusterChain = serviceChainName(names, "SVC", port.name, port.protocol);
  const localChain = serviceChainName(names, "SVL", port.name, port.protocol);
  const externalChain = serviceChainName(names, "EXT", port.name, port.protocol);
  const usesClusterChain = cluster.length > 0 && usesClusterEndpoints(port);
  const usesLocalChain = local.length > 0 && usesLocalEndpoints(port);

  const internalChain = port.internalPolicyLocal ? localChain : clusterChain;
  const hasInternal = hasAny && (!port.internalPolicyLocal || local.length > 0);
  const externalPolicyChain = port.externalPolicyLocal ? localChain : clusterChain;
  const hasExternal = hasAny && (!port.externalPolicyLocal || local.length > 0);
  // Even without endpoints usable by outside traffic, pods and the node itself still reach a Local port through EXT's short-circuit.
  const usesExternalChain = hasAny && externallyAccessible(port);

  // No endpoints at all: REJECT, so clients fail at once. Endpoints, but none here
  // for a Local policy: DROP, as kube-proxy does (the client should not be told the
  // service is gone; another node may serve it).
  const noEndpoints = `${port.name} has no endpoints`;
  const noLocal = `${port.name} has no local endpoints`;
  const internalFilter = !hasAny ? { target: "REJECT", comment: noEndpoints } : !hasInternal ? { target: "DROP", comment: noLocal } : undefined;
  const externalFilter = !hasAny ? { target: "REJECT", comment: noEndpoints } : !hasExternal ? { target: "DROP", comment: noLocal } : undefined;

  const clusterIPMatch = [proto, `-d ${port.clusterIP}/32`, `--dport ${port.port}`].join(" ");
  const clusterIPComment = quote(`${port.name} cluster IP`);
  if (hasInternal) {
    nat.add(`-A ${names.services}`, "-m comment --comment", clusterIPComment, clusterIPMatch, `-j ${internalChain}`);
  } else if (internalFilter) {
    filter.add(`-A ${names.filterServices}`, "-m comment --comment", quote(internalFilter.comment), clusterIPMatch, `-j ${internalFilter.target}`);
  }

  for (const ip of port.externalIPs) {
    const match = [proto, `-d ${ip}/32`, `--dport ${port.port}`].join(" ");
    if (hasAny) nat.add(`-A ${names.services}`, "-m comment --comment", quote(`${port.name} external IP`), match, `-j ${externalChain}`);
    if (externalFilter) filter.add(`-A ${names.filterExternal}`, "-m comment --comment", quote(externalFilter.comment), match, `-j ${externalFilter.target}`);
  }

  if (port.nodePort !== 0) {
    if (hasAny) nat.add(`-A ${names.nodePorts}`, "-m comment --comment", quote(port.name), proto, `--dport ${port.nodePort}`, `-j ${externalChain}`);
    if (externalFilter) {
      filter.add(
        `-A ${names.filterExternal}`,
        "-m comment --comment",
        quote(externalFilter.comment),
        "-m addrtype --dst-type LOCAL",
        proto,
        `--dport ${port.nodePort}`,
        `-j ${externalFilter.target}`,
      );
    }
  }

  // Traffic to the cluster IP from outside the cluster CIDR (the node itself, or a
  // host routing the service range to this node) is masqueraded: the endpoint's
  // reply must come back through here to be un-DNATed.
  if (hasInternal) nat.add(`-A ${internalChain}`, "-m comment --comment", clusterIPComment, clusterIPMatch, `! -s ${input.clusterCidr}`, `-j ${names.markMasquerade}`);

  if (usesExternalChain) {
    nat.declare(externalChain);
    if (!port.externalPolicyLocal) {
      // The endpoint may be on another node: masquerade, so that the reply comes back here.
      nat.add(`-A ${externalChain}`, "-m comment --comment", quote(`masquerade traffic for ${port.name} external destinations`), `-j ${names.markMasquerade}`);
    } else {
      // Local policy keeps the client's address. This node's pods are not "external"
      // (as if they went out to a load balancer and came back) and may use any endpoint;
      // the node itself must be masqueraded, its source address being the one it sent to.
      nat.add(`-A ${externalChain}`, "-m comment --comment", quote(`pod traffic for ${port.name} external destinations`), `-s ${input.podCidr}`, `-j ${clusterChain}`);
      nat.add(`-A ${externalChain}`, "-m comment --comment", quote(`masquerade LOCAL traffic for ${port.name} external destinations`), "-m addrtype --src-type LOCAL", `-j ${names.markMasquerade}`);
      nat.add(`-A ${externalChain}`, "-m comment --comment", quote(`route LOCAL traffic for ${port.name} external destinations`), "-m addrtype --src-type LOCAL", `-j ${clusterChain}`);
    }
    if (hasExternal) nat.add(`-A ${externalChain}`, `-j ${externalPolicyChain}`);
  }

  if (usesClusterChain) writeBalancing(ctx, port, clusterChain, cluster);
  if (usesLocalChain) writeBalancing(ctx, port, localChain, local);

  for (const ep of reachable) {
    const chain = endpointChainName(names, port.name, port.protocol, ep.address);
    nat.declare(chain);
    const comment = ctx.largeCluster ? undefined : `-m comment --comment ${quote(port.name)}`;
    // Hairpin: a pod reaching itself through its Service would get a reply from its
    // own address that it never sent to; masqueraded, the reply goes back through here.
    nat.add(`-A ${chain}`, comment, `-s ${ep.ip}/32`, `-j ${names.markMasquerade}`);
    const affinity = port.affinitySeconds !== undefined && `-m recent --name ${chain} --set`;
    nat.add(`-A ${chain}`, comment, affinity, proto, `-j DNAT --to-destination ${ep.address}`);
  }
}

/** A policy chain: sticky endpoints first (ClientIP affinity), then a random pick with kube-proxy's probabilities. */
function writeBalancing(ctx: PortContext, port: ServicePortInfo, chain: string, endpoints: readonly EndpointInfo[]): void {
  const { names, nat } = ctx;
  nat.declare(chain);
  const commentFor = (ep: EndpointInfo) => (ctx.largeCluster ? undefined : `-m comment --comment ${quote(`${port.name} -> ${ep.address}`)}`);
  if (port.affinitySeconds !== undefined) {
    for (const ep of endpoints) {
      const target = endpointChainName(names, port.name, port.protocol, ep.address);
      nat.add(`-A ${chain}`, commentFor(ep), `-m recent --name ${target} --rcheck --seconds ${port.affinitySeconds} --reap`, `-j ${target}`);
    }
  }
  endpoints.forEach((ep, i) => {
    const target = endpointChainName(names, port.name, port.protocol, ep.address);
    // Endpoint i of n is taken with probability 1/(n-i) when none before it was: each gets 1/n.
    const left = endpoints.length - i;
    const pick = left > 1 && `-m statistic --mode random --probability ${probability(left)}`;
    nat.add(`-A ${chain}`, commentFor(ep), pick, `-j ${target}`);
  });
}

/** 1/n with ten decimals, as kube-proxy writes it (fmt "%0.10f"). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}
