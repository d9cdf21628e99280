// Watch responses: a chunked stream of one JSON event per line. Headers go out at
// once so a client knows the watch is established before the first event; events
// produced while the watch was being set up are held until then. A watch that
// cannot start (its resourceVersion was compacted, or the cache never reached it)
// still answers 200 and carries the Status in an ERROR event, as Kubernetes does
// once a request has been validated.
import type { FastifyReply } from "fastify";
import type { KubeObject, ResourceInfo, Status, WatchEvent } from "@bosun/api";
import { StatusError } from "../errors.js";
import { bookmarkEvent, type WatchCache, type WatchFilter, type WatchHandle, type WatchStart } from "../storage/cacher/watch-cache.js";

/** A client this far behind (bytes buffered in the socket) is cut off and must re-watch. */
const maxBufferedBytes = 32 * 1024 * 1024;

/** Kubernetes' cacher sends a watcher a bookmark about once a minute... */
const bookmarkEveryMs = 60_000;
/** ...and one this long before the watch times out, so a client resumes from close to now. */
const bookmarkBeforeTimeoutMs = 2_000;

export interface WatchRequest {
  info: ResourceInfo;
  filter: WatchFilter;
  start: WatchStart;
  timeoutSeconds: number;
  /** allowWatchBookmarks=true: periodic BOOKMARK events. */
  bookmarks: boolean;
  /** How each event is sent, when not as itself (its object as a Table for kubectl get -w). */
  encode?: (event: WatchEvent<KubeObject>) => unknown;
}

export async function serveWatch(cache: WatchCache, reply: FastifyReply, req: WatchRequest): Promise<void> {
  const pending: string[] = [];
  let write: ((line: string) => void) | undefined;
  let finish: (status?: Status) => void = () => {};
  let endedEarly: { status?: Status } | undefined;
  // The newest resourceVersion the client has been told; a bookmark is only worth sending past it.
  let told = typeof req.start.at === "number" ? req.start.at : 0;
  const send = (event: WatchEvent<KubeObject>): void => {
    const rv = Number(event.object.metadata?.resourceVersion);
    if (event.type !== "ERROR" && Number.isInteger(rv) && rv > told) told = rv;
    const line = JSON.stringify(req.encode ? req.encode(event) : event) + "\n";
    if (write) write(line);
    else pending.push(line);
  };
  let handle: WatchHandle | undefined;
  try {
    handle = await cache.startWatch(req.info, req.filter, req.start, {
      event: send,
      end: (status) => {
        if (write) finish(status);
        else endedEarly = { status };
      },
    });
    told = Math.max(told, handle.revision());
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    endedEarly = { status: err.status };
  }

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache, private",
  });
  res.flushHeaders();

  let done = false;
  const deadline = Date.now() + req.timeoutSeconds * 1000;
  const timer = setTimeout(() => finish(), req.timeoutSeconds * 1000);
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const scheduleBookmark = (): void => {
    const delay = Math.min(bookmarkEveryMs, deadline - bookmarkBeforeTimeoutMs - Date.now());
    if (delay < 0 || !handle) return;
    const watch = handle;
    bookmarkTimer = setTimeout(() => {
      const revision = watch.revision();
      if (revision > told) send(bookmarkEvent(req.info, revision));
      scheduleBookmark();
    }, delay);
  };
  finish = (status?: Status) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    clearTimeout(bookmarkTimer);
    handle?.stop();
    if (status && !res.destroyed) res.write(JSON.stringify({ type: "ERROR", object: status }) + "\n");
    res.end();
  };
  write = (line: string) => {
    if (done) return;
    if (res.writableLength > maxBufferedBytes) return finish();
    res.write(line);
  };
  res.on("close", () => finish());
  // The client may have gone while the watch was starting, before "close" was heard.
  if (res.destroyed || reply.request.raw.destroyed) return finish();
  for (const line of pending) write(line);
  if (endedEarly) return finish(endedEarly.status);
  if (req.bookmarks) scheduleBookmark();
}

/**
 * Without timeoutSeconds Kubernetes ends a watch after a random time between
 * --min-request-timeout (1800 s by default) and twice that, spreading reconnects.
 */
export function defaultWatchTimeoutSeconds(): number {
  return 1800 + Math.floor(Math.random() * 1800);
}
