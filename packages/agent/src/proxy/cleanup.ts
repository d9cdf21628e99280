// Removes everything the node's service proxy put in iptables: its chains in the nat
// and filter tables and every jump to them. For `bosun-agent --cleanup`; a plain
// agent stop leaves the rules in place, so that service traffic goes on while the
// agent restarts.
import type { HostNetwork } from "../network/host.js";
import { ownedChains, ownedChainsCleanupInput } from "../network/iptables.js";
import { isProxyChain, proxyChainNames } from "./names.js";

/** The iptables-restore --noflush input that removes the node's proxy chains; undefined when there are none. */
export function proxyCleanupInput(nodeName: string, saved: string): string | undefined {
  const names = proxyChainNames(nodeName);
  return ownedChainsCleanupInput(saved, (chain) => isProxyChain(names, chain));
}

/** Removes the node's proxy chains and the jumps to them; answers the chains removed, by table. */
export async function removeServiceProxy(nodeName: string, host: HostNetwork): Promise<string[]> {
  const saved = await host.iptablesSave();
  const input = proxyCleanupInput(nodeName, saved);
  if (!input) return [];
  await host.iptablesRestore(input);
  const names = proxyChainNames(nodeName);
  return ownedChains(saved, (chain) => isProxyChain(names, chain));
}
