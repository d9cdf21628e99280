// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by its length
// as two bytes. The server reads clients' queries and the forwarder reads upstream
// answers with the same reader.

/** Collects a TCP stream's chunks and hands out the whole messages in it. */
export class TcpFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** The messages completed by this chunk, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 2) {
      const length = this.pending.readUInt16BE(offset);
      if (this.pending.length - offset - 2 < length) break;
      frames.push(this.pending.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }
}

/** A message framed for TCP. */
export function tcpFrame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}
