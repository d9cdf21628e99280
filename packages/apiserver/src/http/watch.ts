// Watch responses: a chunked stream of one JSON event per line. Headers go out at
// once so a client knows the watch is established before the first event; events
// produced while the watch was being set up are held until then.
import type { FastifyReply } from "fastify";
import type { KubeObject, ResourceInfo, Status, WatchEvent } from "@bosun/api";
import type { WatchCache, WatchFilter, WatchHandle } from "../storage/watch-cache.js";

/** A client this far behind (bytes buffered in the socket) is cut off and must re-watch. */
const maxBufferedBytes = 32 * 1024 * 1024;

export interface WatchRequest {
  info: ResourceInfo;
  filter: WatchFilter;
  fromRevision: number | undefined;
  consistent: boolean;
  timeoutSeconds: number;
}

export async function serveWatch(cache: WatchCache, reply: FastifyReply, req: WatchRequest): Promise<void> {
  const pending: string[] = [];
  let write: ((line: string) => void) | undefined;
  let finish: (status?: Status) => void = () => {};
  const handle: WatchHandle = await cache.startWatch(req.info, req.filter, req.fromRevision, req.consistent, {
    event: (event: WatchEvent<KubeObject>) => {
      const line = JSON.stringify(event) + "\n";
      if (write) write(line);
      else pending.push(line);
    },
    end: (status) => finish(status),
  });

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache, private",
  });
  res.flushHeaders();

  let done = false;
  const timer = setTimeout(() => finish(), req.timeoutSeconds * 1000);
  finish = (status?: Status) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    handle.stop();
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
}

/** Kubernetes ends a watch after a random 5 to 10 minutes unless the client asks otherwise. */
export function defaultWatchTimeoutSeconds(): number {
  return 300 + Math.floor(Math.random() * 300);
}
