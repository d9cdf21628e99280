// The node's pod addresses, as CNI's host-local IPAM hands them out: each pod gets one
// address of the node's pod CIDR for as long as it lives on the node (a replaced
// sandbox keeps it). Kept in memory and rebuilt at start from the sandboxes' labels,
// since the runtime is the agent's database; nothing is written to disk.
import { formatIp, parseIp } from "@bosun/api";
import { cidrHoldsIP, ipv4Cidr, type Cidr } from "./cidr.js";

export class PodAddresses {
  private cidr: Cidr | undefined;
  private readonly byPod = new Map<string, string>();
  private readonly taken = new Set<string>();
  /** Where the next search starts: freed addresses are handed out again last, as host-local's lastReservedIP does. */
  private cursor = 0n;

  /** The range new addresses come from; pods keep addresses of an older range until they go. */
  setCidr(podCidr: string): void {
    const cidr = ipv4Cidr(podCidr);
    if (!cidr) throw new Error(`the pod CIDR "${podCidr}" is not an IPv4 CIDR`);
    if (this.cidr && this.cidr.network === cidr.network && this.cidr.prefixLength === cidr.prefixLength) return;
    this.cidr = cidr;
    this.cursor = 0n;
  }

  /** Records an address a sandbox already has (read from its labels at start). */
  adopt(podUid: string, ip: string): void {
    if (parseIp(ip)?.family !== 4) return;
    this.release(podUid);
    this.byPod.set(podUid, ip);
    this.taken.add(ip);
  }

  /** The pod's address: the one it has if it lies in the current range, else the next free one. */
  assign(podUid: string): string {
    const cidr = this.cidr;
    if (!cidr) throw new Error("the node has no pod CIDR yet");
    const held = this.byPod.get(podUid);
    if (held && cidrHoldsIP(cidr, held)) return held;
    // Usable: after the gateway (the first host) and before the broadcast address.
    const size = 1n << BigInt(32 - cidr.prefixLength);
    const usable = size - 3n;
    if (usable <= 0n) throw new Error(`the node's pod CIDR /${cidr.prefixLength} has no address for pods; the master's --node-cidr-mask-size must be 29 or less`);
    for (let i = 0n; i < usable; i++) {
      const offset = ((this.cursor + i) % usable) + 2n;
      const ip = formatIp(4, cidr.network + offset);
      if (this.taken.has(ip)) continue;
      this.cursor = offset - 1n;
      this.release(podUid);
      this.byPod.set(podUid, ip);
      this.taken.add(ip);
      return ip;
    }
    throw new Error(`every address of the node's pod CIDR ${formatIp(4, cidr.network)}/${cidr.prefixLength} is in use (${usable} pods); delete pods or give nodes larger ranges (the master's --node-cidr-mask-size)`);
  }

  release(podUid: string): void {
    const ip = this.byPod.get(podUid);
    if (ip === undefined) return;
    this.byPod.delete(podUid);
    this.taken.delete(ip);
  }

  /** How many pods hold an address. */
  get size(): number {
    return this.byPod.size;
  }
}
