// The network hook (Nomad's network_hook.go): a pod's sandbox joins the node's pod
// network, and is not made until that network exists, as the kubelet holds pods
// back with NetworkNotReady until its network plugin is ready.
import type { Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import type { NetworkReadiness } from "../../network/manager.js";
import type { HookWait, PodHook } from "./hook.js";

/** What the hook needs of the network manager. */
export interface PodNetworkSource {
  readiness(): NetworkReadiness;
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

  sandboxSpec(_pod: Pod, spec: ContainerCreateSpec): void {
    const r = this.network.readiness();
    // prepare() answered ready just before; should the network have gone meanwhile,
    // this sync fails (never a sandbox on another network) and the next one waits.
    if (!r.ready) throw new Error(`network is not ready: ${r.message}`);
    spec.networkMode = r.networkName;
  }
}
