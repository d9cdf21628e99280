// etcd leases for objects that expire (Events). Granting a lease per write would
// cost an extra round trip per event, so, like kube-apiserver's leaseManager, one
// lease is shared by every write within a short reuse window: its TTL is stretched
// by that window, so an object lives at least `ttl` and at most `ttl + window`
// seconds after its last write.
import type { Etcd3 } from "etcd3";

/** Kubernetes' defaults: reuse for 5% of the TTL, at most 60 seconds. */
const reusePercent = 0.05;
const maxReuseSeconds = 60;

export class LeaseManager {
  private current: { id: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly reuseSeconds: number;

  constructor(
    private readonly etcd: Etcd3,
    private readonly ttlSeconds: number,
  ) {
    this.reuseSeconds = Math.min(Math.floor(reusePercent * ttlSeconds), maxReuseSeconds);
  }

  /** A lease that keeps a key for at least the TTL from now. */
  async lease(): Promise<string> {
    const now = Date.now();
    const prev = this.current;
    if (
      prev !== undefined &&
      now + this.ttlSeconds * 1000 < prev.expiresAt &&
      now + (this.ttlSeconds + this.reuseSeconds) * 1000 > prev.expiresAt
    ) {
      return prev.id;
    }
    // Concurrent writers share one grant rather than each asking etcd for a lease.
    this.pending ??= this.grant().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async grant(): Promise<string> {
    const seconds = this.ttlSeconds + this.reuseSeconds;
    const requestedAt = Date.now();
    const res = await this.etcd.leaseClient.leaseGrant({ TTL: seconds });
    const id = String(res.ID);
    this.current = { id, expiresAt: requestedAt + seconds * 1000 };
    return id;
  }
}
