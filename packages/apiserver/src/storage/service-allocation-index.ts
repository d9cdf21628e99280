// The index of what Services hold that no two may share: cluster IPs and node ports,
// as Kubernetes' IP and port allocators keep them (there in bitmaps or IPAddress
// objects, here as one index key per value, written in the same etcd transaction as
// the Service). Keys: {root}-services/ips/{ip} and {root}-services/nodeports/{port}.
// The allocator (registry/service-allocation.ts) reads these keys to pick free values;
// the index is what makes two masters picking at once safe.
import { mustResource, parseIp, type KubeObject, type Service } from "@bosun/api";
import type { ICompare, IRequestOp } from "etcd3";
import type { IndexClaim, IndexEntry, UniqueIndex } from "./unique-index.js";

export class ServiceAllocationIndex implements UniqueIndex {
  readonly resource = mustResource("services");
  readonly prefix: string;
  /** Where the keys of cluster IPs and of node ports start. */
  readonly ipPrefix: string;
  readonly nodePortPrefix: string;

  /** @param root the objects' key prefix ("/registry"); the index lives beside it. */
  constructor(root: string) {
    this.prefix = `${root}-services/`;
    this.ipPrefix = `${this.prefix}ips/`;
    this.nodePortPrefix = `${this.prefix}nodeports/`;
  }

  claims(object: KubeObject): IndexClaim[] {
    const spec = (object as Service).spec ?? {};
    const claims: IndexClaim[] = [];
    const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    ips.forEach((ip, i) => {
      if (parseIp(ip) !== undefined) claims.push({ field: `spec.clusterIPs[${i}]`, value: ip, key: `${this.ipPrefix}${ip}` });
    });
    // One port number may serve TCP and UDP of one Service port pair: it is held once.
    const seen = new Set<number>();
    (spec.ports ?? []).forEach((port, i) => {
      const n = port.nodePort;
      if (n === undefined || !Number.isInteger(n) || n <= 0 || seen.has(n)) return;
      seen.add(n);
      claims.push({ field: `spec.ports[${i}].nodePort`, value: String(n), fieldValue: n, key: `${this.nodePortPrefix}${n}` });
    });
    return claims;
  }

  freeCompares(claim: IndexClaim): ICompare[] {
    return [{ key: Buffer.from(claim.key), target: "Create", result: "Equal", create_revision: 0 }];
  }

  clashReads(claim: IndexClaim): IRequestOp[] {
    return [{ request_range: { key: Buffer.from(claim.key) } }];
  }

  clashMessage(claim: IndexClaim, _holder: IndexEntry): string {
    // Kubernetes' words; the holder is not named, as there.
    return claim.key.startsWith(this.ipPrefix)
      ? `failed to allocate IP ${claim.value}: provided IP is already allocated`
      : "provided port is already allocated";
  }
}
