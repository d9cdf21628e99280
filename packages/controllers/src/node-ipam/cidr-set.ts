// The node-sized ranges a cluster CIDR holds and which of them are taken, after
// Kubernetes' cidrset (pkg/controller/nodeipam/ipam/cidrset): range i is the i-th
// /maskSize block of the cluster CIDR, 10.244.0.0/24, 10.244.1.0/24, ...
import { addressBits, cidrsOverlap, formatCidr, type Cidr } from "@bosun/api";

/** As Kubernetes (clusterSubnetMaxDiff): a cluster CIDR holds at most 2^16 node ranges. */
export const maxNodeRangeBits = 16;

export class CidrSet {
  /** How many node ranges the cluster CIDR holds. */
  readonly size: number;
  private readonly taken: Uint8Array;
  private readonly hostBits: bigint;

  /** Throws, saying what would fit, when a /maskSize range does not fit the cluster CIDR. */
  constructor(
    readonly cluster: Cidr,
    readonly maskSize: number,
  ) {
    const bits = addressBits(cluster.family);
    if (!Number.isInteger(maskSize) || maskSize < cluster.prefixLength || maskSize > bits) {
      throw new Error(
        `a node range of /${maskSize} does not fit the cluster CIDR ${formatCidr(cluster)}: ` +
          `the node CIDR mask size must be between ${cluster.prefixLength} and ${bits}`,
      );
    }
    if (maskSize - cluster.prefixLength > maxNodeRangeBits) {
      throw new Error(
        `the cluster CIDR ${formatCidr(cluster)} holds 2^${maskSize - cluster.prefixLength} ranges of /${maskSize}, ` +
          `more than the 2^${maxNodeRangeBits} allowed: use a node CIDR mask size of at most ${cluster.prefixLength + maxNodeRangeBits}`,
      );
    }
    this.size = 2 ** (maskSize - cluster.prefixLength);
    this.taken = new Uint8Array(this.size);
    this.hostBits = BigInt(bits - maskSize);
  }

  /** The index-th node range. */
  range(index: number): Cidr {
    return { family: this.cluster.family, network: this.cluster.network + (BigInt(index) << this.hostBits), prefixLength: this.maskSize };
  }

  /** Marks every node range that shares an address with cidr; a range outside the cluster CIDR marks none. */
  occupy(cidr: Cidr): void {
    if (!cidrsOverlap(this.cluster, cidr)) return;
    if (cidr.prefixLength <= this.cluster.prefixLength) {
      this.taken.fill(1);
      return;
    }
    const first = Number((cidr.network - this.cluster.network) >> this.hostBits);
    const count = cidr.prefixLength >= this.maskSize ? 1 : 2 ** (this.maskSize - cidr.prefixLength);
    this.taken.fill(1, first, first + count);
  }

  occupyIndex(index: number): void {
    this.taken[index] = 1;
  }

  isTaken(index: number): boolean {
    return this.taken[index] === 1;
  }

  /** The first free node range at or after start, going round; undefined when every one is taken. */
  nextFree(start: number): number | undefined {
    for (let i = 0; i < this.size; i++) {
      const index = (start + i) % this.size;
      if (this.taken[index] === 0) return index;
    }
    return undefined;
  }
}
