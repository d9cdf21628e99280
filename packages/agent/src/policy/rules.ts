// The node's network policy rules, in the manner of kube-router's iptables policy
// controller: the whole `iptables-restore --noflush` input for the policy's own
// filter chains, from what selection.ts works out and the host's rules as
// iptables-save printed them. Pure, so every case is tested without iptables.
//
// DOCKER-USER (or FORWARD) -> FORWARD: replies of allowed connections pass; then,
//     for each local pod isolated for egress, its source address -> E-<pod>; for
//     each isolated for ingress, its destination address -> I-<pod>
// INPUT -> INPUT: replies pass; a local pod's traffic to the host -> E-<pod>, so
//     that an egress policy also covers the node's DNS on the bridge's gateway
// I-<pod>, E-<pod>: the pod itself; then each allowed (peers, port): RETURN, or a
//     jump to a peer chain that marks the packet; marked -> RETURN; else REJECT
// S-<peers>: marks the packet when it comes from (goes to) a peer; shared by every
//     pod and rule with the same peers; B-<block>: one ipBlock with its exceptions
//
// Allowed traffic RETURNs, so the rules after the jump (the pod network's, Docker's)
// decide as before: policy only ever takes traffic away. Traffic from the node to
// its pods (kubelet probes) never passes FORWARD or INPUT, so it is always allowed.
// Each chain matches only this node's pod addresses, so agents sharing one host
// never act on each other's pods; their jumps all come before every other rule of
// the parent chain (the pod network's ACCEPT for the cluster CIDR above all).
import { forwardParentChain, jumpLines, parseIptablesSave, type SavedTable } from "../network/iptables.js";
import { ALLOW_MARK, blockChainName, isPolicyChain, peerChainName, podChainName, POLICY_CHAIN_START, policyChainNames, type Direction, type PolicyChainNames } from "./names.js";
import type { PolicyInput } from "./inputs.js";
import { podKey, selectPolicies, type AllowMatch, type Block, type PeerSet, type PortMatch } from "./selection.js";

export interface PolicyRulesPlan {
  /** The iptables-restore --noflush input. */
  restore: string;
  /** How many local pods are isolated in each direction. */
  isolated: { ingress: number; egress: number };
  /** Chains of this node's policy that the input deletes. */
  staleChains: string[];
  /** Parts of policies that could not be used (see selection.ts). */
  problems: string[];
}

/** iptables keeps comments of at most 255 characters and refuses longer ones; names of pods and policies can be longer. */
const MAX_COMMENT = 255;
const comment = (text: string) => `-m comment --comment "${text.slice(0, MAX_COMMENT)}"`;
const setMark = `-j MARK --set-xmark ${ALLOW_MARK}/${ALLOW_MARK}`;

/** The filter table's chains and their rules, in the order declared, so that the input reads chain by chain. */
class FilterLines {
  private readonly chains = new Map<string, string[]>();

  /** Declares the chain; false when it was declared already (its rules are written). */
  declare(chain: string): boolean {
    if (this.chains.has(chain)) return false;
    this.chains.set(chain, []);
    return true;
  }

  declared(chain: string): boolean {
    return this.chains.has(chain);
  }

  add(chain: string, ...parts: (string | undefined | false)[]): void {
    const rules = this.chains.get(chain);
    if (!rules) throw new Error(`chain ${chain} is written before it is declared`);
    rules.push([`-A ${chain}`, ...parts].filter((p): p is string => typeof p === "string" && p !== "").join(" "));
  }

  /** The declarations, then every chain's rules. */
  lines(): string[] {
    return [...[...this.chains.keys()].map((c) => `:${c} - [0:0]`), ...[...this.chains.values()].flat()];
  }
}

export function planPolicyRules(input: PolicyInput, saved: string): PolicyRulesPlan {
  const names = policyChainNames(input.nodeName);
  const selection = selectPolicies(input);
  const lines = new FilterLines();
  lines.declare(names.forward);
  lines.declare(names.input);
  const replies = ["-m conntrack --ctstate RELATED,ESTABLISHED", comment("replies of allowed connections"), "-j RETURN"];
  lines.add(names.forward, ...replies);
  lines.add(names.input, ...replies);

  const isolated = { ingress: 0, egress: 0 };
  // Egress first: a connection between two local pods must pass the source's egress and the destination's ingress.
  for (const direction of ["egress", "ingress"] as const) {
    for (const entry of selection.pods) {
      const matches = entry[direction];
      if (!matches) continue;
      isolated[direction]++;
      const { pod } = entry;
      const chain = podChainName(names, direction, pod.namespace, pod.name);
      const address = `${direction === "egress" ? "-s" : "-d"} ${pod.ip}/32`;
      const which = comment(`${podKey(pod)} ${direction}`);
      lines.add(names.forward, address, which, `-j ${chain}`);
      if (direction === "egress") lines.add(names.input, address, which, `-j ${chain}`);
      writePodChain(lines, names, direction, chain, pod.ip, podKey(pod), matches);
    }
  }

  const tables = parseIptablesSave(saved);
  const filter = tables.get("filter");
  const stale = [...(filter?.chains ?? [])].filter((c) => isPolicyChain(names, c) && !lines.declared(c)).sort();
  // Declaring a stale chain flushes it, so that it refers to nothing when it is deleted.
  for (const chain of stale) lines.declare(chain);
  const jumps = [...firstJumpLines(filter, forwardParentChain(filter), names.forward, names.comment), ...firstJumpLines(filter, "INPUT", names.input, names.comment)];
  const restore = ["*filter", ...lines.lines(), ...stale.map((c) => `-X ${c}`), ...jumps, "COMMIT", ""].join("\n");
  return { restore, isolated, staleChains: stale, problems: selection.problems };
}

/** One local pod's chain for one direction. */
function writePodChain(lines: FilterLines, names: PolicyChainNames, direction: Direction, chain: string, ip: string, pod: string, matches: AllowMatch[]): void {
  lines.declare(chain);
  const peerFlag = direction === "ingress" ? "-s" : "-d";
  const body: string[][] = [];
  let marks = false;
  for (const m of matches) {
    const port = m.port ? portMatch(m.port) : undefined;
    const from = comment(`policy ${m.policy}`);
    const single = m.peers && singleRange(m.peers);
    if (!m.peers) body.push([port ?? "", from, "-j RETURN"]);
    else if (single) body.push([`${peerFlag} ${single}`, port ?? "", from, "-j RETURN"]);
    else {
      marks = true;
      body.push([port ?? "", from, `-j ${writePeerChain(lines, names, direction, m.peers)}`]);
    }
  }
  // The mark is a bit every agent of the host shares: it starts clear for each pod chain.
  if (marks) lines.add(chain, `-j MARK --set-xmark 0x0/${ALLOW_MARK}`);
  lines.add(chain, `${peerFlag} ${ip}/32`, comment("a pod may always reach itself"), "-j RETURN");
  for (const parts of body) lines.add(chain, ...parts);
  if (marks) lines.add(chain, `-m mark --mark ${ALLOW_MARK}/${ALLOW_MARK}`, "-j RETURN");
  lines.add(chain, comment(`${pod}: no network policy allows this ${direction}`), "-j REJECT");
}

/** The peer set's chain, written once however many pods and rules use it. */
function writePeerChain(lines: FilterLines, names: PolicyChainNames, direction: Direction, peers: PeerSet): string {
  const flag = direction === "ingress" ? "-s" : "-d";
  const chain = peerChainName(names, `${direction} ${peers.ips.join(",")} ${peers.blocks.map(blockKey).join(",")}`);
  if (!lines.declare(chain)) return chain;
  for (const ip of peers.ips) lines.add(chain, `${flag} ${ip}/32`, setMark);
  for (const block of peers.blocks) {
    if (block.except.length === 0) {
      lines.add(chain, `${flag} ${block.cidr}`, setMark);
      continue;
    }
    // Its own chain, so that an exception returns from this block only, not from the other peers.
    const sub = blockChainName(names, `${direction} ${blockKey(block)}`);
    lines.add(chain, `-j ${sub}`);
    if (!lines.declare(sub)) continue;
    for (const hole of block.except) lines.add(sub, `${flag} ${hole}`, "-j RETURN");
    lines.add(sub, `${flag} ${block.cidr}`, setMark);
  }
  return chain;
}

/** The one address or range a peer set is, when it is one without exceptions: written inline. */
function singleRange(peers: PeerSet): string | undefined {
  const [ip] = peers.ips;
  const [block] = peers.blocks;
  if (peers.ips.length === 1 && peers.blocks.length === 0 && ip) return `${ip}/32`;
  if (peers.ips.length === 0 && peers.blocks.length === 1 && block && block.except.length === 0) return block.cidr;
  return undefined;
}

function blockKey(block: Block): string {
  return block.except.length > 0 ? `${block.cidr}!${block.except.join("!")}` : block.cidr;
}

/** "-p tcp -m tcp --dport 80", "--dport 8000:8080" for a range, "-p udp" for every port. */
export function portMatch(port: PortMatch): string {
  const proto = port.protocol.toLowerCase();
  if (port.port === undefined) return `-p ${proto}`;
  const range = port.endPort !== undefined ? `${port.port}:${port.endPort}` : String(port.port);
  return `-p ${proto} -m ${proto} --dport ${range}`;
}

/**
 * jumpLines, and then, if the one jump kept has anything but policy jumps (of any
 * node) before it, that jump moved to the top: the pod network's chain, jumped to
 * from the same parent, ACCEPTs all cluster traffic, and whoever inserts last comes
 * first. Policy jumps may share the top, as each matches only its own node's pods.
 */
export function firstJumpLines(table: SavedTable | undefined, parent: string, chain: string, comment: string): string[] {
  const lines = jumpLines(table, parent, chain, comment);
  if (lines.some((l) => l.startsWith("-I "))) return lines;
  const rules = (table?.rules ?? []).filter((r) => r.startsWith(`-A ${parent} `));
  const at = rules.findIndex((r) => r.endsWith(` -j ${chain}`));
  const kept = rules[at];
  if (!kept || rules.slice(0, at).every(isPolicyJump)) return lines;
  return [...lines, `-D ${kept.slice(3)}`, ...jumpLines(undefined, parent, chain, comment)];
}

function isPolicyJump(rule: string): boolean {
  return new RegExp(` -j ${POLICY_CHAIN_START}\\S+$`).test(rule);
}
