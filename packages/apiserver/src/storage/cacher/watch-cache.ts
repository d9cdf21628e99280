// The watch cache, as the rest of the apiserver sees it: lists, gets with
// resourceVersion=0 and watches served from memory, kept current by one etcd feed
// (feed.ts) into a cache per resource (resource-cache.ts). This facade decides,
// for each read, which revision it needs, whether to wait for the cache to reach it,
// and whether memory can serve it or etcd must (a list page older than the ring:
// list.ts; a watch older than the ring: watchers.ts; a compacted revision: 410
// Expired). It is the one module the rest of the apiserver imports from cacher/.
import type { KubeObject, ResourceInfo } from "@bosun/api";
import type { ListPage, ListRequest } from "../paging.js";
import type { Store } from "../store.js";
import { EtcdFeed } from "./feed.js";
import { pageFromCache, pageFromEtcd, planPage } from "./list.js";
import { ResourceCache } from "./resource-cache.js";
import {
  sendInitialEvents,
  sendRingSince,
  subscribe,
  watchFromEtcd,
  type WatchFilter,
  type WatchHandle,
  type WatchSink,
  type WatchStart,
} from "./watchers.js";

export {
  bookmarkEvent,
  initialEventsEndAnnotation,
  type ObjectPredicate,
  type WatchFilter,
  type WatchHandle,
  type WatchSink,
  type WatchStart,
} from "./watchers.js";

export class WatchCache {
  /** Each resource's cache, by its key prefix. */
  private readonly caches = new Map<string, ResourceCache>();
  private readonly feed: EtcdFeed;
  private readonly cacheRevision = (): number => this.feed.revision;

  constructor(
    private readonly store: Store,
    resources: readonly ResourceInfo[],
    capacity: number,
  ) {
    for (const info of resources) this.caches.set(store.keys.resourcePrefix(info), new ResourceCache(info, capacity));
    this.feed = new EtcdFeed(store, this.caches);
  }

  async start(): Promise<void> {
    await this.feed.start();
  }

  stop(): void {
    this.feed.stop();
  }

  /** One page of a resource (all of it without a limit), at the revision the request asks for. */
  async list(info: ResourceInfo, filter: WatchFilter, req: ListRequest): Promise<ListPage> {
    const plan = planPage(this.store.keys, info, filter, req);
    // As Kubernetes: a list that may be served from any state ignores the limit.
    const limit = plan.at.kind === "any" ? 0 : req.limit;
    const cache = this.cacheOf(info);
    switch (plan.at.kind) {
      case "any":
        return pageFromCache(cache, plan, filter, limit, this.feed.revision);
      case "consistent":
        if (await this.feed.waitFor(await this.store.currentRevision())) return pageFromCache(cache, plan, filter, limit, this.feed.revision);
        return pageFromEtcd(this.store, plan, filter, limit, undefined, this.cacheRevision);
      case "notOlderThan":
        await this.feed.waitForOrFail(plan.at.revision);
        return pageFromCache(cache, plan, filter, limit, this.feed.revision);
      case "exact":
        await this.feed.waitForOrFail(plan.at.revision);
        if (plan.at.revision >= cache.oldestRevision) return pageFromCache(cache, plan, filter, limit, plan.at.revision);
        return pageFromEtcd(this.store, plan, filter, limit, plan.at.revision, this.cacheRevision);
    }
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
      if (start.at === "consistent") await this.feed.waitFor(await this.store.currentRevision());
      else if (start.at !== "any") await this.feed.waitForOrFail(start.at);
      sendInitialEvents(cache, info, filter, this.feed.revision, start.endBookmark, sink);
      return subscribe(cache, filter, sink, this.cacheRevision);
    }
    const from = start.at === "any" ? this.feed.revision : start.at === "consistent" ? await this.store.currentRevision() : start.at;
    await this.feed.waitForOrFail(from);
    if (from < cache.oldestRevision) return watchFromEtcd(this.store, info, filter, from, cache.oldestRevision, sink);
    sendRingSince(cache, from, filter, sink);
    return subscribe(cache, filter, sink, this.cacheRevision);
  }

  private cacheOf(info: ResourceInfo): ResourceCache {
    const cache = this.caches.get(this.store.keys.resourcePrefix(info));
    if (!cache) throw new Error(`no watch cache for resource ${info.resource}: it is not in the served resources table`);
    return cache;
  }
}
