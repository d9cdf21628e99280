// Owner uids known to be gone, after Kubernetes' absentOwnerCache: a uid is never
// reused, so once an owner is seen gone it stays gone, and the dependents that
// still name it need no further lookups. Bounded: the oldest entries are dropped.
export class AbsentOwners {
  private readonly uids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(uid: string): boolean {
    return this.uids.has(uid);
  }

  add(uid: string): void {
    if (this.uids.has(uid)) return;
    this.uids.add(uid);
    if (this.uids.size > this.capacity) {
      const oldest = this.uids.values().next().value;
      if (oldest !== undefined) this.uids.delete(oldest);
    }
  }
}
