// The network hook (Nomad's network_hook.go, the kubelet's CNI calls): a pod's sandbox
// gets an address of the node's pod CIDR and is plugged into the node's pod bridge once
// it runs, before any app container starts; it is not made until that network exists,
// as the kubelet holds pods back with NetworkNotReady until its network plugin is ready.
import type { Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import { LABEL_POD_IP } from "../../labels.js";
import type { NetworkReadiness } from "../../network/manager.js";
import type { PodIdentity } from "../identity.js";
import type { HookWait, PodHook } from "./hook.js";

/** What the hook needs of the network manager. */
export interface PodNetworkSource {
  readiness(): NetworkReadiness;
  assignAddress(podUid: string): string;
  plugIn(containerId: string): Promise<void>;
  releaseAddress(podUid: string): void;
}

/** How soon a waiting pod looks again; the network manager also wakes every pod when it becomes ready. */
const RETRY_MS = 5_000;

export class NetworkHook implements PodHook {
  readonly name = "network";

  constructor(private readonly network: PodNetworkSource) {}

  async prepare(_pod: Pod): Promise<HookWait | undefined> {
    const r = this.network.readiness();
    if (r.ready) return undefined;
    return { reason: "NetworkNotReady", message: `network is not ready: ${r.message}`, retryAfterMs: RETRY_MS };
  }

  sandboxSpec(pod: Pod, spec: ContainerCreateSpec): void {
    const r = this.network.readiness();
    // prepare() answered ready just before; should the network have gone meanwhile,
    // this sync fails (never a sandbox on another network) and the next one waits.
    if (!r.ready) throw new Error(`network is not ready: ${r.message}`);
    const ip = this.network.assignAddress(pod.metadata.uid ?? "");
    // The agent plugs the sandbox in itself (sandboxStarted): Docker gives it only a loopback.
    spec.networkMode = "none";
    spec.labels[LABEL_POD_IP] = ip;
    // The kubelet's hosts file names the pod's own address; the app containers share the sandbox's.
    if (spec.hostname) spec.extraHosts = [...(spec.extraHosts ?? []), `${spec.hostname}:${ip}`];
  }

  sandboxStarted(_pod: Pod, containerId: string): Promise<void> {
    return this.network.plugIn(containerId);
  }

  async destroy(pod: PodIdentity): Promise<void> {
    this.network.releaseAddress(pod.uid);
  }
}
