// A HostNetwork that answers as a host with one interface and no routes of its own,
// and records what the agent writes (keeping the links it adds, so that they can be
// deleted "by hand"): for tests that run the agent without touching this machine's
// network.
import type { ConntrackFilter, HostNetwork } from "../../src/network/host.js";
import type { IptablesModel } from "./iptables-model.js";

export class FakeHost implements HostNetwork {
  readonly ipWrites: string[][] = [];
  /** What the agent ran inside processes' network namespaces, by PID. */
  readonly netnsWrites: { pid: number; commands: string[] }[] = [];
  readonly bridgeWrites: string[][] = [];
  readonly restores: string[] = [];
  /** The conntrack deletions asked for, one batch per call. */
  readonly conntrackDeletes: ConntrackFilter[][] = [];
  readonly sysctls = new Map<string, string>();
  /** When set, restores apply to it and iptablesSave prints it; otherwise iptables looks empty. */
  iptables: IptablesModel | undefined;
  /** When set, the next iptablesRestore fails with it (once). */
  failNextRestore: Error | undefined;

  /** The links the agent added (`link add NAME ...`) and has not deleted. */
  readonly links = new Set<string>();

  constructor(private readonly address = "192.0.2.10") {}

  async ipRead(commands: readonly string[]): Promise<unknown[]> {
    return commands.flatMap((c): unknown[] => {
      if (c === "address show") {
        return [[{ ifname: "eth0", mtu: 1500, address: "02:00:00:00:00:01", flags: ["UP"], addr_info: [{ family: "inet", local: this.address, prefixlen: 24 }] }]];
      }
      if (c.startsWith("route get ")) return [[{ dst: c.slice("route get ".length), dev: "eth0", prefsrc: this.address }]];
      if (c === "link show") return [[{ ifname: "eth0", mtu: 1500, flags: ["UP"] }, ...[...this.links].map((ifname) => ({ ifname, mtu: 1500, flags: ["UP"] }))]];
      return [[]];
    });
  }

  async ipWrite(commands: readonly string[]): Promise<void> {
    if (commands.length > 0) this.ipWrites.push([...commands]);
    for (const c of commands) {
      const [verb, object, name] = c.split(" ");
      if (verb !== "link" || !name) continue;
      if (object === "add") this.links.add(name);
      if (object === "del") this.links.delete(name);
    }
  }

  async ipWriteInNetns(pid: number, commands: readonly string[]): Promise<void> {
    this.netnsWrites.push({ pid, commands: [...commands] });
  }

  async fdbRead(): Promise<unknown> {
    return [];
  }

  async bridgeWrite(commands: readonly string[]): Promise<void> {
    if (commands.length > 0) this.bridgeWrites.push([...commands]);
  }

  async iptablesSave(): Promise<string> {
    return this.iptables?.save() ?? "";
  }

  async iptablesRestore(input: string): Promise<void> {
    this.restores.push(input);
    const failure = this.failNextRestore;
    this.failNextRestore = undefined;
    if (failure) throw failure;
    this.iptables?.restore(input);
  }

  async deleteConntrackEntries(filters: readonly ConntrackFilter[]): Promise<void> {
    this.conntrackDeletes.push([...filters]);
  }

  async setSysctl(name: string, value: string): Promise<void> {
    this.sysctls.set(name, value);
  }
}
