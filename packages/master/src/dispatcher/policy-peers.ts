// PolicyPeers: the cluster's pods as network policies select them, for each agent's
// policy enforcement (a policy on one node names pods on every node). Only what
// selection needs leaves the master: namespace, name, labels, IP, named ports and
// node, never a pod's spec, since a node may not read other nodes' pods.
import { isPodTerminal, type Pod } from "@bosun/api";
import type { PolicyPeersMessage, PolicyPod } from "@bosun/proto";
import type { PodCache } from "./api-port.js";
import type { SnapshotFeed } from "./snapshot-stream.js";

export function policyPod(pod: Pod): PolicyPod | undefined {
  const ip = pod.status?.podIP;
  if (!ip || isPodTerminal(pod)) return undefined;
  const ports = pod.spec.containers.flatMap((c) =>
    (c.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name!, port: p.containerPort, protocol: p.protocol ?? "TCP" })),
  );
  return {
    namespace: pod.metadata.namespace ?? "",
    name: pod.metadata.name ?? "",
    ip,
    labels: { ...(pod.metadata.labels ?? {}) },
    ports,
    nodeName: pod.spec.nodeName ?? "",
  };
}

/** The part of a pod its peers' policies depend on; other changes (statuses, heartbeats) send nothing. */
function peerFacts(pod: Pod): string {
  return JSON.stringify(policyPod(pod) ?? null);
}

export class PolicyPeersFeed implements SnapshotFeed<PolicyPeersMessage> {
  private readonly listeners = new Set<() => void>();
  /** The picture, the same for every node, made once per change. */
  private current: PolicyPeersMessage | undefined;

  constructor(
    private readonly pods: PodCache,
    /** Resolves once the pod cache has listed; streams wait for it. */
    readonly whenSynced: () => Promise<void>,
  ) {
    pods.onAdd(() => this.notify());
    pods.onUpdate((old, pod) => {
      if (peerFacts(old) !== peerFacts(pod)) this.notify();
    });
    pods.onDelete(() => this.notify());
  }

  snapshot(_nodeName: string): PolicyPeersMessage {
    this.current ??= {
      pods: this.pods
        .list()
        .flatMap((p) => policyPod(p) ?? [])
        .sort((a, b) => (a.namespace + "/" + a.name < b.namespace + "/" + b.name ? -1 : 1)),
    };
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    this.current = undefined;
    for (const listener of this.listeners) listener();
  }
}
