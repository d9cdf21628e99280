// The bytes of one WebSocket message. ws hands a Buffer under its default
// binaryType ("nodebuffer"), but its type also allows an ArrayBuffer or the
// fragments of a message; each is turned into one Buffer.
import type { RawData } from "ws";

export function messageBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
