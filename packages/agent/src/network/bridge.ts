// The node's pod bridge: a Docker bridge network with the node's pod CIDR, its
// gateway the CIDR's first address, Docker's masquerade off. Labelled with the node
// name and both CIDRs, so that a restarted agent adopts it and cleanup finds it.
import type { ContainerRuntime, PodNetworkInfo } from "../runtime/runtime.js";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_IP } from "../labels.js";
import { cidrHoldsIP, firstHost, ipv4Cidr } from "./cidr.js";
import { LABEL_CLUSTER_CIDR, LABEL_NETWORK_MANAGED, LABEL_NETWORK_NODE, LABEL_POD_CIDR, type NodeNetworkNames } from "./names.js";

export interface BridgeWant {
  nodeName: string;
  names: NodeNetworkNames;
  podCidr: string;
  clusterCidr: string;
  mtu: number;
}

export type BridgeState = { ready: true; network: PodNetworkInfo } | { ready: false; message: string };

export function nodeNetworkLabels(nodeName: string): Record<string, string> {
  return { [LABEL_NETWORK_MANAGED]: "true", [LABEL_NETWORK_NODE]: nodeName };
}

/** The node's pod networks as Docker has them (normally one). */
export function nodeNetworks(runtime: ContainerRuntime, nodeName: string): Promise<PodNetworkInfo[]> {
  return runtime.listNetworks(nodeNetworkLabels(nodeName));
}

/** How many of the node's sandboxes (running or not) have an address in the subnet: the bridge's users. */
export async function sandboxesOn(runtime: ContainerRuntime, nodeName: string, subnet: string): Promise<number> {
  const cidr = ipv4Cidr(subnet);
  if (!cidr) return 0;
  const sandboxes = await runtime.listContainers({ [LABEL_NODE_NAME]: nodeName, [LABEL_CONTAINER_NAME]: INFRA_CONTAINER_NAME });
  return sandboxes.filter((c) => cidrHoldsIP(cidr, c.labels[LABEL_POD_IP] ?? "")).length;
}

/**
 * Makes the node's pod bridge exist with the pod CIDR. A network of the node with
 * another CIDR (the node got a new one) is removed once no container uses it; until
 * then the new one cannot take its name, and new pods wait, so that running pods are
 * never cut off.
 */
export async function ensurePodBridge(runtime: ContainerRuntime, want: BridgeWant): Promise<BridgeState> {
  const cidr = ipv4Cidr(want.podCidr);
  if (!cidr) return { ready: false, message: `the pod CIDR "${want.podCidr}" is not an IPv4 CIDR` };
  const existing = await nodeNetworks(runtime, want.nodeName);
  const match = existing.find((n) => n.name === want.names.dockerNetwork && n.subnet === want.podCidr);
  let blocking: PodNetworkInfo | undefined;
  for (const stale of existing) {
    if (stale === match) continue;
    const users = await sandboxesOn(runtime, want.nodeName, stale.subnet);
    if (users === 0) await runtime.removeNetwork(stale.id);
    else if (stale.name === want.names.dockerNetwork) blocking = stale;
  }
  if (match) return { ready: true, network: match };
  if (blocking) {
    return {
      ready: false,
      message:
        `the node's pod CIDR changed from ${blocking.subnet} to ${want.podCidr} while pods still run on network ${blocking.name}; ` +
        `new pods start once those are gone (delete them to go faster)`,
    };
  }
  const network = await runtime.createNetwork({
    name: want.names.dockerNetwork,
    bridge: want.names.bridgeDevice,
    subnet: want.podCidr,
    gateway: firstHost(cidr),
    mtu: want.mtu,
    labels: { ...nodeNetworkLabels(want.nodeName), [LABEL_POD_CIDR]: want.podCidr, [LABEL_CLUSTER_CIDR]: want.clusterCidr },
  });
  return { ready: true, network };
}
