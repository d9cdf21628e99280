// Network: what an agent needs to wire the pod network, streamed to it: its own pod
// CIDR (empty until the allocator gives one), the cluster CIDR, and every other
// node's pod CIDR and InternalIP, the routes it keeps. Each message is the whole
// picture and a new one goes out whenever any of it changes, so an agent never
// applies changes in order and a reconnect starts from a message like any other.
import { nodeInternalIp, nodePodCidrs, type Node } from "@bosun/api";
import type { NetworkMessage, NetworkPeer } from "@bosun/proto";
import type { NodeCache } from "./api-port.js";
import type { SnapshotFeed } from "./snapshot-stream.js";

/**
 * The picture node nodeName gets. A peer without a pod CIDR has nothing to route
 * yet, and one without an InternalIP no address to route through: both are left
 * out until they have them.
 */
export function networkFor(nodeName: string, nodes: readonly Node[], clusterCidr: string): NetworkMessage {
  let podCidr = "";
  const peers: NetworkPeer[] = [];
  for (const node of nodes) {
    const name = node.metadata.name ?? "";
    const cidr = nodePodCidrs(node)[0] ?? "";
    if (name === nodeName) {
      podCidr = cidr;
      continue;
    }
    const internalIp = nodeInternalIp(node);
    if (cidr !== "" && internalIp) peers.push({ nodeName: name, podCidr: cidr, internalIp });
  }
  peers.sort((a, b) => (a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : 0));
  return { podCidr, clusterCidr, peers };
}

/** What of a node the pod network depends on; a heartbeat changes none of it. */
function networkFacts(node: Node): string {
  return `${nodePodCidrs(node)[0] ?? ""} ${nodeInternalIp(node) ?? ""}`;
}

/** Tells the open Network streams when any node's part of the picture changed. */
export class NetworkFeed implements SnapshotFeed<NetworkMessage> {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly nodes: NodeCache,
    readonly clusterCidr: string,
    /** Resolves once the node cache has listed; streams wait for it. */
    readonly whenSynced: () => Promise<void>,
  ) {
    nodes.onAdd(() => this.notify());
    nodes.onUpdate((old, node) => {
      if (networkFacts(old) !== networkFacts(node)) this.notify();
    });
    nodes.onDelete(() => this.notify());
  }

  /** The picture for nodeName now. */
  snapshot(nodeName: string): NetworkMessage {
    return networkFor(nodeName, this.nodes.list(), this.clusterCidr);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
