// Kubernetes' NetworkPolicy semantics (networking.k8s.io/v1), worked out for the
// pods of one node, without iptables: which of them each direction isolates, and
// what each isolated pod is then allowed, as a list of (peers, port) matches.
//
// - A pod is isolated for ingress (egress) when some policy of its namespace selects
//   it and has Ingress (Egress) among its policyTypes; it is then allowed only what
//   some such policy's rules allow (the union). A pod no policy selects for a
//   direction is not touched in that direction.
// - A rule with no peers matches every peer, with no ports every port. A peer is an
//   ipBlock (cidr minus except), or pods: podSelector alone selects in the policy's
//   namespace, namespaceSelector alone every pod of the namespaces it selects, both
//   together the pods of those namespaces that the podSelector selects.
// - A port is a protocol (TCP when unset) with a number, a range (endPort), a name,
//   or nothing (every port of the protocol). A name resolves against the destination
//   pod's named container ports: the local pod's for ingress, each peer pod's for
//   egress (so an egress named port only ever reaches pods).
//
// Peers are pods with an address in the cluster CIDR (a hostNetwork pod's address
// is its node's, which Kubernetes' implementations do not treat as the pod's).
import {
  cidrContains,
  defaultServiceNetworking,
  formatCidr,
  labelSelectorFromMatch,
  matchesLabels,
  parseCidrSloppy,
  parseIp,
  type Cidr,
  type LabelSelector,
  type LabelSelectorSpec,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Protocol,
  namespaceNameLabel,
} from "@bosun/api";
import { cidrHoldsIP, ipv4Cidr } from "../network/cidr.js";
import type { PolicyInput, PolicyNamespace, PolicyPod } from "./inputs.js";
import type { Direction } from "./names.js";

/** An ipBlock: a range, less the ranges in `except`. */
export interface Block {
  cidr: string;
  except: string[];
}

/** Addresses a rule allows: pod addresses and blocks. */
export interface PeerSet {
  ips: string[];
  blocks: Block[];
}

export interface PortMatch {
  protocol: Protocol;
  /** Undefined: every port of the protocol. */
  port?: number;
  /** The end of the range port..endPort, when it is one. */
  endPort?: number;
}

/** Traffic one rule allows: from (to) `peers`, or anyone when undefined, on `port`, or any when undefined. */
export interface AllowMatch {
  peers?: PeerSet;
  port?: PortMatch;
  /** "namespace/name" of the policy it comes from. */
  policy: string;
}

/** A local pod and what it is allowed in each direction; a direction it is not isolated in is undefined. */
export interface PodPolicy {
  pod: PolicyPod;
  ingress?: AllowMatch[];
  egress?: AllowMatch[];
}

export interface PolicySelection {
  /** The local pods some policy isolates, sorted by namespace and name. */
  pods: PodPolicy[];
  /** What could not be used (an invalid selector or CIDR); the API refuses these, so they are rare. */
  problems: string[];
}

/** A port as written: a name is resolved per pod. */
type RulePort = PortMatch | { protocol: Protocol; name: string };

interface CompiledRule {
  /** Undefined: every peer. */
  peers: PeerSet | undefined;
  /** [undefined]: every port. */
  ports: (RulePort | undefined)[];
}

interface CompiledPolicy {
  key: string;
  namespace: string;
  selects: (pod: PolicyPod) => boolean;
  ingress: CompiledRule[] | undefined;
  egress: CompiledRule[] | undefined;
}

/** What every local pod is allowed, by the policies of the input. */
export function selectPolicies(input: PolicyInput): PolicySelection {
  const problems: string[] = [];
  const podCidr = ipv4Cidr(input.podCidr);
  const clusterCidr = ipv4Cidr(input.clusterCidr);
  if (!podCidr || !clusterCidr) throw new Error(`the pod network is not IPv4 CIDRs (cluster ${input.clusterCidr}, node ${input.podCidr}); network policy cannot be enforced (check the master's --cluster-cidr)`);

  const local = uniqueByIp(input.localPods.filter((p) => cidrHoldsIP(podCidr, p.ip)));
  const localKeys = new Set(local.map(podKey));
  // The agent's own view of its pods may be ahead of the API's.
  const peers = uniqueByIp([...local, ...input.pods.filter((p) => !localKeys.has(podKey(p)) && cidrHoldsIP(clusterCidr, p.ip))]);
  const namespaces = namespaceLabels(input.namespaces);
  const ctx: CompileContext = { peers, namespaces, problems };

  const policies = [...input.policies].sort((a, b) => byText(objectName(a), objectName(b))).map((p) => compilePolicy(ctx, p));
  const pods: PodPolicy[] = [];
  for (const pod of [...local].sort((a, b) => byText(podKey(a), podKey(b)))) {
    const applying = policies.filter((p) => p.namespace === pod.namespace && p.selects(pod));
    const entry: PodPolicy = { pod };
    for (const direction of ["ingress", "egress"] as const) {
      const isolating = applying.filter((p) => p[direction] !== undefined);
      if (isolating.length === 0) continue;
      entry[direction] = isolating.flatMap((p) => (p[direction] ?? []).flatMap((rule) => ruleMatches(ctx, direction, rule, pod, p.key)));
    }
    if (entry.ingress || entry.egress) pods.push(entry);
  }
  return { pods, problems };
}

interface CompileContext {
  peers: PolicyPod[];
  /** Labels by namespace name. */
  namespaces: Map<string, Readonly<Record<string, string>>>;
  problems: string[];
}

function compilePolicy(ctx: CompileContext, original: NetworkPolicy): CompiledPolicy {
  // Policies from the API are defaulted already; the API's own defaulting makes
  // hand-made ones (policyTypes left out) mean what they would mean there.
  const policy = structuredClone(original);
  defaultServiceNetworking("NetworkPolicy", policy);
  const key = objectName(policy);
  const namespace = policy.metadata.namespace ?? "default";
  const spec = policy.spec ?? {};
  const types = spec.policyTypes ?? [];
  const podSelector = selector(ctx, spec.podSelector, `${key} spec.podSelector`);
  return {
    key,
    namespace,
    selects: (pod) => podSelector !== undefined && matchesLabels(podSelector, pod.labels),
    ingress: types.includes("Ingress") ? (spec.ingress ?? []).map((r, i) => compileRule(ctx, namespace, r.from, r.ports, `${key} spec.ingress[${i}].from`)) : undefined,
    egress: types.includes("Egress") ? (spec.egress ?? []).map((r, i) => compileRule(ctx, namespace, r.to, r.ports, `${key} spec.egress[${i}].to`)) : undefined,
  };
}

function compileRule(ctx: CompileContext, namespace: string, peers: NetworkPolicyPeer[] | undefined, ports: NetworkPolicyPort[] | undefined, where: string): CompiledRule {
  const compiledPorts = ports && ports.length > 0 ? ports.map(rulePort) : [undefined];
  if (!peers || peers.length === 0) return { peers: undefined, ports: compiledPorts };
  const ips = new Set<string>();
  const blocks: Block[] = [];
  peers.forEach((peer, i) => {
    const at = `${where}[${i}]`;
    if (peer.ipBlock) {
      const block = ipv4Block(ctx, peer.ipBlock.cidr, peer.ipBlock.except ?? [], `${at}.ipBlock`);
      if (block) blocks.push(block);
      return;
    }
    if (!peer.podSelector && !peer.namespaceSelector) {
      ctx.problems.push(`${at} names no pods, namespaces or ipBlock; it allows nothing`);
      return;
    }
    for (const ip of selectedPeerIps(ctx, namespace, peer, at)) ips.add(ip);
  });
  return { peers: { ips: [...ips].sort(byAddress), blocks: uniqueBlocks(blocks) }, ports: compiledPorts };
}

function selectedPeerIps(ctx: CompileContext, namespace: string, peer: NetworkPolicyPeer, where: string): string[] {
  const podSelector = peer.podSelector ? selector(ctx, peer.podSelector, `${where}.podSelector`) : undefined;
  const nsSelector = peer.namespaceSelector ? selector(ctx, peer.namespaceSelector, `${where}.namespaceSelector`) : undefined;
  if ((peer.podSelector && !podSelector) || (peer.namespaceSelector && !nsSelector)) return [];
  const inNamespace = (ns: string) => (nsSelector ? matchesLabels(nsSelector, ctx.namespaces.get(ns) ?? { [namespaceNameLabel]: ns }) : ns === namespace);
  return ctx.peers.filter((p) => inNamespace(p.namespace) && (!podSelector || matchesLabels(podSelector, p.labels))).map((p) => p.ip);
}

function rulePort(port: NetworkPolicyPort): RulePort {
  const protocol = port.protocol ?? "TCP";
  if (port.port === undefined) return { protocol };
  if (typeof port.port === "string") return { protocol, name: port.port };
  return port.endPort !== undefined && port.endPort > port.port ? { protocol, port: port.port, endPort: port.endPort } : { protocol, port: port.port };
}

/** The matches of one rule for one local pod. */
function ruleMatches(ctx: CompileContext, direction: Direction, rule: CompiledRule, pod: PolicyPod, policy: string): AllowMatch[] {
  const { peers } = rule;
  // Peers that select nothing allow nothing (unlike no peers at all).
  if (peers && peers.ips.length === 0 && peers.blocks.length === 0) return [];
  const out: AllowMatch[] = [];
  for (const port of rule.ports) {
    if (port === undefined) out.push({ ...(peers ? { peers } : {}), policy });
    else if (!("name" in port)) out.push({ ...(peers ? { peers } : {}), port, policy });
    else if (direction === "ingress") {
      const number = namedPort(pod, port.name, port.protocol);
      if (number !== undefined) out.push({ ...(peers ? { peers } : {}), port: { protocol: port.protocol, port: number }, policy });
    } else {
      // Egress: each destination pod with the named port, by the number it resolves to there.
      const byNumber = new Map<number, string[]>();
      const ips = new Set(peers?.ips);
      for (const peer of ctx.peers) {
        if (peers && !ips.has(peer.ip) && !blocksHold(peers.blocks, peer.ip)) continue;
        const number = namedPort(peer, port.name, port.protocol);
        if (number !== undefined) byNumber.set(number, [...(byNumber.get(number) ?? []), peer.ip]);
      }
      for (const [number, holders] of [...byNumber].sort((a, b) => a[0] - b[0])) {
        out.push({ peers: { ips: holders.sort(byAddress), blocks: [] }, port: { protocol: port.protocol, port: number }, policy });
      }
    }
  }
  return out;
}

function namedPort(pod: PolicyPod, name: string, protocol: Protocol): number | undefined {
  return pod.ports.find((p) => p.name === name && p.protocol === protocol)?.port;
}

function blocksHold(blocks: readonly Block[], ip: string): boolean {
  return blocks.some((b) => holds(b.cidr, ip) && !b.except.some((e) => holds(e, ip)));
}

function holds(cidr: string, ip: string): boolean {
  const c = ipv4Cidr(cidr);
  return c !== undefined && cidrHoldsIP(c, ip);
}

/** The selector, or undefined (and a problem) when it is invalid, so that it selects nothing. */
function selector(ctx: CompileContext, spec: LabelSelectorSpec | undefined, where: string): LabelSelector | undefined {
  try {
    return labelSelectorFromMatch(spec?.matchLabels, spec?.matchExpressions);
  } catch (err) {
    ctx.problems.push(`${where} is not a valid label selector (${(err as Error).message}); it selects nothing`);
    return undefined;
  }
}

/**
 * An ipBlock in canonical form, as Go's ParseCIDR reads it (host bits dropped).
 * IPv6 ranges cannot match the IPv4 pod network's traffic and are left out, and so
 * are exceptions outside the block.
 */
function ipv4Block(ctx: CompileContext, cidr: string, except: readonly string[], where: string): Block | undefined {
  const range = parseCidrSloppy(cidr);
  if (!range) {
    ctx.problems.push(`${where}.cidr "${cidr}" is not a CIDR; the block allows nothing`);
    return undefined;
  }
  if (range.family !== 4) return undefined;
  const holes: Cidr[] = [];
  for (const e of except) {
    const hole = parseCidrSloppy(e);
    if (!hole) {
      // Allowing the whole block would allow what the policy's author excluded.
      ctx.problems.push(`${where}.except "${e}" is not a CIDR; the block allows nothing`);
      return undefined;
    }
    if (cidrContains(range, hole)) holes.push(hole);
  }
  return { cidr: formatCidr(range), except: [...new Set(holes.map(formatCidr))].sort(byAddress) };
}

function uniqueBlocks(blocks: Block[]): Block[] {
  const seen = new Map(blocks.map((b) => [`${b.cidr} except ${b.except.join(",")}`, b]));
  return [...seen.keys()].sort(byAddress).map((k) => seen.get(k) as Block);
}

function namespaceLabels(namespaces: readonly PolicyNamespace[]): Map<string, Readonly<Record<string, string>>> {
  // Kubernetes' apiserver sets the name label on every namespace; policies rely on it.
  return new Map(namespaces.map((n) => [n.name, { ...n.labels, [namespaceNameLabel]: n.name }]));
}

function uniqueByIp(pods: PolicyPod[]): PolicyPod[] {
  const seen = new Map<string, PolicyPod>();
  for (const p of pods) if (!seen.has(p.ip)) seen.set(p.ip, p);
  return [...seen.values()];
}

export function podKey(pod: Pick<PolicyPod, "namespace" | "name">): string {
  return `${pod.namespace}/${pod.name}`;
}

function objectName(policy: NetworkPolicy): string {
  return `${policy.metadata.namespace ?? "default"}/${policy.metadata.name ?? ""}`;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Addresses (and "address/len ...") in numeric order, so that rules read in order. */
function byAddress(a: string, b: string): number {
  const va = parseIp(a.split(/[/ ]/)[0] ?? "")?.value ?? 0n;
  const vb = parseIp(b.split(/[/ ]/)[0] ?? "")?.value ?? 0n;
  return va < vb ? -1 : va > vb ? 1 : byText(a, b);
}
