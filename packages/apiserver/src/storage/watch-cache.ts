// The watch cache: one list of everything under the prefix, then one etcd watch
// from the next revision, feeding a per-resource map of current objects and a
// bounded ring of recent events. Lists, gets with resourceVersion=0 and watches
// are served from memory; a watch from a revision older than the ring gets its own
// etcd watch, and a compacted revision answers 410 Expired.
//
// One shared feed rather than one per resource: the cache's revision then moves
// with every write under the prefix, so a consistent read rarely needs to ask etcd
// for watch progress at all.
import type { IEvent } from "etcd3";
import { expired, statusError, type KubeObject, type ResourceInfo, type Status, type WatchEvent } from "@bosun/api";
import { Backoff, createLogger } from "@bosun/client";
import { StatusError } from "../errors.js";
import { EtcdWatch } from "./etcd-watch.js";
import { decodeObject, type Store } from "./store.js";

const log = createLogger("apiserver/watch-cache");

export type ObjectPredicate = (object: KubeObject) => boolean;

interface CacheEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The new state; for DELETED, the last state with the deletion's resourceVersion. */
  object: KubeObject;
  previous?: KubeObject;
  revision: number;
}

export interface WatchFilter {
  namespace?: string;
  predicate: ObjectPredicate;
}

export interface WatchSink {
  event(event: WatchEvent<KubeObject>): void;
  /** The watch ended on the server's side; status says why when it is an error. */
  end(status?: Status): void;
}

export interface WatchHandle {
  stop(): void;
}

/** How long a read waits for the cache to reach a revision before asking etcd directly. */
const catchUpTimeoutMs = 3000;

class ResourceCache {
  readonly objects = new Map<string, KubeObject>();
  readonly ring: CacheEvent[] = [];
  /** The ring holds every event with a revision above this one. */
  oldestRevision = 0;
  readonly watchers = new Set<(event: CacheEvent) => void>();

  constructor(
    readonly info: ResourceInfo,
    private readonly capacity: number,
  ) {}

  apply(key: string, event: CacheEvent): void {
    if (event.type === "DELETED") this.objects.delete(key);
    else this.objects.set(key, event.object);
    this.ring.push(event);
    if (this.ring.length > this.capacity) {
      const dropped = this.ring.shift();
      if (dropped) this.oldestRevision = dropped.revision;
    }
    for (const watcher of this.watchers) watcher(event);
  }
}

/** Turns a cache event into what a watcher with filter should see, if anything. */
function project(event: CacheEvent, filter: WatchFilter): WatchEvent<KubeObject> | undefined {
  const visible = (o: KubeObject | undefined): boolean =>
    o !== undefined && (!filter.namespace || o.metadata.namespace === filter.namespace) && filter.predicate(o);
  const before = visible(event.previous);
  if (event.type === "DELETED") return before ? { type: "DELETED", object: event.object } : undefined;
  const after = visible(event.object);
  if (after) return { type: before ? "MODIFIED" : "ADDED", object: event.object };
  // Kubernetes tells a watcher an object left its selection as a deletion.
  return before ? { type: "DELETED", object: event.object } : undefined;
}

function tooOld(requested: number, oldest: number): StatusError {
  return new StatusError(expired(`too old resource version: ${requested} (${oldest})`));
}

export class WatchCache {
  private readonly caches = new Map<string, ResourceCache>();
  private revision = 0;
  private watch: EtcdWatch | undefined;
  private stopped = false;
  private readonly waiters = new Set<{ revision: number; resolve: (ok: boolean) => void }>();
  private readonly backoff = new Backoff({ initialMs: 100, maxMs: 5000 });
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    resources: readonly ResourceInfo[],
    capacity: number,
  ) {
    for (const info of resources) this.caches.set(store.keys.resourcePrefix(info), new ResourceCache(info, capacity));
  }

  async start(): Promise<void> {
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.watch?.close();
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters.clear();
  }

  /** Lists a resource; consistent unless the caller accepts any recent state (resourceVersion=0). */
  async list(
    info: ResourceInfo,
    filter: WatchFilter,
    consistent: boolean,
  ): Promise<{ items: KubeObject[]; revision: number }> {
    if (consistent && !(await this.waitFor(await this.store.currentRevision()))) {
      const listed = await this.store.listPrefix(this.store.keys.listPrefix(info, filter.namespace));
      return { items: listed.items.filter(filter.predicate), revision: listed.revision };
    }
    const cache = this.cacheOf(info);
    const items: KubeObject[] = [];
    for (const object of cache.objects.values()) {
      if ((!filter.namespace || object.metadata.namespace === filter.namespace) && filter.predicate(object)) items.push(object);
    }
    items.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    return { items, revision: this.revision };
  }

  /** The cached object, possibly a little behind etcd (resourceVersion=0 semantics). */
  get(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.cacheOf(info).objects.get(this.store.keys.objectKey(info, namespace, name));
  }

  /**
   * Starts a watch. fromRevision undefined means "current state first": a synthetic
   * ADDED per object, then changes; consistent makes that state at least as new as etcd's.
   */
  async startWatch(
    info: ResourceInfo,
    filter: WatchFilter,
    fromRevision: number | undefined,
    consistent: boolean,
    sink: WatchSink,
  ): Promise<WatchHandle> {
    const cache = this.cacheOf(info);
    if (fromRevision === undefined) {
      if (consistent) await this.waitFor(await this.store.currentRevision());
      for (const object of cache.objects.values()) {
        const event = project({ type: "ADDED", object, revision: this.revision }, filter);
        if (event) sink.event(event);
      }
      return this.subscribe(cache, filter, sink);
    }
    if (fromRevision > this.revision && !(await this.waitFor(fromRevision))) {
      throw new StatusError(
        statusError(504, "Timeout", `Too large resource version: ${fromRevision}, current: ${this.revision}`),
      );
    }
    if (fromRevision < cache.oldestRevision) return this.watchFromEtcd(info, filter, fromRevision, cache.oldestRevision, sink);
    for (const event of cache.ring) {
      if (event.revision <= fromRevision) continue;
      const projected = project(event, filter);
      if (projected) sink.event(projected);
    }
    return this.subscribe(cache, filter, sink);
  }

  private subscribe(cache: ResourceCache, filter: WatchFilter, sink: WatchSink): WatchHandle {
    const watcher = (event: CacheEvent): void => {
      const projected = project(event, filter);
      if (projected) sink.event(projected);
    };
    cache.watchers.add(watcher);
    return { stop: () => cache.watchers.delete(watcher) };
  }

  /** A watch older than the ring: its own etcd watch, or 410 if etcd compacted that far. */
  private async watchFromEtcd(
    info: ResourceInfo,
    filter: WatchFilter,
    fromRevision: number,
    oldest: number,
    sink: WatchSink,
  ): Promise<WatchHandle> {
    const prefix = this.store.keys.listPrefix(info, filter.namespace);
    try {
      // A range read at the first revision the watch needs fails exactly when etcd
      // compacted it, which lets the 410 be an HTTP status rather than a stream event.
      await this.store.listPrefix(prefix + "\0", fromRevision + 1);
    } catch (err) {
      if (/compacted/.test(String(err))) throw tooOld(fromRevision, oldest);
      throw err;
    }
    const watch = await EtcdWatch.open(this.store.etcd, prefix, fromRevision + 1, {
      onEvents: (events) => {
        for (const raw of events) {
          const projected = project(toCacheEvent(raw), filter);
          if (projected) sink.event(projected);
        }
      },
      onProgress: () => {},
      onCompacted: () => sink.end(tooOld(fromRevision, oldest).status),
      onFailed: () => sink.end(),
    });
    return { stop: () => watch.close() };
  }

  /** Resolves true once every event up to revision is in the cache, false on timeout. */
  private waitFor(revision: number): Promise<boolean> {
    if (this.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        revision,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          clearInterval(nudge);
          this.waiters.delete(waiter);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), catchUpTimeoutMs);
      // Writes elsewhere under the prefix (or outside it) move etcd's revision without
      // any event for this watch; a progress request makes etcd confirm how far it got.
      const nudge = setInterval(() => this.watch?.requestProgress(), 200);
      this.waiters.add(waiter);
      this.watch?.requestProgress();
    });
  }

  private advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    for (const waiter of this.waiters) if (waiter.revision <= revision) waiter.resolve(true);
  }

  private cacheOf(info: ResourceInfo): ResourceCache {
    const cache = this.caches.get(this.store.keys.resourcePrefix(info));
    if (!cache) throw new Error(`no watch cache for resource ${info.resource}: it is not in the served resources table`);
    return cache;
  }

  private cacheOfKey(key: string): ResourceCache | undefined {
    for (const [prefix, cache] of this.caches) if (key.startsWith(prefix)) return cache;
    return undefined;
  }

  /** Loads everything at one revision, tells watchers what changed since, and follows from there. */
  private async relist(): Promise<void> {
    const listed = await this.store.listPrefix(this.store.keys.root + "/");
    const seen = new Map<ResourceCache, Set<string>>();
    for (const [i, object] of listed.items.entries()) {
      const key = listed.keys[i];
      const cache = this.cacheOfKey(key);
      if (!cache) continue;
      const keys = seen.get(cache) ?? new Set<string>();
      keys.add(key);
      seen.set(cache, keys);
      const previous = cache.objects.get(key);
      if (previous?.metadata.resourceVersion === object.metadata.resourceVersion) continue;
      cache.apply(key, { type: previous ? "MODIFIED" : "ADDED", object, previous, revision: listed.revision });
    }
    for (const cache of this.caches.values()) {
      const keys = seen.get(cache);
      for (const [key, object] of [...cache.objects]) {
        if (keys?.has(key)) continue;
        const gone = withRevision(object, listed.revision);
        cache.apply(key, { type: "DELETED", object: gone, previous: object, revision: listed.revision });
      }
      cache.ring.length = 0;
      cache.oldestRevision = listed.revision;
    }
    this.advance(listed.revision);
    await this.follow(listed.revision + 1);
  }

  private async follow(fromRevision: number): Promise<void> {
    if (this.stopped) return;
    this.watch = await EtcdWatch.open(this.store.etcd, this.store.keys.root + "/", fromRevision, {
      onEvents: (events, revision) => {
        this.backoff.reset();
        for (const raw of events) {
          const key = raw.kv.key.toString("utf8");
          const cache = this.cacheOfKey(key);
          if (!cache) continue;
          const event = toCacheEvent(raw, cache.objects.get(key));
          cache.apply(key, event);
        }
        this.advance(revision);
      },
      onProgress: (revision) => this.advance(revision),
      onCompacted: (compactRevision) => {
        log.warn({ revision: this.revision, compactRevision }, "watch cache fell behind etcd compaction; relisting");
        this.retry(() => this.relist());
      },
      onFailed: (err) => {
        log.warn({ err: err.message, revision: this.revision }, "etcd watch failed; reconnecting");
        this.retry(() => this.follow(this.revision + 1));
      },
    });
    // stop() may have run while the watch was opening; it could not close this one.
    if (this.stopped) this.watch.close();
  }

  private retry(action: () => Promise<void>): void {
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(() => {
      action().catch((err: unknown) => {
        log.warn({ err: String(err) }, "watch cache could not reconnect to etcd; retrying");
        this.retry(action);
      });
    }, this.backoff.next());
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
}

function withRevision(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

/** An etcd event as a cache event; previous is the cached state when known, else etcd's prev_kv. */
function toCacheEvent(raw: IEvent, cached?: KubeObject): CacheEvent {
  const revision = Number(raw.kv.mod_revision);
  const previous = cached ?? (raw.prev_kv ? decodeObject(raw.prev_kv) : undefined);
  if (raw.type === "Delete") {
    const last = previous ?? { apiVersion: "", kind: "", metadata: {} };
    return { type: "DELETED", object: withRevision(last, revision), previous, revision };
  }
  return { type: previous ? "MODIFIED" : "ADDED", object: decodeObject(raw.kv), previous, revision };
}
