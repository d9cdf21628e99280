// The watch cache: one list of everything under the prefix, then one etcd watch
// from the next revision, feeding a per-resource map of current objects and a
// bounded ring of recent events. Lists, gets with resourceVersion=0 and watches
// are served from memory; a watch from a revision older than the ring gets its own
// etcd watch, and a compacted revision answers 410 Expired.
//
// The ring also makes the cache a short history: undoing the ring's events newer
// than a revision gives the state at that revision, so the pages of a paginated
// list (all read at the first page's revision) come from memory while the ring
// reaches back that far, and from etcd at that revision after.
//
// One shared feed rather than one per resource: the cache's revision then moves
// with every write under the prefix, so a consistent read rarely needs to ask etcd
// for watch progress at all.
import type { IEvent } from "etcd3";
import { apiVersionOf, badRequest, expired, type KubeObject, type ResourceInfo, type Status, type WatchEvent } from "@bosun/api";
import { Backoff, createLogger } from "@bosun/client";
import { StatusError } from "../errors.js";
import { decodeContinue, encodeContinue, encodeStart, latestRevision } from "./continue.js";
import { EtcdWatch } from "./etcd-watch.js";
import {
  continueExpired,
  isCompacted,
  isFutureRevision,
  listExpired,
  tooLargeResourceVersion,
  type ListAt,
  type ListPage,
  type ListRequest,
} from "./paging.js";
import { decodeObject, type Store } from "./store.js";

const log = createLogger("apiserver/watch-cache");

export type ObjectPredicate = (object: KubeObject) => boolean;

interface CacheEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object's etcd key. */
  key: string;
  /** The new state; for DELETED, the last state with the deletion's resourceVersion. */
  object: KubeObject;
  previous?: KubeObject;
  revision: number;
}

export interface WatchFilter {
  namespace?: string;
  predicate: ObjectPredicate;
  /** Whether a label or field selector narrows the objects (remainingItemCount is then unknown). */
  selective: boolean;
}

/**
 * Where a watch starts. "initial": a synthetic ADDED per current object first, from a
 * state at least as new as `at` ("consistent": etcd's revision now; "any": the
 * cache's), then changes. "since": only changes after revision `at`.
 */
export type WatchStart =
  | { kind: "initial"; at: "consistent" | "any" | number; endBookmark: boolean }
  | { kind: "since"; at: "consistent" | "any" | number };

export interface WatchSink {
  event(event: WatchEvent<KubeObject>): void;
  /** The watch ended on the server's side; status says why when it is an error. */
  end(status?: Status): void;
}

export interface WatchHandle {
  stop(): void;
  /** The revision up to which this watch has been sent every event: what a bookmark may carry. */
  revision(): number;
}

/** Annotation of the bookmark that ends the initial events of a watch with sendInitialEvents. */
export const initialEventsEndAnnotation = "k8s.io/initial-events-end";

/** A BOOKMARK event: only the kind and the resourceVersion, as Kubernetes sends it. */
export function bookmarkEvent(info: ResourceInfo, revision: number, initialEventsEnd = false): WatchEvent<KubeObject> {
  const metadata: KubeObject["metadata"] = { resourceVersion: String(revision) };
  if (initialEventsEnd) metadata.annotations = { [initialEventsEndAnnotation]: "true" };
  return { type: "BOOKMARK", object: { kind: info.kind, apiVersion: apiVersionOf(info), metadata } };
}

/** How long a read waits for the cache to reach a revision before asking etcd directly. */
const catchUpTimeoutMs = 3000;

class ResourceCache {
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
  stateAt(revision: number): { keys: readonly string[]; lookup: (key: string) => KubeObject | undefined } {
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

/** The index of the first key not below key in sorted keys. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

/** Where a page starts and at which revision, once a continue token is decoded. */
interface PagePlan {
  prefix: string;
  startKey: string;
  at: ListAt;
  /** Whether this page continues an earlier one (a compaction then answers with a fresh token). */
  continuing: boolean;
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

  /** One page of a resource (all of it without a limit), at the revision the request asks for. */
  async list(info: ResourceInfo, filter: WatchFilter, req: ListRequest): Promise<ListPage> {
    const plan = this.planPage(info, filter, req);
    // As Kubernetes: a list that may be served from any state ignores the limit.
    const limit = plan.at.kind === "any" ? 0 : req.limit;
    const cache = this.cacheOf(info);
    switch (plan.at.kind) {
      case "any":
        return this.pageFromCache(cache, plan, filter, limit, this.revision);
      case "consistent":
        if (await this.waitFor(await this.store.currentRevision())) return this.pageFromCache(cache, plan, filter, limit, this.revision);
        return this.pageFromEtcd(plan, filter, limit, undefined);
      case "notOlderThan":
        await this.waitForOrFail(plan.at.revision);
        return this.pageFromCache(cache, plan, filter, limit, this.revision);
      case "exact":
        await this.waitForOrFail(plan.at.revision);
        if (plan.at.revision >= cache.oldestRevision) return this.pageFromCache(cache, plan, filter, limit, plan.at.revision);
        return this.pageFromEtcd(plan, filter, limit, plan.at.revision);
    }
  }

  private planPage(info: ResourceInfo, filter: WatchFilter, req: ListRequest): PagePlan {
    const prefix = this.store.keys.listPrefix(info, filter.namespace);
    if (req.continueToken === undefined) return { prefix, startKey: prefix, at: req.at, continuing: false };
    let point;
    try {
      point = decodeContinue(req.continueToken, prefix);
    } catch (err) {
      throw new StatusError(badRequest(`invalid continue token: ${(err as Error).message}`));
    }
    const at: ListAt = point.revision === latestRevision ? { kind: "consistent" } : { kind: "exact", revision: point.revision };
    return { prefix, startKey: point.startKey, at, continuing: true };
  }

  /** A page from the cache's state at revision (which the ring must reach back to). */
  private pageFromCache(cache: ResourceCache, plan: PagePlan, filter: WatchFilter, limit: number, revision: number): ListPage {
    const { keys, lookup } = cache.stateAt(revision);
    const items: KubeObject[] = [];
    let lastKey = "";
    let more = false;
    let remaining = 0;
    for (let i = lowerBound(keys, plan.startKey); i < keys.length && keys[i].startsWith(plan.prefix); i++) {
      const object = lookup(keys[i]);
      if (!object) continue;
      if (limit > 0 && items.length >= limit) {
        more = true;
        // Without selectors every further object counts; with them the count is unknown anyway.
        if (filter.selective) break;
        remaining++;
        continue;
      }
      if (!filter.predicate(object)) continue;
      items.push(object);
      lastKey = keys[i];
    }
    return this.page(plan, filter, items, revision, more ? lastKey : undefined, remaining);
  }

  /**
   * A page read from etcd at revision (the current one when undefined). With
   * selectors, etcd is read in growing batches until the page is full, as
   * Kubernetes' etcd3 store does; every batch at the first batch's revision.
   */
  private async pageFromEtcd(plan: PagePlan, filter: WatchFilter, limit: number, revision: number | undefined): Promise<ListPage> {
    const items: KubeObject[] = [];
    let startKey = plan.startKey;
    let batch = limit;
    let at = revision;
    let lastKey = "";
    let more = false;
    let remaining = 0;
    for (;;) {
      let res;
      try {
        res = await this.store.range(plan.prefix, startKey, batch, at);
      } catch (err) {
        if (isCompacted(err)) {
          if (plan.continuing) throw continueExpired(encodeStart(plan.startKey, plan.prefix, latestRevision));
          throw listExpired();
        }
        if (isFutureRevision(err)) throw tooLargeResourceVersion(at ?? 0, this.revision);
        throw err;
      }
      at ??= res.revision;
      for (const [i, kv] of res.kvs.entries()) {
        const object = decodeObject(kv);
        if (!filter.predicate(object)) continue;
        items.push(object);
        lastKey = kv.key.toString("utf8");
        if (limit > 0 && items.length >= limit) {
          more = i < res.kvs.length - 1 || res.more;
          if (!filter.selective) remaining = res.count - res.kvs.length;
          break;
        }
      }
      if (!res.more || (limit > 0 && items.length >= limit)) break;
      startKey = res.kvs[res.kvs.length - 1].key.toString("utf8") + "\0";
      batch = Math.min(batch * 2, 10000);
    }
    return this.page(plan, filter, items, at, more ? lastKey : undefined, remaining);
  }

  private page(
    plan: PagePlan,
    filter: WatchFilter,
    items: KubeObject[],
    revision: number,
    lastKey: string | undefined,
    remaining: number,
  ): ListPage {
    const page: ListPage = { items, revision };
    if (lastKey === undefined) return page;
    page.continue = encodeContinue(lastKey, plan.prefix, revision);
    if (!filter.selective) page.remainingItemCount = remaining;
    return page;
  }

  /** The cached object, possibly a little behind etcd (resourceVersion=0 semantics). */
  get(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.cacheOf(info).objects.get(this.store.keys.objectKey(info, namespace, name));
  }

  /**
   * Starts a watch. Errors a client could only learn once the watch is running
   * (a compacted or an unreachable revision) are thrown as StatusErrors; the HTTP
   * layer sends them as an ERROR event, as Kubernetes does.
   */
  async startWatch(info: ResourceInfo, filter: WatchFilter, start: WatchStart, sink: WatchSink): Promise<WatchHandle> {
    const cache = this.cacheOf(info);
    if (start.kind === "initial") {
      // Serving a consistent start from the cache when it cannot catch up keeps the
      // watch alive; the state is then only as new as the cache.
      if (start.at === "consistent") await this.waitFor(await this.store.currentRevision());
      else if (start.at !== "any") await this.waitForOrFail(start.at);
      const { keys, lookup } = cache.stateAt(this.revision);
      for (const key of keys) {
        const object = lookup(key);
        const event = object && project({ type: "ADDED", key, object, revision: this.revision }, filter);
        if (event) sink.event(event);
      }
      if (start.endBookmark) sink.event(bookmarkEvent(info, this.revision, true));
      return this.subscribe(cache, filter, sink);
    }
    const from = start.at === "any" ? this.revision : start.at === "consistent" ? await this.store.currentRevision() : start.at;
    await this.waitForOrFail(from);
    if (from < cache.oldestRevision) return this.watchFromEtcd(info, filter, from, cache.oldestRevision, sink);
    for (const event of cache.ring) {
      if (event.revision <= from) continue;
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
    // Events reach watchers before the cache's revision moves past them.
    return { stop: () => cache.watchers.delete(watcher), revision: () => this.revision };
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
      // compacted it, so the 410 goes out before any event rather than after some.
      await this.store.listPrefix(prefix + "\0", fromRevision + 1);
    } catch (err) {
      if (isCompacted(err)) throw tooOld(fromRevision, oldest);
      throw err;
    }
    let sent = fromRevision;
    const watch = await EtcdWatch.open(this.store.etcd, prefix, fromRevision + 1, {
      onEvents: (events, revision) => {
        for (const raw of events) {
          const projected = project(toCacheEvent(raw), filter);
          if (projected) sink.event(projected);
        }
        sent = revision;
      },
      onProgress: (revision) => {
        sent = Math.max(sent, revision);
      },
      onCompacted: () => sink.end(tooOld(fromRevision, oldest).status),
      onFailed: () => sink.end(),
    });
    return { stop: () => watch.close(), revision: () => sent };
  }

  /** Waits for the cache to reach revision; 504 Too large resource version if it does not in time. */
  private async waitForOrFail(revision: number): Promise<void> {
    if (!(await this.waitFor(revision))) throw tooLargeResourceVersion(revision, this.revision);
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
      cache.apply({ type: previous ? "MODIFIED" : "ADDED", key, object, previous, revision: listed.revision });
    }
    for (const cache of this.caches.values()) {
      const keys = seen.get(cache);
      for (const [key, object] of [...cache.objects]) {
        if (keys?.has(key)) continue;
        const gone = withRevision(object, listed.revision);
        cache.apply({ type: "DELETED", key, object: gone, previous: object, revision: listed.revision });
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
          cache.apply(toCacheEvent(raw, cache.objects.get(key)));
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

function withRevision(object: KubeObject, revision: number): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

/** An etcd event as a cache event; previous is the cached state when known, else etcd's prev_kv. */
function toCacheEvent(raw: IEvent, cached?: KubeObject): CacheEvent {
  const revision = Number(raw.kv.mod_revision);
  const key = raw.kv.key.toString("utf8");
  const previous = cached ?? (raw.prev_kv ? decodeObject(raw.prev_kv) : undefined);
  if (raw.type === "Delete") {
    const last = previous ?? { apiVersion: "", kind: "", metadata: {} };
    return { type: "DELETED", key, object: withRevision(last, revision), previous, revision };
  }
  return { type: previous ? "MODIFIED" : "ADDED", key, object: decodeObject(raw.kv), previous, revision };
}
