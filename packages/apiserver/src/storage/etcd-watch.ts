// One etcd watch on its own gRPC stream. The etcd3 library's watcher hides the
// stream, but a consistent read from the watch cache needs WatchProgressRequest,
// which is per stream, and the watch cache needs to tell "compacted" apart from
// "connection lost". So this talks the Watch RPC directly.
import type { Etcd3, IEvent, IDuplexStream, IWatchRequest, IWatchResponse } from "etcd3";
import { prefixEnd } from "./keys.js";

export interface EtcdWatchHandlers {
  /** Events of one revision batch, in order; revision is the header revision of the response. */
  onEvents(events: IEvent[], revision: number): void;
  /** Every event up to revision has been delivered. */
  onProgress(revision: number): void;
  /** The start revision was compacted away: the watch is over. */
  onCompacted(compactRevision: number): void;
  /** The stream failed or was canceled by etcd for another reason: the watch is over. */
  onFailed(err: Error): void;
}

export class EtcdWatch {
  private closed = false;
  private created = false;

  private constructor(
    private readonly stream: IDuplexStream<IWatchRequest, IWatchResponse>,
    private readonly handlers: EtcdWatchHandlers,
  ) {}

  /** Opens a watch of every key under prefix, from startRevision (inclusive). */
  static async open(etcd: Etcd3, prefix: string, startRevision: number, handlers: EtcdWatchHandlers): Promise<EtcdWatch> {
    const stream = await etcd.watchClient.watch();
    const watch = new EtcdWatch(stream, handlers);
    stream.on("data", (res) => watch.handle(res));
    stream.on("error", (err) => watch.fail(err));
    stream.on("end", () => watch.fail(new Error("etcd closed the watch stream")));
    stream.write({
      create_request: {
        key: Buffer.from(prefix),
        range_end: prefixEnd(prefix),
        start_revision: startRevision,
        prev_kv: true,
        progress_notify: true,
      },
    });
    return watch;
  }

  /** Asks etcd to report how far this stream has come; answered through onProgress. */
  requestProgress(): void {
    if (!this.closed && this.created) this.stream.write({ progress_request: {} });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.cancel();
  }

  private handle(res: IWatchResponse): void {
    if (this.closed) return;
    const revision = Number(res.header.revision);
    if (res.created) this.created = true;
    if (res.canceled) {
      this.closed = true;
      this.stream.cancel();
      if (Number(res.compact_revision) > 0) this.handlers.onCompacted(Number(res.compact_revision));
      else this.handlers.onFailed(new Error(`etcd canceled the watch: ${res.cancel_reason || "no reason given"}`));
      return;
    }
    if (res.events.length > 0) this.handlers.onEvents(res.events, revision);
    else if (!res.created) this.handlers.onProgress(revision);
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onFailed(err);
  }
}
