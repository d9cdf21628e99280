// The host's own address on its network: what an agent registers as its node's
// InternalIP and what a master advertises for the `kubernetes` Service when it
// listens on every address. Container bridges, veths and tunnels (Bosun's pod bridge
// and VXLAN device among them) are skipped: their addresses are not the host's.
import os from "node:os";

/** The first non-internal IPv4 address of a physical-looking interface, else loopback. */
export function internalIP(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string {
  for (const [name, addrs] of Object.entries(interfaces)) {
    if (/^(docker|br-|veth|virbr|cni|flannel|bosunvx|bosunbr)/.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}
