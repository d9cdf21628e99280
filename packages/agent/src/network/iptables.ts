// The node's iptables rules, after kube-proxy and kindnet: chains of the node's own,
// written whole with one `iptables-restore --noflush` (declaring a chain flushes it,
// so a rule removed or changed by hand comes back), plus one jump to each from the
// built-in chain, added only when missing. Pure functions over iptables-save's text,
// so they are tested without iptables.
import type { NodeNetworkNames } from "./names.js";

/** The rules of one table as iptables-save printed them. */
export interface SavedTable {
  chains: Set<string>;
  /** The -A lines, verbatim. */
  rules: string[];
}

/** iptables-save's output by table name. */
export function parseIptablesSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let current: SavedTable | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) {
      current = { chains: new Set(), rules: [] };
      tables.set(line.slice(1), current);
    } else if (!current || line === "COMMIT" || line.startsWith("#")) {
      continue;
    } else if (line.startsWith(":")) {
      current.chains.add(line.slice(1).split(" ")[0] ?? "");
    } else if (line.startsWith("-A ")) {
      current.rules.push(line);
    }
  }
  return tables;
}

/** The rules of `table` that jump to `chain`, whatever chain they are in. */
export function jumpsTo(table: SavedTable | undefined, chain: string): { parent: string; line: string }[] {
  return (table?.rules ?? [])
    .filter((r) => r.endsWith(` -j ${chain}`))
    .map((line) => ({ parent: line.split(" ")[1] ?? "", line }));
}

/** Lines that delete every rule of `table` that jumps to `chain`. */
export function unjumpLines(table: SavedTable | undefined, chain: string): string[] {
  return jumpsTo(table, chain).map((j) => `-D ${j.line.slice(3)}`);
}

/**
 * Lines that make each of `parents` (built-in chains) jump to `chain` exactly once,
 * first, and no other chain jump to it. `match` goes before the comment, e.g.
 * "-m conntrack --ctstate NEW", in the order iptables-save prints it.
 */
export function jumpLines(table: SavedTable | undefined, parents: string | readonly string[], chain: string, comment: string, match = ""): string[] {
  const wanted = typeof parents === "string" ? [parents] : parents;
  const lines: string[] = [];
  const kept = new Set<string>();
  for (const j of jumpsTo(table, chain)) {
    if (wanted.includes(j.parent) && !kept.has(j.parent)) {
      kept.add(j.parent);
      continue;
    }
    lines.push(`-D ${j.line.slice(3)}`);
  }
  for (const parent of wanted) {
    if (!kept.has(parent)) lines.push(`-I ${parent} 1 ${match ? `${match} ` : ""}-m comment --comment "${comment}" -j ${chain}`);
  }
  return lines;
}

/**
 * The built-in chain that sees forwarded pod traffic before Docker's rules: Docker
 * evaluates DOCKER-USER before its own FORWARD rules (which drop traffic between
 * bridge networks and towards containers), and moves its jump to the top of FORWARD
 * whenever a network is made; without Docker's chains, FORWARD itself.
 */
export function forwardParentChain(filter: SavedTable | undefined): string {
  return filter?.chains.has("DOCKER-USER") ? "DOCKER-USER" : "FORWARD";
}

/**
 * The iptables-restore --noflush input that removes, in every table, the chains
 * `owned` claims and every jump to them from other chains; undefined when there are
 * none. Declaring a chain flushes it, so that no owned chain still refers to another
 * when it is deleted.
 */
export function ownedChainsCleanupInput(saved: string, owned: (chain: string) => boolean): string | undefined {
  const out: string[] = [];
  for (const [tableName, table] of parseIptablesSave(saved)) {
    const chains = [...table.chains].filter(owned).sort();
    if (chains.length === 0) continue;
    const jumps = chains.flatMap((c) => unjumpLines(table, c)).filter((line) => !owned(line.split(" ")[1] ?? ""));
    out.push(`*${tableName}`, ...chains.map((c) => `:${c} - [0:0]`), ...jumps, ...chains.map((c) => `-X ${c}`), "COMMIT");
  }
  return out.length > 0 ? [...out, ""].join("\n") : undefined;
}

/** The owned chains of every table, as "table/chain". */
export function ownedChains(saved: string, owned: (chain: string) => boolean): string[] {
  return [...parseIptablesSave(saved)].flatMap(([table, t]) => [...t.chains].filter(owned).map((c) => `${table}/${c}`));
}

export interface PodNetworkRules {
  names: NodeNetworkNames;
  podCidr: string;
  clusterCidr: string;
  /** The rules of the host-port chain (network/host-ports.ts). */
  hostPortRules?: readonly string[];
}

/** The iptables-restore --noflush input that brings the node's rules to what they should be. */
export function iptablesRestoreInput(want: PodNetworkRules, saved: string): string {
  const { names, podCidr, clusterCidr } = want;
  const tables = parseIptablesSave(saved);
  const nat = tables.get("nat");
  const filter = tables.get("filter");
  const forwardParent = forwardParentChain(filter);
  return [
    "*nat",
    `:${names.natChain} - [0:0]`,
    // Docker's masquerade is off on the pod bridge: pods keep their IP inside the
    // cluster and leave it through their host's address.
    `-A ${names.natChain} -s ${podCidr} ! -d ${clusterCidr} -j MASQUERADE`,
    ...jumpLines(nat, "POSTROUTING", names.natChain, names.comment),
    `:${names.hostPortChain} - [0:0]`,
    ...(want.hostPortRules ?? []),
    ...jumpLines(nat, ["PREROUTING", "OUTPUT"], names.hostPortChain, names.comment, "-m addrtype --dst-type LOCAL"),
    "COMMIT",
    "*filter",
    `:${names.forwardChain} - [0:0]`,
    `-A ${names.forwardChain} -s ${clusterCidr} -j ACCEPT`,
    `-A ${names.forwardChain} -d ${clusterCidr} -j ACCEPT`,
    ...jumpLines(filter, forwardParent, names.forwardChain, names.comment),
    "COMMIT",
    "",
  ].join("\n");
}

/** The input that removes the node's chains and the jumps to them; undefined when there is nothing to remove. */
export function iptablesCleanupInput(names: NodeNetworkNames, saved: string): string | undefined {
  const tables = parseIptablesSave(saved);
  const out: string[] = [];
  for (const [tableName, chain] of [
    ["nat", names.natChain],
    ["nat", names.hostPortChain],
    ["filter", names.forwardChain],
  ] as const) {
    const table = tables.get(tableName);
    const lines = unjumpLines(table, chain);
    if (table?.chains.has(chain)) lines.push(`-F ${chain}`, `-X ${chain}`);
    if (lines.length > 0) out.push(`*${tableName}`, ...lines, "COMMIT");
  }
  return out.length > 0 ? [...out, ""].join("\n") : undefined;
}
