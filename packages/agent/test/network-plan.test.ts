// The planning of routes, VXLAN entries and iptables rules from the master's picture
// and the host as iproute2 and iptables-save show it: pure, so every case is a fake.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { nodeNetworkNames, vxlanId } from "../src/network/names.js";
import { planHost, type NetworkConfig, type PodNetworkMode } from "../src/network/plan.js";
import { iptablesCleanupInput, iptablesRestoreInput } from "../src/network/iptables.js";
import { parseLinks, parseRoutes, type HostPath, type HostSnapshot } from "../src/network/snapshot.js";
import { vtepMac } from "../src/network/cidr.js";
import { parseCidr } from "@bosun/api";

const names = nodeNetworkNames("node-a");
const dev = names.vxlanDevice;
const internalIP = "192.0.2.10";

/** `ip -json address show` of a host with eth0 (and the node's bridge). */
const addressJson = [
  { ifname: "lo", mtu: 65536, address: "00:00:00:00:00:00", flags: ["LOOPBACK", "UP"], addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }] },
  { ifname: "eth0", mtu: 1400, address: "02:00:00:00:00:0a", flags: ["BROADCAST", "UP", "LOWER_UP"], addr_info: [{ family: "inet", local: internalIP, prefixlen: 24 }] },
  { ifname: "br-0123", mtu: 1400, address: "02:42:00:00:00:01", flags: ["UP"], linkinfo: { info_kind: "bridge" }, addr_info: [{ family: "inet", local: "10.244.1.1", prefixlen: 24 }] },
];

/** `ip -json route show table main` of that host. */
const baseRoutes = [
  { dst: "default", gateway: "192.0.2.1", dev: "eth0", flags: [] },
  { dst: "192.0.2.0/24", dev: "eth0", protocol: "kernel", scope: "link", prefsrc: internalIP, flags: [] },
  { dst: "10.244.1.0/24", dev: "br-0123", protocol: "kernel", scope: "link", prefsrc: "10.244.1.1", flags: [] },
];

const paths: Record<string, HostPath> = {
  // Same segment: no gateway on the way.
  "192.0.2.20": { dst: "192.0.2.20", local: false, dev: "eth0" },
  "192.0.2.21": { dst: "192.0.2.21", local: false, dev: "eth0" },
  // Elsewhere: behind the default gateway.
  "198.51.100.7": { dst: "198.51.100.7", local: false, gateway: "192.0.2.1", dev: "eth0" },
  // This very host: another agent on the same Docker engine.
  [internalIP]: { dst: internalIP, local: true, dev: "lo" },
};

function snapshot(extra: { routes?: unknown[]; links?: unknown[]; neighbours?: HostSnapshot["neighbours"]; fdb?: HostSnapshot["fdb"] } = {}): HostSnapshot {
  return {
    links: parseLinks([...addressJson, ...(extra.links ?? [])]),
    routes: parseRoutes([...baseRoutes, ...(extra.routes ?? [])]),
    paths: new Map(Object.entries(paths)),
    neighbours: extra.neighbours ?? [],
    fdb: extra.fdb ?? [],
  };
}

function config(peers: [string, string, string][]): NetworkConfig {
  return {
    podCidr: "10.244.1.0/24",
    clusterCidr: "10.244.0.0/16",
    peers: peers.map(([nodeName, podCidr, ip]) => ({ nodeName, podCidr, internalIP: ip })),
  };
}

function plan(cfg: NetworkConfig, host: HostSnapshot, mode: PodNetworkMode = "host-gw") {
  return planHost({ config: cfg, mode, internalIP, names, host });
}

const vni = vxlanId("10.244.0.0/16");
const macOf = (cidr: string) => vtepMac(parseCidr(cidr));

describe("route planning", () => {
  test("host-gw: a route via each peer's InternalIP on the same segment; none for peers on this host", () => {
    const cfg = config([
      ["node-b", "10.244.2.0/24", "192.0.2.20"],
      ["node-c", "10.244.3.0/24", internalIP],
    ]);
    const p = plan(cfg, snapshot());
    assert.deepEqual(p.ip, ["route replace 10.244.2.0/24 via 192.0.2.20 proto 78"]);
    assert.deepEqual(p.bridge, []);
    assert.deepEqual(
      p.decisions.map((d) => [d.peer.nodeName, d.route]),
      [
        ["node-b", "host-gw"],
        ["node-c", "local"],
      ],
    );
  });

  test("a peer whose bridge is on this host needs no route, whatever InternalIP it reports", () => {
    const p = plan(
      config([["node-c", "10.244.3.0/24", "192.0.2.21"]]),
      snapshot({ routes: [{ dst: "10.244.3.0/24", dev: "br-4567", protocol: "kernel", scope: "link", flags: [] }] }),
    );
    assert.deepEqual(p.ip, []);
    assert.equal(p.decisions[0]?.route, "local");
  });

  test("nothing is written when the routes are right", () => {
    const routes = [{ dst: "10.244.2.0/24", gateway: "192.0.2.20", dev: "eth0", protocol: "78", flags: [] }];
    assert.deepEqual(plan(config([["node-b", "10.244.2.0/24", "192.0.2.20"]]), snapshot({ routes })).ip, []);
  });

  test("a route removed by hand comes back, one changed by hand is put right, a departed peer's goes", () => {
    const routes = [
      { dst: "10.244.3.0/24", gateway: "192.0.2.99", dev: "eth0", flags: [] },
      { dst: "10.244.9.0/24", gateway: "192.0.2.30", dev: "eth0", protocol: "78", flags: [] },
      // Not under the cluster CIDR, or not the agent's: never touched.
      { dst: "10.9.0.0/24", gateway: "192.0.2.30", dev: "eth0", protocol: "78", flags: [] },
      { dst: "10.244.200.0/24", gateway: "192.0.2.30", dev: "eth0", protocol: "static", flags: [] },
    ];
    const p = plan(
      config([
        ["node-b", "10.244.2.0/24", "192.0.2.20"],
        ["node-c", "10.244.3.0/24", "192.0.2.21"],
      ]),
      snapshot({ routes }),
    );
    assert.deepEqual(p.ip, [
      "route del 10.244.9.0/24 proto 78",
      "route replace 10.244.2.0/24 via 192.0.2.20 proto 78",
      "route replace 10.244.3.0/24 via 192.0.2.21 proto 78",
    ]);
  });

  test("a peer behind a gateway is reached through VXLAN: device, neighbour, forwarding entry and an onlink route", () => {
    const p = plan(config([["node-far", "10.244.5.0/24", "198.51.100.7"]]), snapshot());
    assert.equal(p.decisions[0]?.route, "vxlan");
    assert.deepEqual(p.ip, [
      `link add ${dev} type vxlan id ${vni} local ${internalIP} dstport 8472 nolearning`,
      `link set ${dev} address ${macOf("10.244.1.0/24")} mtu 1350 up`,
      `address replace 10.244.1.0/32 dev ${dev}`,
      `neigh replace 10.244.5.0 lladdr ${macOf("10.244.5.0/24")} dev ${dev} nud permanent`,
      `route replace 10.244.5.0/24 via 10.244.5.0 dev ${dev} onlink proto 78`,
    ]);
    assert.deepEqual(p.bridge, [`fdb replace ${macOf("10.244.5.0/24")} dev ${dev} dst 198.51.100.7 self permanent`]);
  });

  test("--pod-network=vxlan tunnels to every peer not on this host; a device in place is kept and stale entries go", () => {
    const device = {
      ifname: dev,
      mtu: 1350,
      address: macOf("10.244.1.0/24"),
      flags: ["UP"],
      linkinfo: { info_kind: "vxlan", info_data: { id: vni, local: internalIP, port: 8472, learning: false } },
      addr_info: [{ family: "inet", local: "10.244.1.0", prefixlen: 32 }],
    };
    const p = plan(
      config([
        ["node-b", "10.244.2.0/24", "192.0.2.20"],
        ["node-c", "10.244.3.0/24", internalIP],
      ]),
      snapshot({
        links: [device],
        routes: [{ dst: "10.244.2.0/24", gateway: "10.244.2.0", dev, protocol: "78", flags: ["onlink"] }],
        neighbours: [
          { ip: "10.244.2.0", mac: macOf("10.244.2.0/24"), permanent: true },
          { ip: "10.244.6.0", mac: macOf("10.244.6.0/24"), permanent: true },
        ],
        fdb: [
          { mac: macOf("10.244.2.0/24"), dst: "192.0.2.20", permanent: true },
          { mac: macOf("10.244.6.0/24"), dst: "192.0.2.66", permanent: true },
        ],
      }),
      "vxlan",
    );
    assert.deepEqual(
      p.decisions.map((d) => d.route),
      ["vxlan", "local"],
    );
    assert.deepEqual(p.ip, [`neigh del 10.244.6.0 dev ${dev}`]);
    assert.deepEqual(p.bridge, [`fdb del ${macOf("10.244.6.0/24")} dev ${dev} dst 192.0.2.66 self`]);
  });

  test("the VXLAN device goes once no peer needs it, taking its routes with it", () => {
    const device = { ifname: dev, mtu: 1350, address: "0a:58:0a:f4:01:00", flags: ["UP"], linkinfo: { info_kind: "vxlan", info_data: { id: vni } }, addr_info: [] };
    const p = plan(
      config([["node-b", "10.244.2.0/24", "192.0.2.20"]]),
      snapshot({ links: [device], routes: [{ dst: "10.244.2.0/24", gateway: "10.244.2.0", dev, protocol: "78", flags: ["onlink"] }] }),
    );
    assert.deepEqual(p.ip, [`link del ${dev}`, "route replace 10.244.2.0/24 via 192.0.2.20 proto 78"]);
  });

  test("peers that make no sense are left out, and said why", () => {
    const p = plan(
      config([
        ["bad-cidr", "10.244.2.7/24", "192.0.2.20"],
        ["outside", "10.99.0.0/24", "192.0.2.20"],
        ["overlap", "10.244.1.0/25", "192.0.2.20"],
        ["lost", "10.244.4.0/24", "203.0.113.1"],
      ]),
      snapshot(),
    );
    assert.deepEqual(p.ip, []);
    assert.deepEqual(
      p.decisions.map((d) => d.route),
      ["invalid", "invalid", "invalid", "unreachable"],
    );
    assert.match(p.decisions[3]?.detail ?? "", /no route to its InternalIP 203\.0\.113\.1/);
  });

  test("ip -json quirks: host routes have no /32, protocols are numbers or names", () => {
    const routes = parseRoutes([
      { dst: "10.244.2.5", gateway: "192.0.2.20", dev: "eth0", protocol: "78", flags: [] },
      { dst: "10.244.3.0/24", gateway: "10.244.3.0", dev, protocol: "boot", flags: ["onlink"] },
    ]);
    assert.deepEqual(routes, [
      { dst: "10.244.2.5/32", gateway: "192.0.2.20", dev: "eth0", protocol: "78", onlink: false },
      { dst: "10.244.3.0/24", gateway: "10.244.3.0", dev, protocol: "boot", onlink: true },
    ]);
  });
});

const dockerSave = `# Generated by iptables-save
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A DOCKER-USER -j RETURN
COMMIT
`;

describe("iptables rules", () => {
  const want = { names, podCidr: "10.244.1.0/24", clusterCidr: "10.244.0.0/16" };
  const jump = (parent: string, chain: string) => `-A ${parent} -m comment --comment "${names.comment}" -j ${chain}`;

  test("the node's chains are written whole, with a jump from POSTROUTING and DOCKER-USER when missing", () => {
    assert.equal(
      iptablesRestoreInput(want, dockerSave),
      [
        "*nat",
        `:${names.natChain} - [0:0]`,
        `-A ${names.natChain} -s 10.244.1.0/24 ! -d 10.244.0.0/16 -j MASQUERADE`,
        `-I POSTROUTING 1 -m comment --comment "${names.comment}" -j ${names.natChain}`,
        `:${names.hostPortChain} - [0:0]`,
        `-I PREROUTING 1 -m addrtype --dst-type LOCAL -m comment --comment "${names.comment}" -j ${names.hostPortChain}`,
        `-I OUTPUT 1 -m addrtype --dst-type LOCAL -m comment --comment "${names.comment}" -j ${names.hostPortChain}`,
        "COMMIT",
        "*filter",
        `:${names.forwardChain} - [0:0]`,
        `-A ${names.forwardChain} -s 10.244.0.0/16 -j ACCEPT`,
        `-A ${names.forwardChain} -d 10.244.0.0/16 -j ACCEPT`,
        `-I DOCKER-USER 1 -m comment --comment "${names.comment}" -j ${names.forwardChain}`,
        "COMMIT",
        "",
      ].join("\n"),
    );
  });

  test("jumps in place are kept, duplicates go, and without Docker's chains FORWARD jumps", () => {
    const saved = dockerSave
      .replace("-A POSTROUTING -s", `${jump("POSTROUTING", names.natChain)}\n${jump("POSTROUTING", names.natChain)}\n-A POSTROUTING -s`)
      .replace(":DOCKER-USER - [0:0]\n", "")
      .replace("-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -j RETURN\n", `${jump("DOCKER-USER", names.forwardChain)}\n`);
    const input = iptablesRestoreInput(want, saved).split("\n");
    assert.deepEqual(
      input.filter((l) => (l.startsWith("-I ") || l.startsWith("-D ")) && !l.includes(names.hostPortChain)),
      [
        `-D POSTROUTING -m comment --comment "${names.comment}" -j ${names.natChain}`,
        `-D DOCKER-USER -m comment --comment "${names.comment}" -j ${names.forwardChain}`,
        `-I FORWARD 1 -m comment --comment "${names.comment}" -j ${names.forwardChain}`,
      ],
    );
  });

  test("other nodes' chains on the same host are left alone", () => {
    const other = nodeNetworkNames("node-b");
    const saved = dockerSave.replace(":DOCKER - [0:0]\n", `:DOCKER - [0:0]\n:${other.natChain} - [0:0]\n${jump("POSTROUTING", other.natChain)}\n`);
    const input = iptablesRestoreInput(want, saved);
    assert.doesNotMatch(input, new RegExp(other.natChain));
    assert.equal(iptablesCleanupInput(names, saved), undefined);
  });

  test("cleanup removes the jumps, then flushes and deletes the chains", () => {
    const saved = dockerSave
      .replace(":DOCKER - [0:0]\n", `:DOCKER - [0:0]\n:${names.natChain} - [0:0]\n${jump("POSTROUTING", names.natChain)}\n-A ${names.natChain} -s 10.244.1.0/24 ! -d 10.244.0.0/16 -j MASQUERADE\n`)
      .replace(":DOCKER-USER - [0:0]\n", `:DOCKER-USER - [0:0]\n:${names.forwardChain} - [0:0]\n${jump("DOCKER-USER", names.forwardChain)}\n`);
    assert.equal(
      iptablesCleanupInput(names, saved),
      [
        "*nat",
        `-D POSTROUTING -m comment --comment "${names.comment}" -j ${names.natChain}`,
        `-F ${names.natChain}`,
        `-X ${names.natChain}`,
        "COMMIT",
        "*filter",
        `-D DOCKER-USER -m comment --comment "${names.comment}" -j ${names.forwardChain}`,
        `-F ${names.forwardChain}`,
        `-X ${names.forwardChain}`,
        "COMMIT",
        "",
      ].join("\n"),
    );
  });
});

describe("names", () => {
  test("fit the kernel's limits and differ between nodes", () => {
    const long = nodeNetworkNames("e2e-1a2b3c4d-a-very-long-node-name.example.com");
    assert.ok(long.natChain.length <= 28 && long.forwardChain.length <= 28, "iptables chain names have at most 28 characters");
    assert.ok(long.vxlanDevice.length <= 15, "interface names have at most 15 characters");
    assert.notEqual(nodeNetworkNames("a").natChain, nodeNetworkNames("b").natChain);
    assert.ok(vni >= 1 && vni < 2 ** 24);
    assert.equal(macOf("10.244.5.0/24"), "0a:58:0a:f4:05:00");
  });
});
