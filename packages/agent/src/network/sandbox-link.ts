// Plugs a pod's sandbox into the node's pod bridge, as CNI's bridge plugin does for the
// kubelet: a veth pair whose host end joins the bridge and whose other end becomes the
// sandbox's eth0, with the pod's address and a default route via the bridge's gateway.
// The sandbox has no network of Docker's (hooks/network.ts): joining a Docker network
// instead costs every pod start Docker's embedded DNS set-up (about 50 ms measured
// here), which Kubernetes pods do not want anyway. The pair goes with the sandbox's
// network namespace, so removing the sandbox removes it.
import type { HostNetwork } from "./host.js";

export interface SandboxLink {
  containerId: string;
  /** The sandbox's main process: its network namespace is the pod's. */
  pid: number;
  /** The node's pod bridge device. */
  bridge: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  mtu: number;
}

/** The host end's name: from the sandbox's container ID, so that a replaced sandbox never meets its predecessor's pair. */
export function sandboxVeth(containerId: string): string {
  return `veth${containerId.slice(0, 11)}`;
}

export async function linkSandbox(host: HostNetwork, link: SandboxLink): Promise<void> {
  const veth = sandboxVeth(link.containerId);
  await host.ipWrite([
    `link add ${veth} mtu ${link.mtu} type veth peer name eth0 mtu ${link.mtu} netns ${link.pid}`,
    `link set ${veth} master ${link.bridge} up`,
    // A pod reaching itself through a Service is DNATed back to its own port; with
    // br_netfilter the bridge must send the frame back out where it came from (the
    // kubelet's hairpin-veth mode).
    `link set ${veth} type bridge_slave hairpin on`,
  ]);
  await host.ipWriteInNetns(link.pid, [
    `address add ${link.ip}/${link.prefixLength} dev eth0`,
    "link set eth0 up",
    `route add default via ${link.gateway} dev eth0`,
  ]);
}
