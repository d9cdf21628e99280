// Watches of the watch cache: what a watch asks for (filter, start) and is sent
// (sink, bookmarks), how a cache event is projected through a watcher's filter,
// and the three ways events reach a watcher: the current objects as synthetic
// ADDEDs, the ring's recent events, and a subscription to what comes next. A watch
// from a revision older than the ring gets its own etcd watch here. Which of these
// a watch gets is the facade's (watch-cache.ts) decision; this module only sends.
import { apiVersionOf, expired, type KubeObject, type ResourceInfo, type Status, type WatchEvent } from "@bosun/api";
import { StatusError } from "../../errors.js";
import { EtcdWatch } from "../etcd-watch.js";
import { isCompacted } from "../paging.js";
import type { Store } from "../store.js";
import { toCacheEvent, type CacheEvent, type ResourceCache } from "./resource-cache.js";

export type ObjectPredicate = (object: KubeObject) => boolean;

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

/** Sends the sink what a watcher with filter should see of event, if anything. */
function forward(event: CacheEvent, filter: WatchFilter, sink: WatchSink): void {
  const projected = project(event, filter);
  if (projected) sink.event(projected);
}

/**
 * A synthetic ADDED for every object of the cache's state at revision that filter
 * selects, then, when asked, the bookmark that marks the end of them.
 */
export function sendInitialEvents(
  cache: ResourceCache,
  info: ResourceInfo,
  filter: WatchFilter,
  revision: number,
  endBookmark: boolean,
  sink: WatchSink,
): void {
  const { keys, lookup } = cache.stateAt(revision);
  for (const key of keys) {
    const object = lookup(key);
    if (object) forward({ type: "ADDED", key, object, revision }, filter, sink);
  }
  if (endBookmark) sink.event(bookmarkEvent(info, revision, true));
}

/** Sends the ring's events after revision from (which the ring must reach back to). */
export function sendRingSince(cache: ResourceCache, from: number, filter: WatchFilter, sink: WatchSink): void {
  for (const event of cache.ring) {
    if (event.revision > from) forward(event, filter, sink);
  }
}

/**
 * Sends every event the cache applies from now on. cacheRevision is the cache's
 * revision: events reach watchers before it moves past them, so it is what the
 * watch has been sent.
 */
export function subscribe(cache: ResourceCache, filter: WatchFilter, sink: WatchSink, cacheRevision: () => number): WatchHandle {
  const watcher = (event: CacheEvent): void => forward(event, filter, sink);
  cache.watchers.add(watcher);
  return { stop: () => cache.watchers.delete(watcher), revision: cacheRevision };
}

/** A watch older than the ring: its own etcd watch, or 410 if etcd compacted that far. */
export async function watchFromEtcd(
  store: Store,
  info: ResourceInfo,
  filter: WatchFilter,
  fromRevision: number,
  oldest: number,
  sink: WatchSink,
): Promise<WatchHandle> {
  const prefix = store.keys.listPrefix(info, filter.namespace);
  try {
    // A range read at the first revision the watch needs fails exactly when etcd
    // compacted it, so the 410 goes out before any event rather than after some.
    await store.listPrefix(prefix + "\0", fromRevision + 1);
  } catch (err) {
    if (isCompacted(err)) throw tooOld(fromRevision, oldest);
    throw err;
  }
  let sent = fromRevision;
  const watch = await EtcdWatch.open(store.etcd, prefix, fromRevision + 1, {
    onEvents: (events, revision) => {
      for (const raw of events) forward(toCacheEvent(raw, store.decode), filter, sink);
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

function tooOld(requested: number, oldest: number): StatusError {
  return new StatusError(expired(`too old resource version: ${requested} (${oldest})`));
}
