// Cluster IPs and node ports for Services, as Kubernetes' service REST storage hands
// them out: a Service that asks for none gets a free one, one that names its own gets
// it if it lies in the range and nobody holds it, and an update keeps what the
// Service held when the new spec leaves it out (patchAllocatedValues), so that
// `kubectl apply` of a manifest without clusterIP works again and again. Dynamic
// picks come from the upper part of each range first, leaving the lower band to
// those who name their own, as KEP-3070 (IPs) and KEP-3668 (ports) do.
//
// Picking only reads which values are taken; uniqueness is the storage index's job
// (storage/service-allocation-index.ts), so two masters picking at once cannot hand
// out one value twice: the loser's write fails on the index and picks again.
import { randomInt } from "node:crypto";
import { cidrContains, dropServiceTypeDependentFields, fieldErrors, formatCidr, formatIp, parseIp, type Cidr, type Service, type StatusCause } from "@bosun/api";
import { prefixEnd } from "../storage/keys.js";
import type { Store } from "../storage/store.js";

export interface ServiceRanges {
  /** --service-cluster-ip-range (IPv4). */
  clusterIps: Cidr;
  /** --service-node-port-range, both ends included. */
  nodePorts: { min: number; max: number };
}

/** What an allocation picked by itself (not asked for): a clash on these is a lost race, picked again. */
export interface Picked {
  ips: Set<string>;
  nodePorts: Set<number>;
}

/** The first address of the range: the `kubernetes` Service's, as in Kubernetes. */
export function apiServiceIP(ranges: ServiceRanges): string {
  return formatIp(4, ranges.clusterIps.network + 1n);
}

/** Thrown when a range has nothing left. */
export class RangeFull extends Error {}

export class ServiceAllocator {
  constructor(
    private readonly store: Store,
    readonly ranges: ServiceRanges,
  ) {}

  get apiServiceIP(): string {
    return apiServiceIP(this.ranges);
  }

  /**
   * Fills in what the Service needs and lacks, after defaults and before validation
   * of allocations. Answers the causes that refuse it (a value out of range) and what
   * was picked. `old` is the stored Service on update.
   */
  async allocate(service: Service, old?: Service): Promise<{ causes: StatusCause[]; picked: Picked }> {
    const picked: Picked = { ips: new Set(), nodePorts: new Set() };
    const spec = service.spec ?? (service.spec = {});
    if (old) keepAllocated(service, old);
    const causes = [...this.checkRequested(service)];
    if (causes.length > 0) return { causes, picked };
    if (spec.type !== "ExternalName" && !spec.clusterIP) {
      const ip = await this.pickIP();
      spec.clusterIP = ip;
      picked.ips.add(ip);
    }
    if (spec.clusterIP && spec.type !== "ExternalName") {
      spec.clusterIPs = [spec.clusterIP];
      if (spec.clusterIP !== "None") {
        spec.ipFamilies ??= ["IPv4"];
        spec.ipFamilyPolicy ??= "SingleStack";
      }
    }
    if (spec.type === "NodePort") {
      const inUse = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => n !== undefined));
      for (const port of spec.ports ?? []) {
        if (port.nodePort) continue;
        const n = await this.pickNodePort(inUse);
        port.nodePort = n;
        inUse.add(n);
        picked.nodePorts.add(n);
      }
    }
    return { causes, picked };
  }

  /** Values the Service names itself must lie in the ranges. */
  private checkRequested(service: Service): StatusCause[] {
    const spec = service.spec ?? {};
    const causes: StatusCause[] = [];
    const ip = spec.clusterIP;
    if (ip && ip !== "None" && spec.type !== "ExternalName") {
      const parsed = parseIp(ip);
      const range = this.ranges.clusterIps;
      const inRange = parsed?.family === 4 && cidrContains(range, { family: 4, network: parsed.value, prefixLength: 32 });
      const size = 1n << BigInt(32 - range.prefixLength);
      const edge = parsed !== undefined && (parsed.value === range.network || parsed.value === range.network + size - 1n);
      if (parsed && (!inRange || edge)) {
        causes.push(
          fieldErrors.invalidValue(
            "spec.clusterIPs",
            [ip],
            `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${formatCidr(range)}`,
          ),
        );
      }
    }
    const { min, max } = this.ranges.nodePorts;
    (spec.ports ?? []).forEach((port, i) => {
      const n = port.nodePort;
      if (n === undefined || n === 0 || (n >= min && n <= max)) return;
      causes.push(
        fieldErrors.invalidValue(`spec.ports[${i}].nodePort`, n, `provided port is not in the valid range. The range of valid ports is ${min}-${max}`),
      );
    });
    return causes;
  }

  private async pickIP(): Promise<string> {
    const range = this.ranges.clusterIps;
    const size = 1n << BigInt(32 - range.prefixLength);
    // Usable: the network and broadcast addresses excluded; offset 1 is the kubernetes Service's.
    const last = Number(size - 2n);
    if (last < 2) throw new RangeFull(`the service cluster IP range ${formatCidr(range)} is too small; give --service-cluster-ip-range a larger range`);
    const taken = await this.taken(this.store.serviceAllocations.ipPrefix);
    const band = Math.min(Math.max(16, Math.floor(Number(size) / 16)), 256);
    const offset = pickFree(1, last, band, (o) => taken.has(formatIp(4, range.network + BigInt(o))));
    if (offset === undefined) {
      throw new RangeFull(`every address of the service cluster IP range ${formatCidr(range)} is allocated; delete Services or give --service-cluster-ip-range a larger range`);
    }
    return formatIp(4, range.network + BigInt(offset));
  }

  private async pickNodePort(alsoTaken: Set<number>): Promise<number> {
    const { min, max } = this.ranges.nodePorts;
    const taken = await this.taken(this.store.serviceAllocations.nodePortPrefix);
    const band = Math.min(Math.max(16, Math.floor((max - min + 1) / 32)), 128);
    const port = pickFree(min, max, band, (p) => taken.has(String(p)) || alsoTaken.has(p));
    if (port === undefined) {
      throw new RangeFull(`every node port of ${min}-${max} is allocated; delete NodePort Services or give --service-node-port-range a larger range`);
    }
    return port;
  }

  /** The values under an index prefix (keys only). */
  private async taken(prefix: string): Promise<Set<string>> {
    const res = await this.store.etcd.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), keys_only: true });
    return new Set(res.kvs.map((kv) => kv.key.toString("utf8").slice(prefix.length)));
  }
}

/**
 * A free value of [first, last]: from a random start in the upper part (above the
 * lower band of `band` values) going round it, then the lower band likewise.
 */
export function pickFree(first: number, last: number, band: number, isTaken: (v: number) => boolean): number | undefined {
  const lowerEnd = Math.min(last, first + band - 1);
  const parts: [number, number][] = lowerEnd < last ? [[lowerEnd + 1, last], [first, lowerEnd]] : [[first, last]];
  for (const [from, to] of parts) {
    const count = to - from + 1;
    const start = randomInt(count);
    for (let i = 0; i < count; i++) {
      const v = from + ((start + i) % count);
      if (!isTaken(v)) return v;
    }
  }
  return undefined;
}

/**
 * An update that leaves out what the Service held keeps it, and a Service that stops
 * being a NodePort lets its node ports go (and the fields only its old type had), as
 * Kubernetes' service strategy does.
 */
function keepAllocated(service: Service, old: Service): void {
  dropServiceTypeDependentFields(service, old);
  const spec = service.spec ?? (service.spec = {});
  const before = old.spec ?? {};
  const needsIP = spec.type !== "ExternalName";
  if (needsIP && before.type !== "ExternalName" && !spec.clusterIP && before.clusterIP) {
    spec.clusterIP = before.clusterIP;
    if (before.clusterIPs) spec.clusterIPs = [...before.clusterIPs];
  }
  if (spec.type === "NodePort") {
    for (const port of spec.ports ?? []) {
      if (port.nodePort) continue;
      const match = (before.ports ?? []).find((p) => p.nodePort && p.port === port.port && (p.protocol ?? "TCP") === (port.protocol ?? "TCP"));
      if (match?.nodePort) port.nodePort = match.nodePort;
    }
  } else if (before.type === "NodePort") {
    for (const port of spec.ports ?? []) {
      const match = (before.ports ?? []).find((p) => p.port === port.port && (p.protocol ?? "TCP") === (port.protocol ?? "TCP"));
      if (match && port.nodePort === match.nodePort) delete port.nodePort;
    }
  }
}
