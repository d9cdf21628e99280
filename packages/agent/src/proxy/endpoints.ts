// What the proxy serves, read from the Services and EndpointSlices as kube-proxy
// reads them (pkg/proxy/serviceport.go, endpointslicecache.go, topology.go): one
// service port per Service port with a cluster IP, its endpoints gathered from every
// slice of the Service by port name and protocol (the slice's port number is the
// resolved targetPort of the pods in that slice, so a named targetPort may resolve to
// different numbers in different slices), and the endpoints each traffic policy uses.
// IPv4 only, as the pod network is.
import { clusterIPNone, serviceNameLabel, type EndpointSlice, type Service } from "@bosun/api";
import { isIPv4 } from "../network/cidr.js";

/** kube-proxy's default ClientIP affinity timeout (v1.DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

export interface ServicePortInfo {
  /** "ns/name", or "ns/name:port" for a named port: kube-proxy's ServicePortName. */
  name: string;
  /** Lower case, as iptables' -p and -m take it. */
  protocol: string;
  clusterIP: string;
  port: number;
  /** 0 when the Service has none. */
  nodePort: number;
  externalIPs: string[];
  /** ClientIP affinity's timeout; undefined without affinity. */
  affinitySeconds: number | undefined;
  /** internalTrafficPolicy Local. */
  internalPolicyLocal: boolean;
  /** externalTrafficPolicy Local, for a port reachable from outside (NodePort or external IPs). */
  externalPolicyLocal: boolean;
}

export interface EndpointInfo {
  ip: string;
  port: number;
  /** "ip:port". */
  address: string;
  /** On this node. */
  local: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** The service ports and, by service port key, their endpoints sorted by address. */
export interface ProxyState {
  ports: ServicePortInfo[];
  endpoints: Map<string, EndpointInfo[]>;
}

/** Joins a service port to its endpoints: the name and the protocol. */
export function servicePortKey(port: Pick<ServicePortInfo, "name" | "protocol">): string {
  return `${port.name}/${port.protocol}`;
}

/** Byte order, as Go sorts strings (kube-proxy sorts endpoints by "ip:port" text). */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function portName(namespace: string, service: string, port: string | undefined): string {
  return port ? `${namespace}/${service}:${port}` : `${namespace}/${service}`;
}

/** A port reachable from outside the cluster: its traffic goes through the EXT chain. */
export function externallyAccessible(p: ServicePortInfo): boolean {
  return p.nodePort !== 0 || p.externalIPs.length > 0;
}

/** Cluster endpoints are needed for Cluster internal policy, and for external traffic (Local's short-circuit of pod traffic included). */
export function usesClusterEndpoints(p: ServicePortInfo): boolean {
  return !p.internalPolicyLocal || externallyAccessible(p);
}

export function usesLocalEndpoints(p: ServicePortInfo): boolean {
  return p.internalPolicyLocal || p.externalPolicyLocal;
}

/** The service ports the proxy serves, sorted by name: headless, ExternalName and non-IPv4 Services have none. */
export function servicePorts(services: readonly Service[]): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const ns = svc.metadata?.namespace ?? "default";
    const name = svc.metadata?.name ?? "";
    const clusterIP = spec?.clusterIP ?? "";
    if (!spec || !name || spec.type === "ExternalName" || clusterIP === clusterIPNone || !isIPv4(clusterIP)) continue;
    const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
    const affinitySeconds = spec.sessionAffinity === "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
    for (const port of spec.ports ?? []) {
      const nodePort = spec.type === "NodePort" || spec.type === "LoadBalancer" ? (port.nodePort ?? 0) : 0;
      const info: ServicePortInfo = {
        name: portName(ns, name, port.name),
        protocol: (port.protocol ?? "TCP").toLowerCase(),
        clusterIP,
        port: port.port,
        nodePort,
        externalIPs,
        affinitySeconds,
        internalPolicyLocal: spec.internalTrafficPolicy === "Local",
        externalPolicyLocal: false,
      };
      info.externalPolicyLocal = spec.externalTrafficPolicy === "Local" && externallyAccessible(info);
      out.push(info);
    }
  }
  return out.sort((a, b) => byText(servicePortKey(a), servicePortKey(b)));
}

/**
 * The endpoints of every service port, from the IPv4 slices labelled with their
 * Service's name. An address in two slices (an endpoint moving between slices, or an
 * IP reused by a new pod before the old one's object is gone) counts once, the
 * non-terminating one winning, as in kube-proxy.
 */
export function endpointsByServicePort(slices: readonly EndpointSlice[], nodeName: string): Map<string, EndpointInfo[]> {
  const byKey = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    const service = slice.metadata?.labels?.[serviceNameLabel];
    if (!service || slice.addressType !== "IPv4") continue;
    const ns = slice.metadata?.namespace ?? "default";
    for (const port of slice.ports ?? []) {
      if (!port.port) continue;
      const key = servicePortKey({ name: portName(ns, service, port.name), protocol: (port.protocol ?? "TCP").toLowerCase() });
      const set = byKey.get(key) ?? new Map<string, EndpointInfo>();
      byKey.set(key, set);
      for (const ep of slice.endpoints) {
        const ip = ep.addresses[0];
        if (!ip || !isIPv4(ip)) continue;
        const c = ep.conditions ?? {};
        const ready = c.ready ?? true;
        const info: EndpointInfo = {
          ip,
          port: port.port,
          address: `${ip}:${port.port}`,
          local: nodeName !== "" && ep.nodeName === nodeName,
          ready,
          serving: c.serving ?? ready,
          terminating: c.terminating ?? false,
        };
        if (!set.has(info.address) || !info.terminating) set.set(info.address, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, set] of byKey) {
    if (set.size === 0) continue;
    out.set(key, [...set.values()].sort((a, b) => byText(a.address, b.address)));
  }
  return out;
}

export function proxyState(services: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): ProxyState {
  return { ports: servicePorts(services), endpoints: endpointsByServicePort(slices, nodeName) };
}

export interface CategorizedEndpoints {
  /** What Cluster traffic policy balances over; empty when the port never uses it. */
  cluster: EndpointInfo[];
  /** What Local traffic policy balances over; empty when the port never uses it. */
  local: EndpointInfo[];
  /** Every endpoint this node may send to: each gets an SEP chain. */
  reachable: EndpointInfo[];
  /** Whether the service has a usable endpoint anywhere in the cluster. */
  hasAny: boolean;
}

const servingTerminating = (e: EndpointInfo) => e.serving && e.terminating;

/**
 * kube-proxy's CategorizeEndpoints (without topology hints, which Bosun does not
 * write): ready endpoints, else those still serving while terminating, chosen
 * separately for Cluster and Local policy, so that a rolling update's last pods keep
 * their connections.
 */
export function categorizeEndpoints(endpoints: readonly EndpointInfo[], port: ServicePortInfo): CategorizedEndpoints {
  let cluster: EndpointInfo[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(port)) {
    cluster = endpoints.filter((e) => e.ready);
    if (cluster.length === 0) cluster = endpoints.filter(servingTerminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(port)) return { cluster, local: [], reachable: cluster, hasAny };

  let local: EndpointInfo[] = [];
  if (endpoints.some((e) => e.ready || servingTerminating(e))) hasAny = true;
  const localReady = endpoints.filter((e) => e.local && e.ready);
  const usesTerminating = localReady.length === 0;
  local = usesTerminating ? endpoints.filter((e) => e.local && servingTerminating(e)) : localReady;
  if (!usesClusterEndpoints(port)) return { cluster, local, reachable: local, hasAny };
  // Ready local endpoints are among the cluster ones; terminating ones may not be.
  if (!usesTerminating || local.length === 0) return { cluster, local, reachable: cluster, hasAny };
  const merged = new Map<string, EndpointInfo>();
  for (const e of [...cluster, ...local]) merged.set(e.address, e);
  return { cluster, local, reachable: [...merged.values()].sort((a, b) => byText(a.address, b.address)), hasAny };
}
