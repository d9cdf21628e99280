// SPDY/3 framing, the part kubectl's remote command and port-forward streams use
// (kubectl up to 1.29 speaks only SPDY; later versions fall back to it). Control
// frames carry header blocks compressed by one zlib stream per direction, primed
// with the dictionary of the SPDY/3 draft.
import { inflateSync, constants as zlibConstants } from "node:zlib";

export const frameTypes = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const flagFin = 0x01;
const controlBit = 0x8000;
const spdyVersion = 3;
const frameHeaderBytes = 8;
/** Frames larger than this are refused: remote command streams send small ones. */
const maxFrameBytes = 1 << 24;
export const rstStatus = { protocolError: 1, refusedStream: 3, cancel: 5 } as const;

export type Headers = Map<string, string[]>;

export type Frame =
  | { kind: "data"; streamId: number; fin: boolean; data: Buffer }
  | { kind: "synStream"; streamId: number; fin: boolean; headers: Headers }
  | { kind: "rstStream"; streamId: number; status: number }
  | { kind: "ping"; id: number; raw: Buffer }
  | { kind: "goAway" }
  /** Frames these streams have no use for: SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY. */
  | { kind: "other"; type: number };

const dictionaryWords = [
  "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
  "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
  "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
  "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
  "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
  "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
  "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1",
  "url", "public", "set-cookie", "keep-alive", "origin",
];
const dictionaryTail =
  "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
  "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized" +
  "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
  "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
  "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain," +
  "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

/** The zlib dictionary of SPDY/3 (draft 3, section 2.6.10.1): length-prefixed words, then a text. */
export const spdyDictionary: Buffer = (() => {
  const parts: Buffer[] = [];
  for (const word of dictionaryWords) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(word.length);
    parts.push(len, Buffer.from(word, "latin1"));
  }
  parts.push(Buffer.from(dictionaryTail, "latin1"));
  return Buffer.concat(parts);
})();

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Our side of the header compression. A zlib stream needs no actual compression:
 * each header block goes out as stored deflate blocks, which any inflater reads,
 * after a zlib header that names the dictionary as the peer expects.
 */
export class HeaderCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window); FLG with FDICT set and FCHECK making CMF*256+FLG a multiple of 31.
      const cmf = 0x78;
      let flg = 0x20;
      flg += 31 - ((cmf * 256 + flg) % 31);
      const dictId = Buffer.alloc(4);
      dictId.writeUInt32BE(adler32(spdyDictionary));
      parts.push(Buffer.from([cmf, flg]), dictId);
    }
    const pieces: Buffer[] = [];
    for (let off = 0; off < block.length; off += 0xffff) pieces.push(block.subarray(off, off + 0xffff));
    // The empty stored block is what a zlib sync flush ends with: it tells the
    // peer's inflater to hand out what it has without reading on into the next frame.
    pieces.push(Buffer.alloc(0));
    for (const piece of pieces) {
      const head = Buffer.alloc(5);
      head[0] = 0; // BFINAL 0, BTYPE 00 (stored), padding to the byte
      head.writeUInt16LE(piece.length, 1);
      head.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(head, piece);
    }
    return Buffer.concat(parts);
  }
}

/**
 * The peer's side: its header blocks continue one zlib stream. Inflating everything
 * received so far (header blocks are few and small) and keeping what is new avoids
 * holding a zlib stream open across frames.
 */
export class HeaderDecompressor {
  private compressed: Buffer = Buffer.alloc(0);
  private consumed = 0;

  decompress(block: Buffer): Buffer {
    this.compressed = Buffer.concat([this.compressed, block]);
    const all = inflateSync(this.compressed, { dictionary: spdyDictionary, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const fresh = all.subarray(this.consumed);
    this.consumed = all.length;
    return fresh;
  }
}

export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  parts.push(u32(headers.size));
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), "utf8");
    const v = Buffer.from(values.join("\0"), "utf8");
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const headers: Headers = new Map();
  let off = 0;
  const u32 = () => {
    if (off + 4 > block.length) throw new Error("SPDY header block is cut short");
    const n = block.readUInt32BE(off);
    off += 4;
    return n;
  };
  const str = (len: number) => {
    if (off + len > block.length) throw new Error("SPDY header block is cut short");
    const s = block.toString("utf8", off, off + len);
    off += len;
    return s;
  };
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = str(u32()).toLowerCase();
    const values = str(u32()).split("\0");
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(frameHeaderBytes);
  head.writeUInt16BE(controlBit | spdyVersion, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

export function dataFrame(streamId: number, data: Uint8Array, fin: boolean): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + data.length);
  frame.writeUInt32BE(streamId & 0x7fffffff, 0);
  frame.writeUInt32BE(((fin ? flagFin : 0) << 24) | data.length, 4);
  frame.set(data, frameHeaderBytes);
  return frame;
}

export function synReplyFrame(streamId: number, compressedHeaders: Buffer, fin: boolean): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId & 0x7fffffff);
  return controlFrame(frameTypes.synReply, fin ? flagFin : 0, Buffer.concat([id, compressedHeaders]));
}

export function rstStreamFrame(streamId: number, status: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(streamId & 0x7fffffff, 0);
  body.writeUInt32BE(status, 4);
  return controlFrame(frameTypes.rstStream, 0, body);
}

export function goAwayFrame(lastGoodStreamId: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  return controlFrame(frameTypes.goAway, 0, body);
}

/** Splits the bytes of a connection into frames, decompressing header blocks on the way. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private readonly headers = new HeaderDecompressor();

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= frameHeaderBytes) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (length > maxFrameBytes) throw new Error(`SPDY frame of ${length} bytes is too large`);
      if (this.pending.length < frameHeaderBytes + length) break;
      const frame = this.pending.subarray(0, frameHeaderBytes + length);
      this.pending = this.pending.subarray(frameHeaderBytes + length);
      frames.push(this.parse(frame));
    }
    return frames;
  }

  private parse(frame: Buffer): Frame {
    const flags = frame[4] ?? 0;
    const body = frame.subarray(frameHeaderBytes);
    const first = frame.readUInt16BE(0);
    if ((first & controlBit) === 0) {
      return { kind: "data", streamId: frame.readUInt32BE(0) & 0x7fffffff, fin: (flags & flagFin) !== 0, data: body };
    }
    const version = first & 0x7fff;
    if (version !== spdyVersion) throw new Error(`SPDY version ${version} is not supported; only SPDY/3 is`);
    const type = frame.readUInt16BE(2);
    switch (type) {
      case frameTypes.synStream: {
        if (body.length < 10) throw new Error("SYN_STREAM frame is cut short");
        const streamId = body.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(this.headers.decompress(body.subarray(10)));
        return { kind: "synStream", streamId, fin: (flags & flagFin) !== 0, headers };
      }
      case frameTypes.rstStream:
        return { kind: "rstStream", streamId: body.readUInt32BE(0) & 0x7fffffff, status: body.readUInt32BE(4) };
      case frameTypes.ping:
        return { kind: "ping", id: body.readUInt32BE(0), raw: Buffer.from(frame) };
      case frameTypes.goAway:
        return { kind: "goAway" };
      case frameTypes.headers:
      case frameTypes.synReply:
        // Their header blocks still advance the shared decompression stream.
        this.headers.decompress(body.subarray(4));
        return { kind: "other", type };
      default:
        return { kind: "other", type };
    }
  }
}
