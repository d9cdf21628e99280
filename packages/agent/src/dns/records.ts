// The cluster zone's records, answered from a snapshot of Services and EndpointSlices
// as CoreDNS's kubernetes plugin answers them (plugin/kubernetes: parse.go,
// kubernetes.go findServices/findPods, reverse.go; plugin/backend_lookup.go), with
// its default Corefile's options: `pods insecure` and `fallthrough in-addr.arpa
// ip6.arpa`. Pure: the snapshot is indexed once, then every question is a lookup, so
// the server rebuilds this when the informers change and never blocks on them.
//
// Names under the zone:
//   svc.ns.svc.<zone>                A/AAAA: the ClusterIPs; headless: each ready endpoint;
//                                    ExternalName: a CNAME to spec.externalName
//   ep.svc.ns.svc.<zone>             an endpoint, by its hostname (StatefulSet pods) or
//                                    its dashed address (10-244-1-5)
//   _port._proto.svc.ns.svc.<zone>   SRV for a named port (without the labels: every port)
//   1-2-3-4.ns.pod.<zone>            A 1.2.3.4, for any address (`pods insecure`)
//   dns-version.<zone>               TXT, the DNS schema version
// and PTR for ClusterIPs and endpoint addresses. A name under the zone that does not
// exist is NXDOMAIN, an existing name without records of the asked type NODATA, both
// with the zone's SOA in the authority section. Everything else, and reverse names
// of addresses the cluster does not know, is not the zone's: the server forwards it.
import type { Answer, Question } from "dns-packet";
import { clusterIPNone, serviceNameLabel, type EndpointSlice, type Service } from "@bosun/api";
import { addressFromReverseName, canonicalIp, isReverseName, parseAddress, type Address } from "./reverse-names.js";

export const defaultClusterDomain = "cluster.local";
/** CoreDNS's default TTL for every record of the kubernetes plugin. */
export const defaultDnsTtlSeconds = 5;

/** https://github.com/kubernetes/dns/blob/master/docs/specification.md, as CoreDNS reports it. */
const dnsSchemaVersion = "1.1.0";
const dnsVersionTtlSeconds = 28800;
/** How many CNAMEs inside the zone an answer follows before it gives up, as CoreDNS. */
const maxCnameChain = 8;

export interface ClusterSnapshot {
  services: Iterable<Service>;
  endpointSlices: Iterable<EndpointSlice>;
  /**
   * The namespaces that exist: names in other namespaces are NXDOMAIN, as CoreDNS
   * answers them. Without it, a namespace exists when a Service or EndpointSlice
   * lives in it, so pod records (1-2-3-4.ns.pod) of a namespace without Services
   * are NXDOMAIN.
   */
  namespaces?: Iterable<string>;
}

export interface ClusterRecordsOptions {
  /** The cluster domain; default "cluster.local". */
  domain?: string;
  /** The TTL of every record; default 5 s. */
  ttlSeconds?: number;
  /** The zone's SOA serial: when the view last changed, in Unix seconds, as CoreDNS's. Default 0. */
  serial?: number;
  /** The server's own address: answered for ns.dns.<domain> and as the apex's NS. */
  nameserver?: string;
}

/** The zone's answer to one question, ready to go into a response. */
export interface ZoneAnswer {
  rcode: "NOERROR" | "NXDOMAIN";
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /**
   * The answer ends in a CNAME to a name outside the zone (an ExternalName Service):
   * the server completes it with an upstream answer for this name, as CoreDNS does,
   * since a pod's stub resolver does not follow CNAMEs by itself.
   */
  externalTarget?: string;
}

/** A port as SRV records use it; port -1 stands for "no ports declared" (CoreDNS's sentinel). */
interface PortEntry {
  name: string;
  protocol: string;
  port: number;
}

interface EndpointEntry extends Address {
  /** The endpoint's first label: its hostname, or its address with dashes. */
  label: string;
  ports: readonly PortEntry[];
}

interface ServiceEntry {
  kind: "ClusterIP" | "Headless" | "ExternalName";
  fqdn: string;
  clusterIPs: Address[];
  ports: PortEntry[];
  externalName: string;
  endpoints: EndpointEntry[];
  publishNotReadyAddresses: boolean;
}

/**
 * What a name stands for, as CoreDNS's msg.Service: an address, with the port and
 * owner name an SRV record takes from it, or another name.
 */
type Target = { kind: "address"; ip: string; family: 4 | 6; port: number; owner: string } | { kind: "alias"; name: string };

/** The targets of an existing name (none: NODATA for every type), or "nxdomain". */
type Lookup = Target[] | "nxdomain";

interface ServiceQuery {
  endpoint?: string;
  port?: string;
  protocol?: string;
}

/** A query name as the index keys it: lower case, without the root's dot. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, "");
}

function checkDomain(domain: string): string {
  const d = normalizeName(domain).replace(/^\.+/, "");
  const labels = d.split(".");
  if (d === "" || labels.some((l) => l === "" || l.length > 63) || d.length > 253) {
    throw new Error(`cluster domain "${domain}" is not a DNS name; pass one such as "cluster.local"`);
  }
  return d;
}

function stripUnderscore(label: string): string {
  return label.startsWith("_") ? label.slice(1) : label;
}

function portMatches(p: PortEntry, q: ServiceQuery): boolean {
  return (q.port === undefined || q.port === p.name) && (q.protocol === undefined || q.protocol === p.protocol);
}

function portEntry(name: string | undefined, protocol: string | undefined, port: number | undefined): PortEntry {
  return { name: (name ?? "").toLowerCase(), protocol: (protocol ?? "TCP").toLowerCase(), port: port ?? -1 };
}

/** The address a pod name stands for: 1-2-3-4 is 1.2.3.4, fd00--1 is fd00::1. */
function podAddress(label: string): Address | undefined {
  const dashes = label.split("-").length - 1;
  return parseAddress(dashes === 3 && !label.includes("--") ? label.replaceAll("-", ".") : label.replaceAll("-", ":"));
}

export class ClusterRecords {
  readonly domain: string;
  private readonly ttl: number;
  private readonly serial: number;
  private readonly nameserver: Address | undefined;
  /** By "name.namespace". */
  private readonly services = new Map<string, ServiceEntry>();
  private readonly namespaces = new Set<string>();
  /** Canonical address -> the names its PTR records point at. */
  private readonly reverse = new Map<string, string[]>();

  constructor(snapshot: ClusterSnapshot, options: ClusterRecordsOptions = {}) {
    this.domain = checkDomain(options.domain ?? defaultClusterDomain);
    const ttl = options.ttlSeconds ?? defaultDnsTtlSeconds;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2 ** 31 - 1) {
      throw new Error(`DNS TTL ${ttl} is not a whole number of seconds between 0 and 2147483647; pass one such as 5`);
    }
    this.ttl = ttl;
    this.serial = (options.serial ?? 0) >>> 0;
    if (options.nameserver !== undefined) {
      this.nameserver = parseAddress(options.nameserver);
      if (this.nameserver === undefined) throw new Error(`DNS nameserver address "${options.nameserver}" is not an IP address; pass the address the server listens on`);
    }
    this.index(snapshot);
  }

  /**
   * The zone's answer to the question, or undefined when the name is not the zone's
   * (outside it, or a reverse name of an address the cluster does not know): the
   * server forwards those upstream.
   */
  resolve(question: Question): ZoneAnswer | undefined {
    const name = normalizeName(question.name);
    if (isReverseName(name)) return this.resolveReverse(question, name);
    const relative = this.relativeName(name);
    if (relative === undefined) return undefined;
    return this.answer(question.name, question.type, relative, 0);
  }

  /** Whether the name lies in the cluster zone (reverse names aside). */
  inZone(name: string): boolean {
    return this.relativeName(normalizeName(name)) !== undefined;
  }

  // ---- indexing ----

  private index(snapshot: ClusterSnapshot): void {
    const clusterIPNames = new Map<string, string>();
    for (const svc of snapshot.services) {
      const name = svc.metadata.name;
      const namespace = svc.metadata.namespace ?? "default";
      if (!name) continue;
      const spec = svc.spec ?? {};
      const fqdn = `${name}.${namespace}.svc.${this.domain}`.toLowerCase();
      const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      const kind = spec.type === "ExternalName" ? "ExternalName" : ips[0] === clusterIPNone ? "Headless" : "ClusterIP";
      const clusterIPs = kind === "ClusterIP" ? ips.flatMap((ip) => parseAddress(ip) ?? []) : [];
      const ports = spec.ports?.length ? spec.ports.map((p) => portEntry(p.name, p.protocol, p.port)) : [portEntry(undefined, undefined, undefined)];
      this.services.set(`${name}.${namespace}`.toLowerCase(), {
        kind,
        fqdn,
        clusterIPs,
        ports,
        externalName: normalizeName(spec.externalName ?? ""),
        endpoints: [],
        publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
      });
      this.namespaces.add(namespace.toLowerCase());
      for (const { ip } of clusterIPs) clusterIPNames.set(ip, fqdn);
    }

    const endpointNames = new Map<string, string[]>();
    for (const slice of snapshot.endpointSlices) {
      const namespace = slice.metadata.namespace ?? "default";
      this.namespaces.add(namespace.toLowerCase());
      const serviceName = slice.metadata.labels?.[serviceNameLabel];
      const svc = serviceName === undefined ? undefined : this.services.get(`${serviceName}.${namespace}`.toLowerCase());
      if (svc === undefined || svc.kind === "ExternalName" || slice.addressType === "FQDN") continue;
      const ports = slice.ports?.length ? slice.ports.map((p) => portEntry(p.name, p.protocol, p.port)) : [portEntry(undefined, undefined, undefined)];
      for (const endpoint of slice.endpoints) {
        // An absent ready condition means unknown, which consumers read as ready.
        if (!svc.publishNotReadyAddresses && endpoint.conditions?.ready === false) continue;
        for (const text of endpoint.addresses) {
          const a = parseAddress(text);
          if (a === undefined) continue;
          const { ip } = a;
          const label = (endpoint.hostname || ip.replaceAll(/[.:]/g, "-")).toLowerCase();
          svc.endpoints.push({ ...a, label, ports });
          const names = endpointNames.get(ip) ?? [];
          const owner = `${label}.${svc.fqdn}`;
          if (!names.includes(owner)) names.push(owner);
          endpointNames.set(ip, names);
        }
      }
    }

    // A ClusterIP's PTR names its Service alone; other addresses name every endpoint they are.
    for (const [ip, names] of endpointNames) this.reverse.set(ip, names);
    for (const [ip, fqdn] of clusterIPNames) this.reverse.set(ip, [fqdn]);

    if (snapshot.namespaces !== undefined) {
      this.namespaces.clear();
      for (const ns of snapshot.namespaces) this.namespaces.add(ns.toLowerCase());
    }
  }

  // ---- answering ----

  /** The name relative to the zone ("" for the apex), or undefined when outside it. */
  private relativeName(name: string): string | undefined {
    if (name === this.domain) return "";
    if (name.endsWith(`.${this.domain}`)) return name.slice(0, -this.domain.length - 1);
    return undefined;
  }

  private answer(qname: string, type: string, relative: string, depth: number): ZoneAnswer {
    if (relative === "") return this.apex(qname, type);
    if (relative === "dns-version" && type === "TXT") {
      return this.records([{ type: "TXT", name: qname, ttl: dnsVersionTtlSeconds, class: "IN", data: dnsSchemaVersion }]);
    }
    const found = this.lookup(relative);
    if (found === "nxdomain") return this.negative("NXDOMAIN");
    switch (type) {
      case "A":
        return this.addresses(qname, 4, found, depth);
      case "AAAA":
        return this.addresses(qname, 6, found, depth);
      case "SRV":
        return this.srv(qname, found);
      case "CNAME":
        return this.records(found.flatMap((t) => (t.kind === "alias" ? [this.cname(qname, t.name)] : [])));
      default:
        // The name exists (CoreDNS decides with a fake A lookup): NODATA.
        return this.negative("NOERROR");
    }
  }

  private apex(qname: string, type: string): ZoneAnswer {
    if (type === "SOA") return this.records([this.soa()]);
    if (type === "NS" && this.nameserver !== undefined) {
      const ns = `ns.dns.${this.domain}`;
      return this.records([{ type: "NS", name: qname, ttl: this.ttl, class: "IN", data: ns }], [this.address(ns, this.nameserver.ip, this.nameserver.family)]);
    }
    return this.negative("NOERROR");
  }

  /** What a name under the zone (not its apex) stands for, as CoreDNS's Records. */
  private lookup(relative: string): Lookup {
    if (relative === "ns.dns") {
      return this.nameserver === undefined ? "nxdomain" : [{ kind: "address", ...this.nameserver, port: -1, owner: `ns.dns.${this.domain}` }];
    }
    const labels = relative.split(".");
    const kind = labels.pop();
    if (kind !== "svc" && kind !== "pod") return "nxdomain";
    const namespace = labels.pop();
    if (namespace === undefined) return [];
    if (!this.namespaces.has(namespace)) return "nxdomain";
    const name = labels.pop();
    if (name === undefined) return [];
    if (kind === "pod") {
      // CoreDNS ignores labels left of a pod name; nothing is defined there, so they do not exist.
      const pod = labels.length === 0 ? podAddress(name) : undefined;
      return pod === undefined ? "nxdomain" : [{ kind: "address", ...pod, port: -1, owner: `${name}.${namespace}.pod.${this.domain}` }];
    }
    const svc = this.services.get(`${name}.${namespace}`);
    if (svc === undefined) return "nxdomain";
    if (labels.length === 0) return this.serviceTargets(svc, {});
    if (labels.length === 1) return this.serviceTargets(svc, { endpoint: labels[0] });
    if (labels.length === 2) return this.serviceTargets(svc, { port: stripUnderscore(labels[0]!), protocol: stripUnderscore(labels[1]!) });
    return "nxdomain";
  }

  private serviceTargets(svc: ServiceEntry, query: ServiceQuery): Lookup {
    if (svc.kind === "ExternalName") {
      // Only a name is a CNAME target; an ExternalName has no endpoints.
      if (query.endpoint !== undefined || svc.externalName === "" || canonicalIp(svc.externalName) !== undefined) return "nxdomain";
      return [{ kind: "alias", name: svc.externalName }];
    }
    const targets: Target[] = [];
    if (svc.kind === "Headless" || query.endpoint !== undefined) {
      for (const ep of svc.endpoints) {
        if (query.endpoint !== undefined && ep.label !== query.endpoint) continue;
        for (const p of ep.ports) {
          if (portMatches(p, query)) targets.push({ kind: "address", ip: ep.ip, family: ep.family, port: p.port, owner: `${ep.label}.${svc.fqdn}` });
        }
      }
      return targets.length > 0 ? targets : "nxdomain";
    }
    let matched = false;
    for (const p of svc.ports) {
      if (!portMatches(p, query)) continue;
      matched = true;
      for (const { ip, family } of svc.clusterIPs) targets.push({ kind: "address", ip, family, port: p.port, owner: svc.fqdn });
    }
    return matched ? targets : "nxdomain";
  }

  private addresses(qname: string, family: 4 | 6, found: Target[], depth: number): ZoneAnswer {
    const answers: Answer[] = [];
    const seen = new Set<string>();
    let externalTarget: string | undefined;
    for (const t of found) {
      if (t.kind === "address") {
        if (t.family === family && !seen.has(t.ip)) {
          seen.add(t.ip);
          answers.push(this.address(qname, t.ip, family));
        }
        continue;
      }
      if (t.name === normalizeName(qname)) continue; // x CNAME x
      const cname = this.cname(qname, t.name);
      const inner = this.relativeName(t.name);
      if (inner === undefined) {
        answers.push(cname);
        externalTarget = t.name;
      } else if (depth < maxCnameChain) {
        // Inside the zone the chain is followed here; a target without addresses drops the CNAME, as CoreDNS.
        const next = this.answer(t.name, family === 4 ? "A" : "AAAA", inner, depth + 1);
        if (next.answers.length > 0) {
          answers.push(cname, ...next.answers);
          externalTarget ??= next.externalTarget;
        }
      }
    }
    const result = this.records(answers);
    if (externalTarget !== undefined && result.answers.length > 0) result.externalTarget = externalTarget;
    return result;
  }

  private srv(qname: string, found: Target[]): ZoneAnswer {
    const records: { owner: string; port: number }[] = [];
    const additionals: Answer[] = [];
    const seenSrv = new Set<string>();
    const seenAddress = new Set<string>();
    for (const t of found) {
      if (t.kind !== "address" || t.port < 0) continue;
      const srvKey = `${t.owner} ${t.port}`;
      if (!seenSrv.has(srvKey)) {
        seenSrv.add(srvKey);
        records.push({ owner: t.owner, port: t.port });
      }
      const addressKey = `${t.owner} ${t.ip}`;
      if (!seenAddress.has(addressKey)) {
        seenAddress.add(addressKey);
        additionals.push(this.address(t.owner, t.ip, t.family));
      }
    }
    // One priority, the weight shared evenly, as CoreDNS gives them.
    const weight = Math.max(1, Math.floor(100 / Math.max(1, records.length)));
    const answers: Answer[] = records.map((r) => ({ type: "SRV", name: qname, ttl: this.ttl, class: "IN", data: { priority: 0, weight, port: r.port, target: r.owner } }));
    return this.records(answers, answers.length > 0 ? additionals : []);
  }

  /** PTR for an address the cluster knows; anything else in the reverse zones falls through upstream. */
  private resolveReverse(question: Question, name: string): ZoneAnswer | undefined {
    if (question.type !== "PTR") return undefined;
    const ip = addressFromReverseName(name);
    const names = ip === undefined ? undefined : this.reverse.get(ip);
    if (names === undefined) return undefined;
    return this.records(names.map((n) => ({ type: "PTR", name: question.name, ttl: this.ttl, class: "IN", data: n })));
  }

  // ---- records ----

  private records(answers: Answer[], additionals: Answer[] = []): ZoneAnswer {
    if (answers.length === 0) return this.negative("NOERROR");
    return { rcode: "NOERROR", answers, authorities: [], additionals };
  }

  /** NXDOMAIN, or NODATA (NOERROR without answers), with the SOA that lets resolvers cache it. */
  private negative(rcode: ZoneAnswer["rcode"]): ZoneAnswer {
    return { rcode, answers: [], authorities: [this.soa()], additionals: [] };
  }

  private soa(): Answer {
    return {
      type: "SOA",
      name: this.domain,
      ttl: Math.min(300, this.ttl),
      class: "IN",
      data: {
        mname: `ns.dns.${this.domain}`,
        rname: `hostmaster.${this.domain}`,
        serial: this.serial,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.ttl,
      },
    };
  }

  private address(name: string, ip: string, family: 4 | 6): Answer {
    return { type: family === 4 ? "A" : "AAAA", name, ttl: this.ttl, class: "IN", data: ip };
  }

  private cname(name: string, target: string): Answer {
    return { type: "CNAME", name, ttl: this.ttl, class: "IN", data: target };
  }
}
