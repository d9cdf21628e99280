// A HostNetwork that answers as a host with one interface and no routes of its own,
// and records what the agent writes: for tests that run the agent without touching
// this machine's network.
import type { HostNetwork } from "../../src/network/host.js";

export class FakeHost implements HostNetwork {
  readonly ipWrites: string[][] = [];
  readonly bridgeWrites: string[][] = [];
  readonly restores: string[] = [];

  constructor(private readonly address = "192.0.2.10") {}

  async ipRead(commands: readonly string[]): Promise<unknown[]> {
    return commands.flatMap((c): unknown[] => {
      if (c === "address show") {
        return [[{ ifname: "eth0", mtu: 1500, address: "02:00:00:00:00:01", flags: ["UP"], addr_info: [{ family: "inet", local: this.address, prefixlen: 24 }] }]];
      }
      if (c.startsWith("route get ")) return [[{ dst: c.slice("route get ".length), dev: "eth0", prefsrc: this.address }]];
      return [[]];
    });
  }

  async ipWrite(commands: readonly string[]): Promise<void> {
    if (commands.length > 0) this.ipWrites.push([...commands]);
  }

  async fdbRead(): Promise<unknown> {
    return [];
  }

  async bridgeWrite(commands: readonly string[]): Promise<void> {
    if (commands.length > 0) this.bridgeWrites.push([...commands]);
  }

  async iptablesSave(): Promise<string> {
    return "";
  }

  async iptablesRestore(input: string): Promise<void> {
    this.restores.push(input);
  }
}
