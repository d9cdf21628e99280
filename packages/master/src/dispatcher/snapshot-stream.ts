// A stream whose every message is the whole picture (the pod network, the policy
// peers): the picture at once, then a new one after changes, those of one turn of
// the event loop together, and only when the picture this node gets differs from
// the last one sent. An agent never applies changes in order, and a reconnect
// starts from a message like any other.

/** Where a stream's pictures come from. */
export interface SnapshotFeed<M> {
  /** The picture for nodeName now. */
  snapshot(nodeName: string): M;
  /** Called after anything of the picture may have changed; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export class SnapshotStream<M> {
  private lastSent = "";
  private flushScheduled = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly feed: SnapshotFeed<M>,
    private readonly nodeName: string,
    private readonly send: (msg: M) => void,
  ) {}

  start(): void {
    this.unsubscribe = this.feed.subscribe(() => this.schedule());
    this.flush();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    const msg = this.feed.snapshot(this.nodeName);
    const text = JSON.stringify(msg);
    if (text === this.lastSent) return;
    this.lastSent = text;
    this.send(msg);
  }
}
