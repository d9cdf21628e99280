// Removes what the agent made for a node's pod network: its Docker bridge networks,
// its iptables chains and the jumps to them, its VXLAN device, and the routes it
// added under the cluster CIDR. For `bosun-agent --cleanup`, which `bosun down` and
// the e2e harness run once the node's containers are gone; a network that still has
// containers is left, with an error that says so.
import type { ContainerRuntime } from "../runtime/runtime.js";
import { nodeNetworks, sandboxesOn } from "./bridge.js";
import { cidrContains } from "@bosun/api";
import { ipv4Cidr } from "./cidr.js";
import type { HostNetwork } from "./host.js";
import { iptablesCleanupInput } from "./iptables.js";
import { LABEL_CLUSTER_CIDR, nodeNetworkNames, ROUTE_PROTOCOL } from "./names.js";
import { parseLinks, parseRoutes } from "./snapshot.js";

export interface NetworkCleanupResult {
  networks: string[];
  chains: boolean;
  routes: string[];
  vxlanDevice: boolean;
  /** What could not be removed, and why. */
  problems: string[];
}

export async function removeNodeNetwork(nodeName: string, runtime: ContainerRuntime, host: HostNetwork): Promise<NetworkCleanupResult> {
  const names = nodeNetworkNames(nodeName);
  const result: NetworkCleanupResult = { networks: [], chains: false, routes: [], vxlanDevice: false, problems: [] };
  const networks = await nodeNetworks(runtime, nodeName);
  // The routes are recognised by the cluster CIDR the networks were made for.
  const clusters = networks.map((n) => ipv4Cidr(n.labels[LABEL_CLUSTER_CIDR] ?? "")).filter((c) => c !== undefined);
  for (const n of networks) {
    const users = await sandboxesOn(runtime, nodeName, n.subnet);
    if (users > 0) {
      result.problems.push(`network ${n.name} still has ${users} pod sandbox(es); remove the node's containers first`);
      continue;
    }
    await runtime.removeNetwork(n.id);
    result.networks.push(n.name);
  }
  const restore = iptablesCleanupInput(names, await host.iptablesSave());
  if (restore) {
    await host.iptablesRestore(restore);
    result.chains = true;
  }
  const [links, routes] = await host.ipRead(["address show", "route show table main"]);
  const commands: string[] = [];
  if (parseLinks(links).some((l) => l.name === names.vxlanDevice)) {
    commands.push(`link del ${names.vxlanDevice}`);
    result.vxlanDevice = true;
  }
  for (const r of parseRoutes(routes)) {
    const dst = ipv4Cidr(r.dst);
    if (r.protocol !== ROUTE_PROTOCOL || !dst || r.dev === names.vxlanDevice) continue;
    if (!clusters.some((c) => cidrContains(c, dst))) continue;
    commands.push(`route del ${r.dst} proto ${ROUTE_PROTOCOL}`);
    result.routes.push(r.dst);
  }
  await host.ipWrite(commands);
  return result;
}
