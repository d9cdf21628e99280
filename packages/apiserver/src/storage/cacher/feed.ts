// The watch cache's one feed from etcd: a list of everything under the prefix at one
// revision, then one etcd watch from the next, each event applied to the cache of
// the resource its key belongs to. It relists when etcd compacted past it and
// reconnects with backoff when the watch fails. It owns the cache's revision (every
// event up to it is applied) and the reads waiting for that revision to arrive.
//
// One shared feed rather than one per resource: the cache's revision then moves
// with every write under the prefix, so a consistent read rarely needs to ask etcd
// for watch progress at all.
import { Backoff, createLogger } from "@bosun/client";
import { EtcdWatch } from "../etcd-watch.js";
import { tooLargeResourceVersion } from "../paging.js";
import type { Store } from "../store.js";
import { toCacheEvent, withRevision, type ResourceCache } from "./resource-cache.js";

const log = createLogger("apiserver/watch-cache");

/** How long a read waits for the cache to reach a revision before asking etcd directly. */
const catchUpTimeoutMs = 3000;

export class EtcdFeed {
  private appliedRevision = 0;
  private watch: EtcdWatch | undefined;
  private stopped = false;
  private readonly waiters = new Set<{ revision: number; resolve: (ok: boolean) => void }>();
  private readonly backoff = new Backoff({ initialMs: 100, maxMs: 5000 });
  private reconnectTimer: NodeJS.Timeout | undefined;

  /** caches maps each resource's key prefix to its cache. */
  constructor(
    private readonly store: Store,
    private readonly caches: ReadonlyMap<string, ResourceCache>,
  ) {}

  /** The revision up to which every event under the prefix is in the caches. */
  get revision(): number {
    return this.appliedRevision;
  }

  /** Lists everything once and follows from there; resolves once the list is applied. */
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

  /** Waits for the cache to reach revision; 504 Too large resource version if it does not in time. */
  async waitForOrFail(revision: number): Promise<void> {
    if (!(await this.waitFor(revision))) throw tooLargeResourceVersion(revision, this.appliedRevision);
  }

  /** Resolves true once every event up to revision is in the cache, false on timeout. */
  waitFor(revision: number): Promise<boolean> {
    if (this.appliedRevision >= revision) return Promise.resolve(true);
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
    if (revision <= this.appliedRevision) return;
    this.appliedRevision = revision;
    for (const waiter of this.waiters) if (waiter.revision <= revision) waiter.resolve(true);
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
          try {
            cache.apply(toCacheEvent(raw, this.store.decode, cache.objects.get(key)));
          } catch (err) {
            // One value that cannot be read (a key no provider has) must not stop the cache.
            log.error({ key, err: (err as Error).message }, "a changed value in etcd cannot be read; the watch cache keeps its last state of it");
          }
        }
        this.advance(revision);
      },
      onProgress: (revision) => this.advance(revision),
      onCompacted: (compactRevision) => {
        log.warn({ revision: this.appliedRevision, compactRevision }, "watch cache fell behind etcd compaction; relisting");
        this.retry(() => this.relist());
      },
      onFailed: (err) => {
        log.warn({ err: err.message, revision: this.appliedRevision }, "etcd watch failed; reconnecting");
        this.retry(() => this.follow(this.appliedRevision + 1));
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
