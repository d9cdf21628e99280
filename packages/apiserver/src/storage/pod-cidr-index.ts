// The index of nodes' pod CIDRs: no two nodes hold overlapping ranges, however many
// allocators (or people) set them at once. A range's key is its network prefix as
// a string of bits, {root}-podcidrs/{4|6}/{bits}: a range's supernets are then the
// keys its key starts with, and its subnets the keys that start with its key, so the
// compares "no supernet key, nothing at or below my key" rule out every overlap in
// one transaction (one compare per prefix bit plus one range compare).
import { addressBits, cidrProblem, mustResource, nodePodCidrs, parseCidr, type Cidr, type KubeObject, type Node } from "@bosun/api";
import type { ICompare, IRequestOp } from "etcd3";
import { prefixEnd } from "./keys.js";
import type { IndexClaim, IndexEntry, UniqueIndex } from "./unique-index.js";

/** The first prefixLength bits of the network address as "0"s and "1"s. */
export function prefixBits(cidr: Cidr): string {
  if (cidr.prefixLength === 0) return "";
  const shift = BigInt(addressBits(cidr.family) - cidr.prefixLength);
  return (cidr.network >> shift).toString(2).padStart(cidr.prefixLength, "0");
}

export class PodCidrIndex implements UniqueIndex {
  readonly resource = mustResource("nodes");
  readonly prefix: string;

  /** @param root the objects' key prefix ("/registry"); the index lives beside it. */
  constructor(root: string) {
    this.prefix = `${root}-podcidrs/`;
  }

  claims(object: KubeObject): IndexClaim[] {
    return nodePodCidrs(object as Node).flatMap((value, i) =>
      cidrProblem(value) === undefined ? [{ field: `spec.podCIDRs[${i}]`, value, key: this.keyOf(parseCidr(value)) }] : [],
    );
  }

  freeCompares(claim: IndexClaim): ICompare[] {
    const absent = (key: Buffer, rangeEnd?: Buffer): ICompare => ({
      key,
      ...(rangeEnd ? { range_end: rangeEnd } : {}),
      target: "Create",
      result: "Equal",
      create_revision: 0,
    });
    return [...this.supernetKeys(claim).map((k) => absent(k)), absent(Buffer.from(claim.key), prefixEnd(claim.key))];
  }

  clashReads(claim: IndexClaim): IRequestOp[] {
    return [
      ...this.supernetKeys(claim).map((key) => ({ request_range: { key } })),
      { request_range: { key: Buffer.from(claim.key), range_end: prefixEnd(claim.key), limit: 1 } },
    ];
  }

  clashMessage(claim: IndexClaim, holder: IndexEntry): string {
    return holder.value === claim.value
      ? `already allocated to node "${holder.name}"`
      : `overlaps ${holder.value}, allocated to node "${holder.name}"`;
  }

  private keyOf(cidr: Cidr): string {
    return `${this.prefix}${cidr.family}/${prefixBits(cidr)}`;
  }

  /** The keys of every range that contains claim's range, the widest (/0) first. */
  private supernetKeys(claim: IndexClaim): Buffer[] {
    const cidr = parseCidr(claim.value);
    const bits = prefixBits(cidr);
    return Array.from({ length: bits.length }, (_, n) => Buffer.from(`${this.prefix}${cidr.family}/${bits.slice(0, n)}`));
  }
}

