// One resource's slice of the watch cache: its current objects, a bounded ring of
// its recent events, and the watchers told of each event as it is applied. Kept
// apart from how events arrive (feed.ts) and how they are read (list.ts,
// watchers.ts) so the one place that holds the objects is small enough to trust.
//
// The ring also makes the cache a short history: undoing the ring's events newer
// than a revision gives the state at that revision (stateAt), which is what lets a
// paginated list, read at its first page's revision, be served from memory.
import type { IEvent } from "etcd3";
import type { KubeObject, ResourceInfo } from "@bosun/api";
import type { ObjectDecoder } from "../store.js";

export interface CacheEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object's etcd key. */
  key: string;
  /** The new state; for DELETED, the last state with the deletion's resourceVersion. */
  object: KubeObject;
  previous?: KubeObject;
  revision: number;
}

/** The objects of a resource at one revision, in etcd's key order. */
export interface CacheState {
  keys: readonly string[];
  lookup: (key: string) => KubeObject | undefined;
}

export class ResourceCache {
  readonly objects = new Map<string, KubeObject>();
  readonly ring: CacheEvent[] = [];
  /** The ring holds every event with a revision above this one. */
  oldestRevision = 0;
  readonly watchers = new Set<(event: CacheEvent) => void>();
  /** The keys of objects in etcd's (byte) order; dropped when a key comes or goes. */
  private sorted: string[] | undefined;

  constructor(
    readonly info: ResourceInfo,
    private readonly capacity: number,
  ) {}

  apply(event: CacheEvent): void {
    const { key } = event;
    const existed = this.objects.has(key);
    if (event.type === "DELETED") this.objects.delete(key);
    else this.objects.set(key, event.object);
    if (existed !== this.objects.has(key)) this.sorted = undefined;
    this.ring.push(event);
    if (this.ring.length > this.capacity) {
      const dropped = this.ring.shift();
      if (dropped) this.oldestRevision = dropped.revision;
    }
    for (const watcher of this.watchers) watcher(event);
  }

  /**
   * The keys and objects at revision (not older than oldestRevision), in key order:
   * the current objects with the ring's later events undone.
   */
  stateAt(revision: number): CacheState {
    this.sorted ??= [...this.objects.keys()].sort(byteOrder);
    const undone = new Map<string, KubeObject | undefined>();
    // Newest first, so the oldest change after revision decides: its previous state.
    for (let i = this.ring.length - 1; i >= 0 && this.ring[i].revision > revision; i--) {
      undone.set(this.ring[i].key, this.ring[i].previous);
    }
    if (undone.size === 0) return { keys: this.sorted, lookup: (key) => this.objects.get(key) };
    const keys = [...new Set([...this.sorted, ...undone.keys()])].sort(byteOrder);
    return { keys, lookup: (key) => (undone.has(key) ? undone.get(key) : this.objects.get(key)) };
  }
}

/** etcd orders keys by their bytes; for the ASCII of Kubernetes names that is code-unit order. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The object as it is reported deleted: its last state at the deletion's revision. */
export function withRevision(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

/** An etcd event as a cache event; previous is the cached state when known, else etcd's prev_kv. */
export function toCacheEvent(raw: IEvent, decodeObject: ObjectDecoder, cached?: KubeObject): CacheEvent {
  const revision = Number(raw.kv.mod_revision);
  const key = raw.kv.key.toString("utf8");
  const previous = cached ?? (raw.prev_kv ? decodeObject(raw.prev_kv) : undefined);
  if (raw.type === "Delete") {
    const last = previous ?? { apiVersion: "", kind: "", metadata: {} };
    return { type: "DELETED", key, object: withRevision(last, revision), previous, revision };
  }
  return { type: previous ? "MODIFIED" : "ADDED", key, object: decodeObject(raw.kv), previous, revision };
}
