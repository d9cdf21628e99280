// The cluster zone's records as pure lookups: every name shape CoreDNS's kubernetes
// plugin answers, NXDOMAIN and NODATA with the SOA, and what is left to upstreams.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Answer, Question } from "dns-packet";
import { ClusterRecords, type ZoneAnswer } from "../src/dns/records.js";
import { ClusterRecordsSource } from "../src/dns/records-source.js";
import { endpoint, service, slice, testCluster } from "./dns-fixtures.js";

const records = new ClusterRecords(testCluster(), { serial: 1700000000, nameserver: "10.244.0.1" });

function ask(name: string, type: Question["type"] = "A", r: ClusterRecords = records): ZoneAnswer {
  const answer = r.resolve({ name, type, class: "IN" });
  assert.ok(answer, `${type} ${name} should be answered by the cluster zone`);
  return answer;
}

/** The answers' data, as "TYPE data" strings, sorted when order does not matter. */
function data(answers: Answer[], sorted = true): string[] {
  const out = answers.map((a) => `${a.type} ${"data" in a ? (typeof a.data === "object" ? JSON.stringify(a.data) : String(a.data)) : ""}`);
  return sorted ? out.sort() : out;
}

function assertNxdomain(name: string, type: Question["type"] = "A") {
  const a = ask(name, type);
  assert.equal(a.rcode, "NXDOMAIN", `${type} ${name}`);
  assert.deepEqual(a.answers, []);
  assert.deepEqual(a.authorities.map((r) => r.type), ["SOA"]);
}

function assertNodata(name: string, type: Question["type"] = "A", r: ClusterRecords = records) {
  const a = ask(name, type, r);
  assert.equal(a.rcode, "NOERROR", `${type} ${name}`);
  assert.deepEqual(a.answers, [], `${type} ${name} has no answers`);
  assert.deepEqual(a.authorities.map((rr) => rr.type), ["SOA"]);
}

describe("Service names", () => {
  test("A for a ClusterIP Service is its ClusterIP, with the 5 s TTL and the name as asked", () => {
    const a = ask("web.default.svc.cluster.local");
    assert.equal(a.rcode, "NOERROR");
    assert.deepEqual(a.answers, [{ type: "A", name: "web.default.svc.cluster.local", ttl: 5, class: "IN", data: "10.96.0.10" }]);
    assert.deepEqual(a.authorities, []);
  });

  test("names match in any case and with the root's dot; answers keep the asker's spelling", () => {
    const a = ask("WEB.Default.SVC.Cluster.Local.");
    assert.deepEqual(data(a.answers), ["A 10.96.0.10"]);
    assert.equal(a.answers[0]!.name, "WEB.Default.SVC.Cluster.Local.");
  });

  test("AAAA for an IPv4-only Service is NODATA with the SOA", () => {
    assertNodata("web.default.svc.cluster.local", "AAAA");
  });

  test("a dual-stack Service answers A and AAAA with its ClusterIPs", () => {
    assert.deepEqual(data(ask("api.other.svc.cluster.local").answers), ["A 10.96.0.20"]);
    assert.deepEqual(data(ask("api.other.svc.cluster.local", "AAAA").answers), ["AAAA fd00:96::20"]);
  });

  test("a headless Service answers one A per ready endpoint; not-ready ones are left out, absent conditions count as ready", () => {
    assert.deepEqual(data(ask("db.default.svc.cluster.local").answers), ["A 10.244.1.10", "A 10.244.2.11", "A 10.244.3.12"]);
    assertNodata("db.default.svc.cluster.local", "AAAA");
  });

  test("publishNotReadyAddresses publishes endpoints that are not ready", () => {
    assert.deepEqual(data(ask("nr.default.svc.cluster.local").answers), ["A 10.244.1.20"]);
    assert.deepEqual(data(ask("etcd-0.nr.default.svc.cluster.local").answers), ["A 10.244.1.20"]);
  });

  test("a headless Service without ready endpoints is NXDOMAIN, as CoreDNS answers it", () => {
    assertNxdomain("lonely.default.svc.cluster.local");
  });

  test("a ClusterIP Service without endpoints still has its A record", () => {
    const r = new ClusterRecords({ services: [service("default", "web", { clusterIP: "10.96.0.10", ports: [{ port: 80 }] })], endpointSlices: [] });
    assert.deepEqual(data(ask("web.default.svc.cluster.local", "A", r).answers), ["A 10.96.0.10"]);
  });

  test("a Service without ports still resolves, and has no SRV records", () => {
    const r = new ClusterRecords({ services: [service("default", "bare", { clusterIP: "10.96.0.11" })], endpointSlices: [] });
    assert.deepEqual(data(ask("bare.default.svc.cluster.local", "A", r).answers), ["A 10.96.0.11"]);
    assertNodata("bare.default.svc.cluster.local", "SRV", r);
  });
});

describe("endpoint names", () => {
  test("a StatefulSet pod's hostname under its headless Service (web-0.web) is its address", () => {
    assert.deepEqual(data(ask("db-0.db.default.svc.cluster.local").answers), ["A 10.244.1.10"]);
    assert.deepEqual(data(ask("db-1.db.default.svc.cluster.local").answers), ["A 10.244.2.11"]);
  });

  test("an endpoint without hostname is named by its address with dashes", () => {
    assert.deepEqual(data(ask("10-244-3-12.db.default.svc.cluster.local").answers), ["A 10.244.3.12"]);
  });

  test("endpoints of a ClusterIP Service are named too, as CoreDNS names them", () => {
    assert.deepEqual(data(ask("10-244-1-5.web.default.svc.cluster.local").answers), ["A 10.244.1.5"]);
  });

  test("an IPv6 endpoint's name has dashes for colons and answers AAAA", () => {
    assert.deepEqual(data(ask("fd00-244--30.api.other.svc.cluster.local", "AAAA").answers), ["AAAA fd00:244::30"]);
    assertNodata("fd00-244--30.api.other.svc.cluster.local", "A");
  });

  test("a not-ready endpoint and an unknown one are NXDOMAIN", () => {
    assertNxdomain("db-3.db.default.svc.cluster.local");
    assertNxdomain("db-9.db.default.svc.cluster.local");
    assertNxdomain("10-244-3-7.web.default.svc.cluster.local");
  });

  test("endpoints of several slices are merged, addresses given twice answered once", () => {
    const r = new ClusterRecords({
      services: [service("default", "h", { clusterIP: "None", ports: [{ name: "p", port: 1 }] })],
      endpointSlices: [
        slice("default", "h", [endpoint("10.244.1.1", { ready: true })], [{ name: "p", port: 1 }], "IPv4", "a"),
        slice("default", "h", [endpoint("10.244.1.2", { ready: true }), endpoint("10.244.1.1", { ready: true })], [{ name: "p", port: 1 }], "IPv4", "b"),
        // FQDN slices are not addresses; slices of Services that do not exist are nobody's.
        slice("default", "h", [{ addresses: ["db.example.com"] }], [{ name: "p", port: 1 }], "FQDN", "c"),
        slice("default", "gone", [endpoint("10.244.9.9", { ready: true })], [], "IPv4", "d"),
      ],
    });
    assert.deepEqual(data(ask("h.default.svc.cluster.local", "A", r).answers), ["A 10.244.1.1", "A 10.244.1.2"]);
    assert.equal(r.resolve({ name: "9.9.244.10.in-addr.arpa", type: "PTR" }), undefined);
  });
});

describe("SRV records", () => {
  const srv = (name: string) => ask(name, "SRV");

  test("a named port of a ClusterIP Service points at the Service's name, with its address in the additional section", () => {
    const a = srv("_http._tcp.web.default.svc.cluster.local");
    assert.deepEqual(a.answers, [
      { type: "SRV", name: "_http._tcp.web.default.svc.cluster.local", ttl: 5, class: "IN", data: { priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" } },
    ]);
    assert.deepEqual(a.additionals, [{ type: "A", name: "web.default.svc.cluster.local", ttl: 5, class: "IN", data: "10.96.0.10" }]);
  });

  test("the protocol label must match the port's protocol", () => {
    assert.deepEqual(data(srv("_dns._udp.web.default.svc.cluster.local").answers), [
      `SRV ${JSON.stringify({ priority: 0, weight: 100, port: 53, target: "web.default.svc.cluster.local" })}`,
    ]);
    assertNxdomain("_dns._tcp.web.default.svc.cluster.local", "SRV");
    assertNxdomain("_nope._tcp.web.default.svc.cluster.local", "SRV");
  });

  test("labels without underscores are read as port and protocol too, as CoreDNS reads them", () => {
    assert.equal(srv("http.tcp.web.default.svc.cluster.local").answers.length, 1);
  });

  test("SRV of the Service's own name lists every port, the weight shared", () => {
    const a = srv("web.default.svc.cluster.local");
    assert.deepEqual(
      a.answers.map((r) => (r.type === "SRV" ? [r.data.port, r.data.weight, r.data.target] : [])),
      [
        [80, 50, "web.default.svc.cluster.local"],
        [53, 50, "web.default.svc.cluster.local"],
      ],
    );
    assert.deepEqual(data(a.additionals), ["A 10.96.0.10"]);
  });

  test("a headless Service's named port lists each ready endpoint by hostname (or dashed address) with the endpoint's port", () => {
    const a = srv("_pg._tcp.db.default.svc.cluster.local");
    assert.deepEqual(
      a.answers.map((r) => (r.type === "SRV" ? `${r.data.target}:${r.data.port} w${r.data.weight}` : "")).sort(),
      ["10-244-3-12.db.default.svc.cluster.local:5432 w33", "db-0.db.default.svc.cluster.local:5432 w33", "db-1.db.default.svc.cluster.local:5432 w33"],
    );
    assert.deepEqual(
      a.additionals.map((r) => `${r.name} ${r.type === "A" ? r.data : ""}`).sort(),
      ["10-244-3-12.db.default.svc.cluster.local 10.244.3.12", "db-0.db.default.svc.cluster.local 10.244.1.10", "db-1.db.default.svc.cluster.local 10.244.2.11"],
    );
  });

  test("an unnamed port is listed for the bare name, with A and AAAA of a dual-stack Service", () => {
    const a = srv("api.other.svc.cluster.local");
    assert.equal(a.answers.length, 1);
    assert.deepEqual(data(a.additionals), ["A 10.96.0.20", "AAAA fd00:96::20"]);
  });

  test("an ExternalName Service has no SRV records: NODATA", () => {
    assertNodata("ext.default.svc.cluster.local", "SRV");
  });

  test("too many labels left of a Service are NXDOMAIN", () => {
    assertNxdomain("a._http._tcp.web.default.svc.cluster.local", "SRV");
  });
});

describe("ExternalName", () => {
  test("CNAME to the external name", () => {
    assert.deepEqual(ask("ext.default.svc.cluster.local", "CNAME").answers, [
      { type: "CNAME", name: "ext.default.svc.cluster.local", ttl: 5, class: "IN", data: "example.com" },
    ]);
  });

  test("A gives the CNAME and asks the server to complete it upstream", () => {
    const a = ask("ext.default.svc.cluster.local");
    assert.deepEqual(data(a.answers), ["CNAME example.com"]);
    assert.equal(a.externalTarget, "example.com");
  });

  test("a target inside the zone is followed here", () => {
    const a = ask("alias.default.svc.cluster.local");
    assert.deepEqual(data(a.answers, false), ["CNAME web.default.svc.cluster.local", "A 10.96.0.10"]);
    assert.equal(a.answers[1]!.name, "web.default.svc.cluster.local");
    assert.equal(a.externalTarget, undefined);
  });

  test("a CNAME to itself and a loop of two end in NODATA, not in a hang", () => {
    assertNodata("loop.default.svc.cluster.local");
    assertNodata("ping.default.svc.cluster.local");
  });

  test("an ExternalName has no endpoints: names under it are NXDOMAIN", () => {
    assertNxdomain("x.ext.default.svc.cluster.local");
  });

  test("a ClusterIP Service is no CNAME: NODATA", () => {
    assertNodata("web.default.svc.cluster.local", "CNAME");
  });
});

describe("pod names", () => {
  test("1-2-3-4.ns.pod answers A 1.2.3.4, without checking that a pod has it (pods insecure)", () => {
    assert.deepEqual(ask("10-244-1-99.default.pod.cluster.local").answers, [
      { type: "A", name: "10-244-1-99.default.pod.cluster.local", ttl: 5, class: "IN", data: "10.244.1.99" },
    ]);
    assertNodata("10-244-1-99.default.pod.cluster.local", "AAAA");
  });

  test("IPv6 pod names use dashes for colons", () => {
    assert.deepEqual(data(ask("fd00--1.default.pod.cluster.local", "AAAA").answers), ["AAAA fd00::1"]);
    assertNodata("fd00--1.default.pod.cluster.local", "A");
  });

  test("a name that is no address, a namespace that does not exist and extra labels are NXDOMAIN", () => {
    assertNxdomain("300-1-1-1.default.pod.cluster.local");
    assertNxdomain("web.default.pod.cluster.local");
    assertNxdomain("1-2-3-4.nosuch.pod.cluster.local");
    assertNxdomain("x.1-2-3-4.default.pod.cluster.local");
  });

  test("namespaces given explicitly decide which exist, also for namespaces without Services", () => {
    const r = new ClusterRecords({ ...testCluster(), namespaces: ["default", "other", "empty"] });
    assert.deepEqual(data(ask("1-2-3-4.empty.pod.cluster.local", "A", r).answers), ["A 1.2.3.4"]);
    assertNodata("empty.svc.cluster.local", "A", r);
    assert.equal(ask("1-2-3-4.nosuch.pod.cluster.local", "A", r).rcode, "NXDOMAIN");
  });
});

describe("PTR", () => {
  const ptr = (name: string) => records.resolve({ name, type: "PTR" });

  test("a ClusterIP's reverse name points at its Service", () => {
    assert.deepEqual(ptr("10.0.96.10.in-addr.arpa")?.answers, [
      { type: "PTR", name: "10.0.96.10.in-addr.arpa", ttl: 5, class: "IN", data: "web.default.svc.cluster.local" },
    ]);
  });

  test("an IPv6 ClusterIP's ip6.arpa name points at its Service", () => {
    // fd00:96::20 spelled as 32 nibbles, reversed.
    const nibbles = "fd000096000000000000000000000020".split("").reverse().join(".");
    assert.deepEqual(data(ptr(`${nibbles}.ip6.arpa`)?.answers ?? []), ["PTR api.other.svc.cluster.local"]);
  });

  test("a headless endpoint's address points at its hostname name; others at their dashed name", () => {
    assert.deepEqual(data(ptr("10.1.244.10.in-addr.arpa")?.answers ?? []), ["PTR db-0.db.default.svc.cluster.local"]);
    assert.deepEqual(data(ptr("12.3.244.10.in-addr.arpa")?.answers ?? []), ["PTR 10-244-3-12.db.default.svc.cluster.local"]);
    assert.deepEqual(data(ptr("5.1.244.10.in-addr.arpa")?.answers ?? []), ["PTR 10-244-1-5.web.default.svc.cluster.local"]);
  });

  test("addresses the cluster does not know, partial reverse names and other types go upstream", () => {
    assert.equal(ptr("4.3.2.1.in-addr.arpa"), undefined);
    assert.equal(ptr("7.3.244.10.in-addr.arpa"), undefined, "a not-ready endpoint has no PTR");
    assert.equal(ptr("96.10.in-addr.arpa"), undefined);
    assert.equal(records.resolve({ name: "10.0.96.10.in-addr.arpa", type: "A" }), undefined);
  });
});

describe("the zone itself", () => {
  test("names that do not exist are NXDOMAIN with the zone's SOA (TTL 5, CoreDNS's fields)", () => {
    const a = ask("nope.default.svc.cluster.local");
    assert.equal(a.rcode, "NXDOMAIN");
    assert.deepEqual(a.authorities, [
      {
        type: "SOA",
        name: "cluster.local",
        ttl: 5,
        class: "IN",
        data: { mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local", serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
      },
    ]);
    assertNxdomain("web.nosuch.svc.cluster.local");
    assertNxdomain("nosuch.svc.cluster.local");
    assertNxdomain("foo.cluster.local");
    assertNxdomain("web.default.cluster.local");
    assertNxdomain("nope.default.svc.cluster.local", "MX");
  });

  test("names that exist without records of the type are NODATA: namespaces, svc, pod, the apex, other types", () => {
    assertNodata("default.svc.cluster.local");
    assertNodata("svc.cluster.local");
    assertNodata("pod.cluster.local");
    assertNodata("default.pod.cluster.local");
    assertNodata("cluster.local");
    assertNodata("web.default.svc.cluster.local", "MX");
    assertNodata("web.default.svc.cluster.local", "TXT");
    assertNodata("web.default.svc.cluster.local", "PTR");
  });

  test("the apex has the SOA, and NS ns.dns.<zone> with the server's address as glue", () => {
    assert.deepEqual(data(ask("cluster.local", "SOA").answers), [
      `SOA ${JSON.stringify({ mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local", serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 })}`,
    ]);
    const ns = ask("cluster.local", "NS");
    assert.deepEqual(data(ns.answers), ["NS ns.dns.cluster.local"]);
    assert.deepEqual(ns.additionals, [{ type: "A", name: "ns.dns.cluster.local", ttl: 5, class: "IN", data: "10.244.0.1" }]);
    assert.deepEqual(data(ask("ns.dns.cluster.local").answers), ["A 10.244.0.1"]);
  });

  test("without a nameserver address the apex has no NS and ns.dns does not exist", () => {
    const r = new ClusterRecords(testCluster());
    assertNodata("cluster.local", "NS", r);
    assert.equal(ask("ns.dns.cluster.local", "A", r).rcode, "NXDOMAIN");
  });

  test("dns-version answers the schema version as TXT", () => {
    assert.deepEqual(ask("dns-version.cluster.local", "TXT").answers, [{ type: "TXT", name: "dns-version.cluster.local", ttl: 28800, class: "IN", data: "1.1.0" }]);
  });

  test("names outside the zone are not the zone's", () => {
    for (const name of ["example.com", "cluster.local.example.com", "xcluster.local", "local", "."]) {
      assert.equal(records.resolve({ name, type: "A" }), undefined, name);
    }
  });

  test("the cluster domain is a parameter", () => {
    const r = new ClusterRecords(testCluster(), { domain: "Corp.Example." });
    assert.equal(r.domain, "corp.example");
    assert.deepEqual(data(ask("web.default.svc.corp.example", "A", r).answers), ["A 10.96.0.10"]);
    assert.equal(r.resolve({ name: "web.default.svc.cluster.local", type: "A" }), undefined);
    assert.deepEqual(data(r.resolve({ name: "10.0.96.10.in-addr.arpa", type: "PTR" })?.answers ?? []), ["PTR web.default.svc.corp.example"]);
    // ExternalName targets under cluster.local are outside this zone now.
    assert.equal(ask("alias.default.svc.corp.example", "A", r).externalTarget, "web.default.svc.cluster.local");
  });

  test("bad options are refused with what to pass instead", () => {
    assert.throws(() => new ClusterRecords(testCluster(), { domain: "a..b" }), /cluster domain "a\.\.b" is not a DNS name/);
    assert.throws(() => new ClusterRecords(testCluster(), { ttlSeconds: -1 }), /DNS TTL -1/);
    assert.throws(() => new ClusterRecords(testCluster(), { nameserver: "gateway" }), /"gateway" is not an IP address/);
  });
});

describe("ClusterRecordsSource", () => {
  test("rebuilds from the snapshot only after invalidate(), with the SOA serial of the change", () => {
    let now = 1_700_000_000_500;
    let reads = 0;
    const cluster = testCluster();
    const source = new ClusterRecordsSource(
      () => {
        reads++;
        return cluster;
      },
      { now: () => now, nameserver: "10.244.0.1" },
    );
    const first = source.records();
    assert.equal(source.records(), first);
    assert.equal(reads, 1);
    const soaSerial = (r: ClusterRecords) => {
      const soa = r.resolve({ name: "cluster.local", type: "SOA" })!.answers[0]!;
      return soa.type === "SOA" ? soa.data.serial : undefined;
    };
    assert.equal(soaSerial(first), 1_700_000_000);

    cluster.services.push(service("default", "new", { clusterIP: "10.96.0.99", ports: [{ port: 1 }] }));
    assert.equal(first.resolve({ name: "new.default.svc.cluster.local", type: "A" })!.rcode, "NXDOMAIN");
    now += 60_000;
    source.invalidate();
    source.invalidate();
    const second = source.records();
    assert.equal(reads, 2);
    assert.deepEqual(data(second.resolve({ name: "new.default.svc.cluster.local", type: "A" })!.answers), ["A 10.96.0.99"]);
    assert.equal(soaSerial(second), 1_700_000_060);
  });

  test("bad options fail when the source is made, not at the first query", () => {
    assert.throws(() => new ClusterRecordsSource(() => testCluster(), { domain: "" }), /is not a DNS name/);
  });
});
