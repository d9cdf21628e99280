// The node's iptables rules, after kube-proxy and kindnet: chains of the node's own,
// written whole with one `iptables-restore --noflush` (declaring a chain flushes it,
// so a rule removed or changed by hand comes back), plus one jump to each from the
// built-in chain, added only when missing. Pure functions over iptables-save's text,
// so they are tested without iptables.
import type { NodeNetworkNames } from "./names.js";

/** The rules of one table as iptables-save printed them. */
interface SavedTable {
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
function jumpsTo(table: SavedTable | undefined, chain: string): { parent: string; line: string }[] {
  return (table?.rules ?? [])
    .filter((r) => r.endsWith(` -j ${chain}`))
    .map((line) => ({ parent: line.split(" ")[1] ?? "", line }));
}

/** Lines that make `parent` jump to `chain` exactly once, first, and no other chain jump to it. */
function jumpLines(table: SavedTable | undefined, parent: string, chain: string, comment: string): string[] {
  const lines: string[] = [];
  let kept = false;
  for (const j of jumpsTo(table, chain)) {
    if (j.parent === parent && !kept) {
      kept = true;
      continue;
    }
    lines.push(`-D ${j.line.slice(3)}`);
  }
  if (!kept) lines.push(`-I ${parent} 1 -m comment --comment "${comment}" -j ${chain}`);
  return lines;
}

export interface PodNetworkRules {
  names: NodeNetworkNames;
  podCidr: string;
  clusterCidr: string;
}

/** The iptables-restore --noflush input that brings the node's rules to what they should be. */
export function iptablesRestoreInput(want: PodNetworkRules, saved: string): string {
  const { names, podCidr, clusterCidr } = want;
  const tables = parseIptablesSave(saved);
  const nat = tables.get("nat");
  const filter = tables.get("filter");
  // Docker evaluates DOCKER-USER before its own FORWARD rules (which drop traffic
  // between bridge networks and towards containers); without Docker's chains, FORWARD.
  const forwardParent = filter?.chains.has("DOCKER-USER") ? "DOCKER-USER" : "FORWARD";
  return [
    "*nat",
    `:${names.natChain} - [0:0]`,
    // Docker's masquerade is off on the pod bridge: pods keep their IP inside the
    // cluster and leave it through their host's address.
    `-A ${names.natChain} -s ${podCidr} ! -d ${clusterCidr} -j MASQUERADE`,
    ...jumpLines(nat, "POSTROUTING", names.natChain, names.comment),
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
    ["filter", names.forwardChain],
  ] as const) {
    const table = tables.get(tableName);
    const lines = jumpsTo(table, chain).map((j) => `-D ${j.line.slice(3)}`);
    if (table?.chains.has(chain)) lines.push(`-F ${chain}`, `-X ${chain}`);
    if (lines.length > 0) out.push(`*${tableName}`, ...lines, "COMMIT");
  }
  return out.length > 0 ? [...out, ""].join("\n") : undefined;
}
