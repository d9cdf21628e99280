// The service proxy's rule planning, as pure functions over Services, EndpointSlices
// and iptables-save's text: what kube-proxy's iptables mode writes for each case.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointSlice, Service } from "@bosun/api";
import { planProxyRules, probability, type ProxyRulesInput } from "../src/proxy/rules.js";
import { endpointChainName, isProxyChain, MAX_CHAIN_NAME, proxyChainNames, serviceChainName } from "../src/proxy/names.js";
import { proxyCleanupInput } from "../src/proxy/cleanup.js";
import { IptablesModel } from "./support/iptables-model.js";
import { NOT_READY, READY, service, SERVING_TERMINATING, slice, TERMINATING } from "./support/proxy-objects.js";

const NODE = "node-a";
const names = proxyChainNames(NODE);
const CLUSTER = "10.244.0.0/16";
const POD_CIDR = "10.244.1.0/24";

function plan(services: Service[], slices: EndpointSlice[], extra: Partial<ProxyRulesInput> = {}, saved = "") {
  return planProxyRules({ nodeName: NODE, services, endpointSlices: slices, clusterCidr: CLUSTER, podCidr: POD_CIDR, ...extra }, saved);
}

/** The rules the input appends to `chain` in `table`, without the "-A chain " prefix. */
function rulesOf(restore: string, table: "nat" | "filter", chain: string): string[] {
  const section = restore.split(`*${table}\n`)[1]?.split("COMMIT")[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith(`-A ${chain} `))
    .map((l) => l.slice(`-A ${chain} `.length));
}

function declared(restore: string, table: "nat" | "filter"): string[] {
  const section = restore.split(`*${table}\n`)[1]?.split("COMMIT")[0] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith(":"))
    .map((l) => l.slice(1).split(" ")[0] ?? "");
}

const svc = (name: string, port: string) => serviceChainName(names, "SVC", `default/${name}${port ? `:${port}` : ""}`, "tcp");
const svl = (name: string, port: string) => serviceChainName(names, "SVL", `default/${name}${port ? `:${port}` : ""}`, "tcp");
const ext = (name: string, port: string) => serviceChainName(names, "EXT", `default/${name}${port ? `:${port}` : ""}`, "tcp");
const sep = (name: string, port: string, address: string, protocol = "tcp") =>
  endpointChainName(names, `default/${name}${port ? `:${port}` : ""}`, protocol, address);

const web = (extra: Partial<Service["spec"]> = {}) => service("web", { clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }], ...extra });
const webSlice = (...ips: [string, string?][]) =>
  slice(
    "web",
    "abc",
    [{ name: "http", port: 8080, protocol: "TCP" }],
    ips.map(([ip, node]) => ({ ip, node: node ?? "node-b" })),
  );

describe("chain names", () => {
  test("hashed as kube-proxy's, prefixed per node, within iptables' 28 characters", () => {
    const a = proxyChainNames("node-a");
    const b = proxyChainNames("node-b");
    assert.match(a.prefix, /^BOSUN-[0-9a-f]{6}-$/);
    assert.notEqual(a.prefix, b.prefix, "agents sharing a host have chains of their own");
    const chains = [
      serviceChainName(a, "SVC", "default/web:http", "tcp"),
      serviceChainName(a, "SVL", "default/web:http", "tcp"),
      serviceChainName(a, "EXT", "default/web:http", "tcp"),
      endpointChainName(a, "default/web:http", "tcp", "10.244.1.2:8080"),
      a.services,
      a.nodePorts,
      a.postrouting,
      a.markMasquerade,
      a.filterServices,
      a.filterExternal,
    ];
    for (const c of chains) {
      assert.ok(c.length <= MAX_CHAIN_NAME, `${c} is ${c.length} characters`);
      assert.ok(c.startsWith(a.prefix));
      assert.ok(isProxyChain(a, c));
      assert.equal(isProxyChain(b, c), false);
    }
    assert.match(chains[0] ?? "", /^BOSUN-[0-9a-f]{6}-SVC-[A-Z2-7]{11}$/);
    assert.notEqual(serviceChainName(a, "SVC", "default/web:http", "tcp"), serviceChainName(a, "SVC", "default/web:http", "udp"));
    assert.notEqual(serviceChainName(a, "SVC", "default/web:http", "tcp"), serviceChainName(b, "SVC", "default/web:http", "tcp"));
    // Another part of the agent may name chains after the node too: they are not the proxy's.
    assert.equal(isProxyChain(a, `${a.prefix}NP-INGRESS`), false);
  });
});

describe("a ClusterIP service", () => {
  test("no endpoints: REJECT in the filter table, nothing in nat", () => {
    const p = plan([web()], []);
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterServices), [
      '-m comment --comment "default/web:http has no endpoints" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 -j REJECT',
    ]);
    assert.deepEqual(rulesOf(p.restore, "nat", names.services), [
      '-m comment --comment "bosun service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j ' + names.nodePorts,
    ]);
    assert.deepEqual(declared(p.restore, "nat"), [names.services, names.nodePorts, names.postrouting, names.markMasquerade]);
  });

  test("not-ready endpoints count as none", () => {
    const s = slice("web", "x", [{ name: "http", port: 8080, protocol: "TCP" }], [{ ip: "10.244.2.2", conditions: NOT_READY }]);
    const p = plan([web()], [s]);
    assert.equal(rulesOf(p.restore, "filter", names.filterServices).length, 1);
    assert.equal(declared(p.restore, "nat").includes(svc("web", "http")), false);
  });

  test("one endpoint: the service chain takes it without a random match; the endpoint chain marks hairpin traffic and DNATs", () => {
    const p = plan([web()], [webSlice(["10.244.2.2"])]);
    const chain = svc("web", "http");
    const ep = sep("web", "http", "10.244.2.2:8080");
    assert.deepEqual(rulesOf(p.restore, "nat", names.services)[0], `-m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 -j ${chain}`);
    assert.deepEqual(rulesOf(p.restore, "nat", chain), [
      `-m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 ! -s ${CLUSTER} -j ${names.markMasquerade}`,
      `-m comment --comment "default/web:http -> 10.244.2.2:8080" -j ${ep}`,
    ]);
    assert.deepEqual(rulesOf(p.restore, "nat", ep), [
      `-m comment --comment "default/web:http" -s 10.244.2.2/32 -j ${names.markMasquerade}`,
      `-m comment --comment "default/web:http" -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080`,
    ]);
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterServices), []);
  });

  test("three endpoints: picked at random with probabilities 1/3, 1/2, then the last, in address order", () => {
    const p = plan([web()], [webSlice(["10.244.3.9"], ["10.244.1.5", NODE], ["10.244.2.7"])]);
    const chain = svc("web", "http");
    assert.deepEqual(rulesOf(p.restore, "nat", chain).slice(1), [
      `-m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.3333333333 -j ${sep("web", "http", "10.244.1.5:8080")}`,
      `-m comment --comment "default/web:http -> 10.244.2.7:8080" -m statistic --mode random --probability 0.5000000000 -j ${sep("web", "http", "10.244.2.7:8080")}`,
      `-m comment --comment "default/web:http -> 10.244.3.9:8080" -j ${sep("web", "http", "10.244.3.9:8080")}`,
    ]);
    for (const ip of ["10.244.1.5", "10.244.2.7", "10.244.3.9"]) assert.ok(declared(p.restore, "nat").includes(sep("web", "http", `${ip}:8080`)));
  });

  test("probabilities are kube-proxy's ten-decimal 1/n", () => {
    assert.equal(probability(2), "0.5000000000");
    assert.equal(probability(3), "0.3333333333");
    assert.equal(probability(7), "0.1428571429");
    assert.equal(probability(1000), "0.0010000000");
  });

  test("UDP ports match udp", () => {
    const dns = service("dns", { clusterIP: "10.96.0.53", ports: [{ name: "dns", port: 53, protocol: "UDP" }] });
    const s = slice("dns", "a", [{ name: "dns", port: 53, protocol: "UDP" }], [{ ip: "10.244.2.2" }]);
    const p = plan([dns], [s]);
    const ep = endpointChainName(names, "default/dns:dns", "udp", "10.244.2.2:53");
    assert.deepEqual(rulesOf(p.restore, "nat", ep)[1], '-m comment --comment "default/dns:dns" -m udp -p udp -j DNAT --to-destination 10.244.2.2:53');
  });

  test("several ports: a chain each, each port's endpoints from the slice port of the same name", () => {
    const s = service("web", {
      clusterIP: "10.96.0.10",
      ports: [
        { name: "http", port: 80, protocol: "TCP", targetPort: "http" },
        { name: "https", port: 443, protocol: "TCP", targetPort: "https" },
      ],
    });
    const sl = slice(
      "web",
      "a",
      [
        { name: "http", port: 8080, protocol: "TCP" },
        { name: "https", port: 8443, protocol: "TCP" },
      ],
      [{ ip: "10.244.2.2" }],
    );
    const p = plan([s], [sl]);
    assert.notEqual(svc("web", "http"), svc("web", "https"));
    assert.match(rulesOf(p.restore, "nat", names.services).join("\n"), new RegExp(`--dport 80 -j ${svc("web", "http")}\n.*--dport 443 -j ${svc("web", "https")}`));
    assert.match(rulesOf(p.restore, "nat", sep("web", "http", "10.244.2.2:8080")).join("\n"), /DNAT --to-destination 10\.244\.2\.2:8080$/);
    assert.match(rulesOf(p.restore, "nat", sep("web", "https", "10.244.2.2:8443")).join("\n"), /DNAT --to-destination 10\.244\.2\.2:8443$/);
  });

  test("a named targetPort resolved differently per slice: each endpoint gets its own slice's port", () => {
    const a = slice("web", "a", [{ name: "http", port: 8080, protocol: "TCP" }], [{ ip: "10.244.2.2" }]);
    const b = slice("web", "b", [{ name: "http", port: 9090, protocol: "TCP" }], [{ ip: "10.244.3.3" }]);
    const p = plan([web({ ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: "web" }] })], [a, b]);
    const rules = rulesOf(p.restore, "nat", svc("web", "http"));
    assert.equal(rules.length, 3);
    assert.match(rules[1] ?? "", /-> 10\.244\.2\.2:8080" -m statistic --mode random --probability 0\.5000000000/);
    assert.match(rules[2] ?? "", /-> 10\.244\.3\.3:9090" -j /);
    assert.match(rulesOf(p.restore, "nat", sep("web", "http", "10.244.3.3:9090")).join("\n"), /DNAT --to-destination 10\.244\.3\.3:9090/);
  });

  test("an address in two slices counts once, the non-terminating one winning", () => {
    const a = slice("web", "a", [{ name: "http", port: 8080, protocol: "TCP" }], [{ ip: "10.244.2.2", conditions: TERMINATING }]);
    const b = slice("web", "b", [{ name: "http", port: 8080, protocol: "TCP" }], [{ ip: "10.244.2.2", conditions: READY }]);
    for (const slices of [
      [a, b],
      [b, a],
    ]) {
      const rules = rulesOf(plan([web()], slices).restore, "nat", svc("web", "http"));
      assert.equal(rules.length, 2, "one masquerade rule and one endpoint");
    }
  });

  test("ClientIP affinity: a sticky rule per endpoint first, the endpoint chains remember the client", () => {
    const p = plan([web({ sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })], [webSlice(["10.244.2.2"], ["10.244.3.3"])]);
    const [a, b] = [sep("web", "http", "10.244.2.2:8080"), sep("web", "http", "10.244.3.3:8080")];
    assert.deepEqual(rulesOf(p.restore, "nat", svc("web", "http")).slice(1), [
      `-m comment --comment "default/web:http -> 10.244.2.2:8080" -m recent --name ${a} --rcheck --seconds 60 --reap -j ${a}`,
      `-m comment --comment "default/web:http -> 10.244.3.3:8080" -m recent --name ${b} --rcheck --seconds 60 --reap -j ${b}`,
      `-m comment --comment "default/web:http -> 10.244.2.2:8080" -m statistic --mode random --probability 0.5000000000 -j ${a}`,
      `-m comment --comment "default/web:http -> 10.244.3.3:8080" -j ${b}`,
    ]);
    assert.equal(rulesOf(p.restore, "nat", a)[1], `-m comment --comment "default/web:http" -m recent --name ${a} --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:8080`);
    const defaults = plan([web({ sessionAffinity: "ClientIP" })], [webSlice(["10.244.2.2"])]);
    assert.match(rulesOf(defaults.restore, "nat", svc("web", "http"))[1] ?? "", /--seconds 10800 --reap/);
  });

  test("headless, ExternalName and unallocated Services get no rules", () => {
    const p = plan(
      [
        service("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
        service("ext", { type: "ExternalName", externalName: "example.org", ports: [{ port: 80 }] }),
        service("pending", { ports: [{ port: 80 }] }),
      ],
      [slice("headless", "a", [{ port: 80 }], [{ ip: "10.244.2.2" }])],
    );
    assert.deepEqual(declared(p.restore, "nat"), [names.services, names.nodePorts, names.postrouting, names.markMasquerade]);
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterServices), []);
  });

  test("slices of another namespace, another service or another address type are not this service's", () => {
    const other = slice("web", "a", [{ name: "http", port: 8080, protocol: "TCP" }], [{ ip: "10.244.2.2" }], "other");
    const v6: EndpointSlice = { ...webSlice(["10.244.2.3"]), addressType: "IPv6" };
    const p = plan([web()], [other, v6, slice("api", "a", [{ name: "http", port: 8080, protocol: "TCP" }], [{ ip: "10.244.2.4" }])]);
    assert.equal(rulesOf(p.restore, "filter", names.filterServices).length, 1, "still no endpoints");
  });
});

describe("terminating endpoints", () => {
  const conds = (...c: [string, typeof READY, string?][]) =>
    slice(
      "web",
      "a",
      [{ name: "http", port: 8080, protocol: "TCP" }],
      c.map(([ip, conditions, node]) => ({ ip, conditions, node: node ?? "node-b" })),
    );
  const targets = (restore: string, chain: string) => rulesOf(restore, "nat", chain).map((r) => /-> (\S+)"/.exec(r)?.[1]).filter(Boolean);

  test("ready endpoints only while there are any", () => {
    const p = plan([web()], [conds(["10.244.2.2", READY], ["10.244.2.3", SERVING_TERMINATING])]);
    assert.deepEqual(targets(p.restore, svc("web", "http")), ["10.244.2.2:8080"]);
  });

  test("none ready: the serving terminating ones, never those that stopped serving", () => {
    const p = plan([web()], [conds(["10.244.2.2", TERMINATING], ["10.244.2.3", SERVING_TERMINATING])]);
    assert.deepEqual(targets(p.restore, svc("web", "http")), ["10.244.2.3:8080"]);
  });

  test("Local policy: a local serving terminating endpoint when no local one is ready, even if remote ones are", () => {
    const p = plan(
      [web({ internalTrafficPolicy: "Local" })],
      [conds(["10.244.2.2", READY], ["10.244.1.3", SERVING_TERMINATING, NODE], ["10.244.1.4", TERMINATING, NODE])],
    );
    assert.deepEqual(targets(p.restore, svl("web", "http")), ["10.244.1.3:8080"]);
  });
});

describe("NodePort", () => {
  const np = (extra: Partial<Service["spec"]> = {}) => web({ type: "NodePort", ports: [{ name: "http", port: 80, protocol: "TCP", nodePort: 30080 }], ...extra });

  test("external policy Cluster: NODEPORTS -> EXT, which masquerades and goes to the service chain; NODEPORTS is jumped to last, for local addresses", () => {
    const p = plan([np()], [webSlice(["10.244.2.2"])]);
    assert.deepEqual(rulesOf(p.restore, "nat", names.nodePorts), [`-m comment --comment "default/web:http" -m tcp -p tcp --dport 30080 -j ${ext("web", "http")}`]);
    assert.deepEqual(rulesOf(p.restore, "nat", ext("web", "http")), [
      `-m comment --comment "masquerade traffic for default/web:http external destinations" -j ${names.markMasquerade}`,
      `-j ${svc("web", "http")}`,
    ]);
    assert.equal(
      rulesOf(p.restore, "nat", names.services).at(-1),
      `-m comment --comment "bosun service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j ${names.nodePorts}`,
    );
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterExternal), []);
  });

  test("no endpoints: REJECT on the node's addresses and on the cluster IP", () => {
    const p = plan([np()], []);
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterExternal), [
      '-m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT',
    ]);
    assert.equal(rulesOf(p.restore, "filter", names.filterServices).length, 1);
    assert.deepEqual(rulesOf(p.restore, "nat", names.nodePorts), []);
  });

  test("NodePorts only on given addresses (the node's InternalIPs); localhost skipped unless allowed", () => {
    const p = plan([np()], [webSlice(["10.244.2.2"])], { nodePortAddresses: ["192.0.2.10", "127.0.0.1"] });
    const jumps = rulesOf(p.restore, "nat", names.services).filter((r) => r.endsWith(`-j ${names.nodePorts}`));
    assert.deepEqual(jumps, [`-m comment --comment "bosun service nodeports; NOTE: this must be the last rule in this chain" -d 192.0.2.10/32 -j ${names.nodePorts}`]);
  });

  test("localhost NodePorts: no loopback exclusion, and outside packets to 127/8 are dropped", () => {
    const p = plan([np()], [webSlice(["10.244.2.2"])], { localhostNodePorts: true });
    assert.equal(
      rulesOf(p.restore, "nat", names.services).at(-1),
      `-m comment --comment "bosun service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j ${names.nodePorts}`,
    );
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterExternal), [
      '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ]);
  });

  test("external policy Local: only local endpoints for outside traffic, the client's address kept; pods and the node itself short-circuit to all", () => {
    const p = plan([np({ externalTrafficPolicy: "Local" })], [webSlice(["10.244.2.2"], ["10.244.1.7", NODE])]);
    assert.deepEqual(rulesOf(p.restore, "nat", ext("web", "http")), [
      `-m comment --comment "pod traffic for default/web:http external destinations" -s ${POD_CIDR} -j ${svc("web", "http")}`,
      `-m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j ${names.markMasquerade}`,
      `-m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j ${svc("web", "http")}`,
      `-j ${svl("web", "http")}`,
    ]);
    assert.deepEqual(rulesOf(p.restore, "nat", svl("web", "http")), [`-m comment --comment "default/web:http -> 10.244.1.7:8080" -j ${sep("web", "http", "10.244.1.7:8080")}`]);
    // The cluster IP still balances over every endpoint.
    assert.equal(rulesOf(p.restore, "nat", svc("web", "http")).length, 3);
  });

  test("external policy Local without local endpoints: outside traffic is dropped, not rejected; pods still get through", () => {
    const p = plan([np({ externalTrafficPolicy: "Local" })], [webSlice(["10.244.2.2"])]);
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterExternal), [
      '-m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP',
    ]);
    const extRules = rulesOf(p.restore, "nat", ext("web", "http"));
    assert.equal(extRules.length, 3);
    assert.equal(extRules.some((r) => r.includes(svl("web", "http"))), false);
    assert.equal(declared(p.restore, "nat").includes(svl("web", "http")), false);
  });

  test("external IPs go through EXT like NodePorts", () => {
    const p = plan([np({ externalIPs: ["198.51.100.1"] })], [webSlice(["10.244.2.2"])]);
    assert.ok(rulesOf(p.restore, "nat", names.services).includes(`-m comment --comment "default/web:http external IP" -m tcp -p tcp -d 198.51.100.1/32 --dport 80 -j ${ext("web", "http")}`));
  });
});

describe("internal traffic policy Local", () => {
  test("the cluster IP goes to the local endpoints only, masquerading outside sources there", () => {
    const p = plan([web({ internalTrafficPolicy: "Local" })], [webSlice(["10.244.2.2"], ["10.244.1.7", NODE])]);
    assert.match(rulesOf(p.restore, "nat", names.services)[0] ?? "", new RegExp(`--dport 80 -j ${svl("web", "http")}$`));
    assert.deepEqual(rulesOf(p.restore, "nat", svl("web", "http")), [
      `-m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 ! -s ${CLUSTER} -j ${names.markMasquerade}`,
      `-m comment --comment "default/web:http -> 10.244.1.7:8080" -j ${sep("web", "http", "10.244.1.7:8080")}`,
    ]);
    assert.equal(declared(p.restore, "nat").includes(svc("web", "http")), false, "no Cluster chain: nothing uses it");
    assert.equal(declared(p.restore, "nat").includes(sep("web", "http", "10.244.2.2:8080")), false, "remote endpoints are unreachable from here");
  });

  test("no local endpoint: DROP (the service has endpoints, just not here)", () => {
    const p = plan([web({ internalTrafficPolicy: "Local" })], [webSlice(["10.244.2.2"])]);
    assert.deepEqual(rulesOf(p.restore, "filter", names.filterServices), [
      '-m comment --comment "default/web:http has no local endpoints" -m tcp -p tcp -d 10.96.0.10/32 --dport 80 -j DROP',
    ]);
  });
});

describe("large clusters", () => {
  test("above 1000 endpoints the per-endpoint comments go", () => {
    const ips: [string][] = [];
    for (let i = 0; i < 1001; i++) ips.push([`10.244.${2 + Math.floor(i / 250)}.${(i % 250) + 1}`]);
    const p = plan([web()], [webSlice(...ips)]);
    const rules = rulesOf(p.restore, "nat", svc("web", "http"));
    assert.equal(rules.length, 1002);
    assert.match(rules[1] ?? "", /^-m statistic --mode random --probability 0\.0009990010 -j /);
    assert.match(rulesOf(p.restore, "nat", sep("web", "http", "10.244.2.1:8080"))[0] ?? "", /^-s 10\.244\.2\.1\/32 -j /);
  });
});

describe("syncing against iptables-save", () => {
  // What the host had before: Docker's and the pod network's rules, which must stay.
  const foreign = [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ":DOCKER - [0:0]",
    "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
    "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE",
    "COMMIT",
    "*filter",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":DOCKER-USER - [0:0]",
    "-A FORWARD -j DOCKER-USER",
    "COMMIT",
    "",
  ].join("\n");
  const services = [web({ type: "NodePort", ports: [{ name: "http", port: 80, protocol: "TCP", nodePort: 30080 }] }), service("empty", { clusterIP: "10.96.0.11", ports: [{ port: 53, protocol: "UDP" }] })];
  const slices = [webSlice(["10.244.2.2"], ["10.244.1.3", NODE])];
  const bodyOf = (restore: string) => restore.split("\n").filter((l) => !/^-[IDX] /.test(l));

  test("re-planning against its own applied output changes nothing but the declarations", () => {
    const host = new IptablesModel(foreign);
    const first = plan(services, slices, {}, host.save());
    host.restore(first.restore);
    const after = host.save();
    const second = plan(services, slices, {}, after);
    assert.deepEqual(
      second.restore.split("\n").filter((l) => /^-[IDX] /.test(l)),
      [],
      "no jump to add or remove, no chain to delete",
    );
    assert.deepEqual(bodyOf(second.restore), bodyOf(first.restore), "the same chains and rules");
    host.restore(second.restore);
    assert.equal(host.save(), after, "a fixpoint");
    for (const [parent, count] of [
      ["PREROUTING", 1],
      ["OUTPUT", 1],
      ["POSTROUTING", 1],
    ] as const) {
      assert.equal(host.rules("nat", parent).filter((r) => r.includes(names.prefix)).length, count, parent);
      assert.match(host.rules("nat", parent)[0] ?? "", new RegExp(names.prefix), `${parent} jumps to the proxy first`);
    }
    assert.equal(host.rules("filter", "FORWARD").filter((r) => r.includes(names.prefix)).length, 2);
    assert.deepEqual(host.rules("nat", "DOCKER"), []);
    assert.ok(host.rules("nat", "PREROUTING").includes("-m addrtype --dst-type LOCAL -j DOCKER"), "other rules stay");
    assert.ok(host.rules("filter", "FORWARD").includes("-j DOCKER-USER"));
  });

  test("a removed endpoint's and a removed service's chains are deleted; a rule changed by hand comes back", () => {
    const host = new IptablesModel(foreign);
    host.restore(plan(services, slices, {}, host.save()).restore);
    const gone = sep("web", "http", "10.244.2.2:8080");
    assert.ok(host.chains("nat").includes(gone));
    host.restore(`*nat\n-A ${svc("web", "http")} -j ACCEPT\n-D ${names.services} ${rulesOf(plan(services, slices).restore, "nat", names.services)[0]}\nCOMMIT\n`);

    const fewer = plan(services, [webSlice(["10.244.1.3", NODE])], {}, host.save());
    assert.deepEqual(fewer.staleChains, [gone]);
    host.restore(fewer.restore);
    assert.equal(host.chains("nat").includes(gone), false);
    assert.equal(host.rules("nat", svc("web", "http")).includes("-j ACCEPT"), false);
    assert.match(host.rules("nat", names.services)[0] ?? "", /cluster IP/);

    const none = plan([], [], {}, host.save());
    host.restore(none.restore);
    assert.deepEqual(
      host.chains("nat").filter((c) => c.startsWith(names.prefix)),
      [names.services, names.nodePorts, names.postrouting, names.markMasquerade],
    );
    assert.deepEqual(host.rules("filter", names.filterServices), []);
  });

  test("jumps: exactly one from each built-in chain; duplicates and jumps from elsewhere go", () => {
    const host = new IptablesModel(foreign);
    host.restore(plan(services, slices, {}, host.save()).restore);
    host.restore(
      [
        "*nat",
        `-A PREROUTING -m comment --comment "${names.comment}" -j ${names.services}`,
        `-A POSTROUTING -j ${names.services}`,
        `-D OUTPUT -m comment --comment "${names.comment}" -j ${names.services}`,
        "COMMIT",
        "",
      ].join("\n"),
    );
    const p = plan(services, slices, {}, host.save());
    assert.deepEqual(
      p.restore.split("\n").filter((l) => /^-[ID] (PREROUTING|OUTPUT|POSTROUTING) /.test(l)),
      [
        `-D PREROUTING -m comment --comment "${names.comment}" -j ${names.services}`,
        `-D POSTROUTING -j ${names.services}`,
        `-I OUTPUT 1 -m comment --comment "${names.comment}" -j ${names.services}`,
      ],
    );
    host.restore(p.restore);
    assert.equal(host.rules("nat", "PREROUTING").filter((r) => r.endsWith(`-j ${names.services}`)).length, 1);
    assert.equal(host.rules("nat", "OUTPUT").filter((r) => r.endsWith(`-j ${names.services}`)).length, 1);
    assert.equal(host.rules("nat", "POSTROUTING").filter((r) => r.endsWith(`-j ${names.services}`)).length, 0);
  });

  test("two nodes on one host keep their chains apart", () => {
    const host = new IptablesModel(foreign);
    host.restore(plan(services, slices, {}, host.save()).restore);
    const b = planProxyRules({ nodeName: "node-b", services, endpointSlices: slices, clusterCidr: CLUSTER, podCidr: "10.244.2.0/24" }, host.save());
    assert.deepEqual(b.staleChains, []);
    host.restore(b.restore);
    const before = host.chains("nat").filter((c) => c.startsWith(names.prefix));
    host.restore(plan(services, slices, {}, host.save()).restore);
    assert.deepEqual(host.chains("nat").filter((c) => c.startsWith(names.prefix)), before);
    assert.equal(host.rules("nat", "PREROUTING").filter((r) => r.includes("bosun service proxy")).length, 2);
  });

  test("cleanup removes every chain of the node's proxy and the jumps to them, and nothing else", () => {
    const host = new IptablesModel(foreign);
    host.restore(plan(services, slices, {}, host.save()).restore);
    host.restore(planProxyRules({ nodeName: "node-b", services, endpointSlices: slices, clusterCidr: CLUSTER, podCidr: "10.244.2.0/24" }, host.save()).restore);
    const other = proxyChainNames("node-b");
    const before = host.save();
    const input = proxyCleanupInput(NODE, before);
    assert.ok(input);
    host.restore(input);
    assert.deepEqual(
      [...host.chains("nat"), ...host.chains("filter")].filter((c) => c.startsWith(names.prefix)),
      [],
    );
    assert.equal(host.save().includes(names.prefix), false);
    assert.ok(host.chains("nat").includes(other.services), "the other node's chains stay");
    assert.equal(host.rules("nat", "PREROUTING").filter((r) => r.includes(other.services)).length, 1);
    assert.ok(host.rules("nat", "PREROUTING").includes("-m addrtype --dst-type LOCAL -j DOCKER"));
    assert.equal(proxyCleanupInput(NODE, host.save()), undefined, "nothing left to remove");
  });
});
