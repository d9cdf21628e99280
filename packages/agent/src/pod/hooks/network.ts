// The network hook (Nomad's network_hook.go, the kubelet's CNI calls): a pod's sandbox
// gets an address of the node's pod CIDR and is plugged into the node's pod bridge once
// it runs, before any app container starts; it is not made until that network exists,
// as the kubelet holds pods back with NetworkNotReady until its network plugin is ready.
// A hostNetwork pod shares the node's network namespace instead: its pod IP is the
// node's, and it needs nothing of the pod network.
import type { Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import { LABEL_HOST_NETWORK, LABEL_HOST_PORTS, LABEL_POD_IP } from "../../labels.js";
import { formatHostPorts, podHostPorts } from "../../network/host-ports.js";
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

  constructor(
    private readonly network: PodNetworkSource,
    /** The node's InternalIP: a hostNetwork pod's IP. */
    private readonly hostIP: () => string,
  ) {}

  async prepare(pod: Pod): Promise<HookWait | undefined> {
    if (pod.spec.hostNetwork) return undefined;
    const r = this.network.readiness();
    if (r.ready) return undefined;
    return { reason: "NetworkNotReady", message: `network is not ready: ${r.message}`, retryAfterMs: RETRY_MS };
  }

  sandboxSpec(pod: Pod, spec: ContainerCreateSpec): void {
    if (pod.spec.hostNetwork) {
      spec.networkMode = "host";
      // The kubelet gives hostNetwork pods the node's hostname.
      delete spec.hostname;
      spec.labels[LABEL_HOST_NETWORK] = "true";
      spec.labels[LABEL_POD_IP] = this.hostIP();
      return;
    }
    const r = this.network.readiness();
    // prepare() answered ready just before; should the network have gone meanwhile,
    // this sync fails (never a sandbox on another network) and the next one waits.
    if (!r.ready) throw new Error(`network is not ready: ${r.message}`);
    const ip = this.network.assignAddress(pod.metadata.uid ?? "");
    // The agent plugs the sandbox in itself (sandboxStarted): Docker gives it only a
    // loopback, and with no network of Docker's its start is about 95 ms shorter
    // here (no libnetwork sandbox and set-up hook). The pod's /etc/hosts and
    // /etc/resolv.conf are the agent's own (the hosts and DNS hooks), as the kubelet's.
    spec.networkMode = "none";
    spec.networkDisabled = true;
    spec.labels[LABEL_POD_IP] = ip;
    const hostPorts = podHostPorts(pod);
    if (hostPorts.length > 0) spec.labels[LABEL_HOST_PORTS] = formatHostPorts(hostPorts);
  }

  async sandboxStarted(pod: Pod, containerId: string): Promise<void> {
    if (!pod.spec.hostNetwork) await this.network.plugIn(containerId);
  }

  async destroy(pod: PodIdentity): Promise<void> {
    this.network.releaseAddress(pod.uid);
  }
}
