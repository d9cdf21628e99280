// Docker multiplexes a non-tty process's stdout and stderr on one connection: each
// frame is an 8-byte header (stream type, three zero bytes, big-endian payload
// length) and the payload. Reading frame by frame through an async iterator keeps
// Docker's connection paused while the consumer is slow.
import type { ProcessOutput } from "../runtime/runtime.js";

const headerBytes = 8;

export async function* demuxDockerStream(source: AsyncIterable<Buffer>): AsyncIterable<ProcessOutput> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= headerBytes) {
      const type = pending[0];
      const length = pending.readUInt32BE(4);
      if (pending.length < headerBytes + length) break;
      const data = pending.subarray(headerBytes, headerBytes + length);
      pending = pending.subarray(headerBytes + length);
      // Type 0 is stdin echoed back, which Docker never sends for exec or attach.
      if (type === 2) yield { stream: "stderr", data };
      else if (type === 1 || type === 0) yield { stream: "stdout", data };
      else throw new Error(`Docker sent a stream frame of unknown type ${String(type)}; the engine's API is not the one this agent speaks`);
    }
  }
  if (pending.length > 0) {
    throw new Error(`Docker's output stream ended inside a frame (${pending.length} bytes left over)`);
  }
}

/** A tty's output is one raw byte stream: all of it is stdout. */
export async function* rawDockerStream(source: AsyncIterable<Buffer>): AsyncIterable<ProcessOutput> {
  for await (const data of source) yield { stream: "stdout", data };
}

/**
 * What Docker sends of a process (exec, attach) or a container's logs: with a tty one
 * raw stream, as the terminal wrote it; without, frames split into stdout and stderr.
 */
export function dockerOutput(source: AsyncIterable<Buffer>, tty: boolean): AsyncIterable<ProcessOutput> {
  return tty ? rawDockerStream(source) : demuxDockerStream(source);
}

/** A container's log bytes, stdout and stderr interleaved as written. */
export async function* dockerLogBytes(source: AsyncIterable<Buffer>, tty: boolean): AsyncIterable<Buffer> {
  for await (const out of dockerOutput(source, tty)) yield out.data;
}
