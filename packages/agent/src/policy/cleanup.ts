// Removes everything the node's network policy put in iptables: its filter chains
// and every jump to them. For `bosun-agent --cleanup`; a plain agent stop leaves the
// rules in place, so that pods stay as isolated as they were while it restarts.
import type { HostNetwork } from "../network/host.js";
import { ownedChains, ownedChainsCleanupInput } from "../network/iptables.js";
import { isPolicyChain, policyChainNames } from "./names.js";

/** The iptables-restore --noflush input that removes the node's policy chains; undefined when there are none. */
export function policyCleanupInput(nodeName: string, saved: string): string | undefined {
  const names = policyChainNames(nodeName);
  return ownedChainsCleanupInput(saved, (chain) => isPolicyChain(names, chain));
}

/** Removes the node's policy chains and the jumps to them; answers the chains removed, as "table/chain". */
export async function removeNetworkPolicy(nodeName: string, host: HostNetwork): Promise<string[]> {
  const saved = await host.iptablesSave();
  const input = policyCleanupInput(nodeName, saved);
  if (!input) return [];
  await host.iptablesRestore(input);
  const names = policyChainNames(nodeName);
  return ownedChains(saved, (chain) => isPolicyChain(names, chain));
}
