// What the host's network stack looks like, read from iproute2's JSON into the few
// fields the planning needs. Reading is one `ip -json -batch` (links with their
// addresses, the main routing table, and the path to each peer), plus the VXLAN
// device's neighbours and forwarding entries when it exists.
import type { HostNetwork } from "./host.js";

export interface HostLink {
  name: string;
  mtu: number;
  mac: string;
  up: boolean;
  /** From the details: "vxlan", "bridge", "veth"... */
  kind?: string;
  vxlan?: { id?: number; local?: string; port?: number; learning?: boolean };
  /** IPv4 addresses as "a.b.c.d/n". */
  ipv4: string[];
}

export interface HostRoute {
  /** "default", or a CIDR (host routes get their /32). */
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  type?: string;
  onlink: boolean;
}

/** How the host reaches an address (`ip route get`). */
export interface HostPath {
  dst: string;
  /** The address is the host's own. */
  local: boolean;
  /** Absent: the address is on a directly connected network (same L2 segment). */
  gateway?: string;
  dev?: string;
}

export interface HostNeighbour {
  ip: string;
  mac?: string;
  permanent: boolean;
}

export interface HostFdbEntry {
  mac: string;
  dst?: string;
  permanent: boolean;
}

export interface HostSnapshot {
  links: HostLink[];
  routes: HostRoute[];
  /** By the address asked about. */
  paths: Map<string, HostPath>;
  /** On the VXLAN device; empty when it does not exist. */
  neighbours: HostNeighbour[];
  fdb: HostFdbEntry[];
}

type Json = Record<string, unknown>;

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => typeof v === "object" && v !== null) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

export function parseLinks(value: unknown): HostLink[] {
  return records(value).map((l) => {
    const info = (l.linkinfo ?? {}) as Json;
    const data = (info.info_data ?? {}) as Json;
    const kind = str(info.info_kind);
    return {
      name: str(l.ifname) ?? "",
      mtu: num(l.mtu) ?? 1500,
      mac: str(l.address) ?? "",
      up: strings(l.flags).includes("UP"),
      ...(kind ? { kind } : {}),
      ...(kind === "vxlan"
        ? { vxlan: { id: num(data.id), local: str(data.local), port: num(data.port), learning: typeof data.learning === "boolean" ? data.learning : undefined } }
        : {}),
      ipv4: records(l.addr_info)
        .filter((a) => a.family === "inet")
        .map((a) => `${str(a.local) ?? ""}/${num(a.prefixlen) ?? 32}`),
    };
  });
}

export function parseRoutes(value: unknown): HostRoute[] {
  return records(value).map((r) => {
    const dst = str(r.dst) ?? "";
    return {
      dst: dst === "default" || dst.includes("/") ? dst : `${dst}/32`,
      ...(str(r.gateway) ? { gateway: str(r.gateway) } : {}),
      ...(str(r.dev) ? { dev: str(r.dev) } : {}),
      ...(r.protocol !== undefined ? { protocol: String(r.protocol) } : {}),
      ...(str(r.scope) ? { scope: str(r.scope) } : {}),
      ...(str(r.type) ? { type: str(r.type) } : {}),
      onlink: strings(r.flags).includes("onlink"),
    };
  });
}

function parsePath(value: unknown): HostPath | undefined {
  const r = records(value)[0];
  const dst = str(r?.dst);
  if (!r || !dst) return undefined;
  return {
    dst,
    local: r.type === "local",
    ...(str(r.gateway) ? { gateway: str(r.gateway) } : {}),
    ...(str(r.dev) ? { dev: str(r.dev) } : {}),
  };
}

export function parseNeighbours(value: unknown): HostNeighbour[] {
  return records(value).map((n) => ({
    ip: str(n.dst) ?? "",
    ...(str(n.lladdr) ? { mac: str(n.lladdr) } : {}),
    permanent: strings(n.state).includes("PERMANENT"),
  }));
}

export function parseFdb(value: unknown): HostFdbEntry[] {
  return records(value).map((e) => ({
    mac: str(e.mac) ?? "",
    ...(str(e.dst) ? { dst: str(e.dst) } : {}),
    permanent: e.state === "permanent",
  }));
}

/** Reads everything the planning needs in as few processes as the host allows. */
export async function readHost(host: HostNetwork, peerIPs: readonly string[], vxlanDevice: string): Promise<HostSnapshot> {
  const unique = [...new Set(peerIPs)];
  const [links, routes, ...gets] = await host.ipRead(["address show", "route show table main", ...unique.map((ip) => `route get ${ip}`)]);
  const paths = new Map<string, HostPath>();
  // A failed `route get` (unreachable) prints nothing, so the answers are matched by their dst.
  for (const g of gets) {
    const p = parsePath(g);
    if (p) paths.set(p.dst, p);
  }
  const parsedLinks = parseLinks(links);
  let neighbours: HostNeighbour[] = [];
  let fdb: HostFdbEntry[] = [];
  if (parsedLinks.some((l) => l.name === vxlanDevice)) {
    const [n] = await host.ipRead([`neigh show dev ${vxlanDevice}`]);
    neighbours = parseNeighbours(n);
    fdb = parseFdb(await host.fdbRead(vxlanDevice));
  }
  return { links: parsedLinks, routes: parseRoutes(routes), paths, neighbours, fdb };
}
