// The garbage collector's picture of ownership, after Kubernetes' GraphBuilder: every
// object the informers hold, by uid, and for every owner uid the objects that name
// it in their ownerReferences, whether or not that owner still exists.
import type { KubeObject, ResourceInfo } from "@bosun/api";

export interface GraphNode {
  res: ResourceInfo;
  object: KubeObject;
}

export class OwnerGraph {
  private readonly byUid = new Map<string, GraphNode>();
  private readonly dependentsByOwner = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.byUid.get(uid);
  }

  nodes(): IterableIterator<GraphNode> {
    return this.byUid.values();
  }

  /** Objects whose ownerReferences name `ownerUid`. */
  dependents(ownerUid: string): GraphNode[] {
    const uids = this.dependentsByOwner.get(ownerUid);
    if (!uids) return [];
    return [...uids].flatMap((uid) => this.byUid.get(uid) ?? []);
  }

  upsert(res: ResourceInfo, object: KubeObject): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    const previous = this.byUid.get(uid);
    if (previous) this.unlinkOwners(uid, previous.object);
    this.byUid.set(uid, { res, object });
    for (const ref of object.metadata.ownerReferences ?? []) {
      let set = this.dependentsByOwner.get(ref.uid);
      if (!set) this.dependentsByOwner.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
  }

  remove(object: KubeObject): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    const known = this.byUid.get(uid);
    if (!known) return;
    this.unlinkOwners(uid, known.object);
    this.byUid.delete(uid);
  }

  private unlinkOwners(uid: string, object: KubeObject): void {
    for (const ref of object.metadata.ownerReferences ?? []) {
      const set = this.dependentsByOwner.get(ref.uid);
      if (!set) continue;
      set.delete(uid);
      if (set.size === 0) this.dependentsByOwner.delete(ref.uid);
    }
  }
}
