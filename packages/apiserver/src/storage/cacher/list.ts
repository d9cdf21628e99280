// Pages of a list, read either from the cache's state at a revision or from etcd at
// that revision, with the continue token for the next page. Every page of a
// paginated list is read at its first page's revision (the token carries it), so
// the same page may come from memory while the ring reaches back that far and from
// etcd after. Which source a page comes from, and waiting for the cache to reach a
// revision, is the facade's (watch-cache.ts) decision; this module only reads.
import { badRequest, type KubeObject, type ResourceInfo } from "@bosun/api";
import { StatusError } from "../../errors.js";
import { decodeContinue, encodeContinue, encodeStart, latestRevision } from "../continue.js";
import type { KeyLayout } from "../keys.js";
import {
  continueExpired,
  isCompacted,
  isFutureRevision,
  listExpired,
  tooLargeResourceVersion,
  type ListAt,
  type ListPage,
  type ListRequest,
} from "../paging.js";
import type { Store } from "../store.js";
import type { ResourceCache } from "./resource-cache.js";
import type { WatchFilter } from "./watchers.js";

/** Where a page starts and at which revision, once a continue token is decoded. */
export interface PagePlan {
  prefix: string;
  startKey: string;
  at: ListAt;
  /** Whether this page continues an earlier one (a compaction then answers with a fresh token). */
  continuing: boolean;
}

/** Where the page req asks for starts, and at which revision; 400 for a bad continue token. */
export function planPage(keys: KeyLayout, info: ResourceInfo, filter: WatchFilter, req: ListRequest): PagePlan {
  const prefix = keys.listPrefix(info, filter.namespace);
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
export function pageFromCache(cache: ResourceCache, plan: PagePlan, filter: WatchFilter, limit: number, revision: number): ListPage {
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
  return page(plan, filter, items, revision, more ? lastKey : undefined, remaining);
}

/**
 * A page read from etcd at revision (the current one when undefined). With
 * selectors, etcd is read in growing batches until the page is full, as
 * Kubernetes' etcd3 store does; every batch at the first batch's revision.
 * cacheRevision is the cache's revision, which a 504 for a future revision names.
 */
export async function pageFromEtcd(
  store: Store,
  plan: PagePlan,
  filter: WatchFilter,
  limit: number,
  revision: number | undefined,
  cacheRevision: () => number,
): Promise<ListPage> {
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
      res = await store.range(plan.prefix, startKey, batch, at);
    } catch (err) {
      if (isCompacted(err)) {
        if (plan.continuing) throw continueExpired(encodeStart(plan.startKey, plan.prefix, latestRevision));
        throw listExpired();
      }
      if (isFutureRevision(err)) throw tooLargeResourceVersion(at ?? 0, cacheRevision());
      throw err;
    }
    at ??= res.revision;
    for (const [i, kv] of res.kvs.entries()) {
      const object = store.decode(kv);
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
  return page(plan, filter, items, at, more ? lastKey : undefined, remaining);
}

/** The page of items at revision; with lastKey, the token to continue after it. */
function page(
  plan: PagePlan,
  filter: WatchFilter,
  items: KubeObject[],
  revision: number,
  lastKey: string | undefined,
  remaining: number,
): ListPage {
  const result: ListPage = { items, revision };
  if (lastKey === undefined) return result;
  result.continue = encodeContinue(lastKey, plan.prefix, revision);
  if (!filter.selective) result.remainingItemCount = remaining;
  return result;
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
