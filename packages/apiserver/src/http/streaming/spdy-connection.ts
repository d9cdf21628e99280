// The server side of a SPDY/3 connection as kubectl's streams use it: the client
// opens every stream (SYN_STREAM) and the server accepts each with a SYN_REPLY;
// data flows both ways, FIN half-closes a stream. Flow control is left out, as the
// clients' spdystream leaves it out. Reading waits while a data handler is busy, so
// a slow process slows the client's input down instead of buffering it.
import { once } from "node:events";
import type { Duplex } from "node:stream";
import { createLogger } from "@bosun/client";
import {
  dataFrame,
  encodeHeaderBlock,
  FrameReader,
  goAwayFrame,
  HeaderCompressor,
  rstStreamFrame,
  synReplyFrame,
  type Headers,
} from "./spdy-frames.js";

const log = createLogger("apiserver/spdy");

/** Data frames are cut to this size so that one stream cannot hold the connection for long. */
const maxDataFrameBytes = 32 * 1024;

export interface SpdyHandlers {
  /** A stream the client opened; it has been accepted. */
  onStream(streamId: number, headers: Headers): void;
  /** Data, or the client's end of a stream (fin); reading waits for the returned promise. */
  onData(streamId: number, data: Buffer, fin: boolean): Promise<void> | void;
  onReset(streamId: number): void;
  /** The connection is gone. */
  onClose(): void;
}

export class SpdyConnection {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private closed = false;
  private lastStreamId = 0;

  constructor(
    private readonly socket: Duplex,
    private readonly handlers: SpdyHandlers,
  ) {
    socket.on("error", (err: Error) => log.debug({ err: err.message }, "SPDY connection failed"));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts reading frames; `head` holds bytes that arrived with the upgrade request. */
  start(head: Buffer): void {
    void this.readLoop(head);
  }

  async write(streamId: number, data: Uint8Array): Promise<void> {
    for (let off = 0; off < data.length; off += maxDataFrameBytes) {
      await this.send(dataFrame(streamId, data.subarray(off, off + maxDataFrameBytes), false));
    }
  }

  /** Our end of a stream. */
  finish(streamId: number): Promise<void> {
    return this.send(dataFrame(streamId, Buffer.alloc(0), true));
  }

  reset(streamId: number, status: number): Promise<void> {
    return this.send(rstStreamFrame(streamId, status));
  }

  /**
   * Says no more streams will be accepted and waits (up to graceMs) for the client to
   * close the connection: closing first could drop frames the client still queues.
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.closed) return;
    await this.send(goAwayFrame(this.lastStreamId)).catch(() => undefined);
    if (!this.closed) {
      const timer = setTimeout(() => this.socket.destroy(), graceMs);
      await once(this.socket, "close").catch(() => undefined);
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async send(frame: Buffer): Promise<void> {
    if (this.closed) throw new Error("the SPDY connection is closed");
    if (!this.socket.write(frame)) {
      await Promise.race([once(this.socket, "drain"), once(this.socket, "close")]);
    }
  }

  private async readLoop(head: Buffer): Promise<void> {
    try {
      if (head.length > 0) await this.handleBytes(head);
      for await (const chunk of this.socket as AsyncIterable<Buffer>) await this.handleBytes(chunk);
    } catch (err) {
      log.debug({ err: (err as Error).message }, "reading the SPDY connection failed");
    } finally {
      this.closed = true;
      this.socket.destroy();
      this.handlers.onClose();
    }
  }

  private async handleBytes(chunk: Buffer): Promise<void> {
    for (const frame of this.reader.push(chunk)) {
      switch (frame.kind) {
        case "synStream":
          this.lastStreamId = Math.max(this.lastStreamId, frame.streamId);
          await this.send(synReplyFrame(frame.streamId, this.compressor.compress(encodeHeaderBlock(new Map())), false));
          this.handlers.onStream(frame.streamId, frame.headers);
          if (frame.fin) await this.handlers.onData(frame.streamId, Buffer.alloc(0), true);
          break;
        case "data":
          await this.handlers.onData(frame.streamId, frame.data, frame.fin);
          break;
        case "rstStream":
          this.handlers.onReset(frame.streamId);
          break;
        case "ping":
          await this.send(frame.raw);
          break;
        case "goAway":
        case "other":
          break;
      }
    }
  }
}
