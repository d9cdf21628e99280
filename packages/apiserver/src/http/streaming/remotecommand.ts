// The remote command protocol shared by its WebSocket and SPDY carriers: protocol
// versions, stream ids, what the error stream says at the end, and terminal sizes.
import type { ProcessEvent } from "./source.js";

/** Stream (channel) ids; on SPDY the same roles are named by the streamtype header. */
export const stdinChannel = 0;
export const stdoutChannel = 1;
export const stderrChannel = 2;
export const errorChannel = 3;
export const resizeChannel = 4;
/** v5 over WebSocket: `[255, id]` half-closes stream id (stdin's end of file). */
export const closeChannel = 255;

export const protocolV5 = "v5.channel.k8s.io";
export const protocolV4 = "v4.channel.k8s.io";
export const protocolV3 = "v3.channel.k8s.io";
export const protocolV2 = "v2.channel.k8s.io";
export const protocolV1 = "channel.k8s.io";

/** v4 and later write a v1 Status on the error stream; earlier versions only a failure's text. */
export function statusOnErrorStream(protocol: string): boolean {
  return protocol === protocolV5 || protocol === protocolV4;
}

/**
 * What the error stream carries when the process ends. kubectl exits with the code
 * in a NonZeroExitCode Status, as the kubelet writes it.
 */
export function endMessage(end: Extract<ProcessEvent, { kind: "exit" | "error" }>, protocol: string): Buffer | undefined {
  const status = endStatus(end);
  if (statusOnErrorStream(protocol)) return Buffer.from(JSON.stringify(status));
  return status.status === "Success" ? undefined : Buffer.from(status.message ?? "");
}

interface EndStatus {
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason?: string; message: string }[] };
}

export function endStatus(end: Extract<ProcessEvent, { kind: "exit" | "error" }>): EndStatus {
  if (end.kind === "error") {
    const message = `Internal error occurred: error executing command in container: ${end.message}`;
    return { metadata: {}, status: "Failure", message, reason: "InternalError", code: 500, details: { causes: [{ message: end.message }] } };
  }
  if (end.exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: exit status ${end.exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(end.exitCode) }] },
  };
}

export interface TerminalSize {
  width: number;
  height: number;
}

/**
 * Splits the resize stream, a sequence of JSON objects like {"Width":80,"Height":24}
 * that may arrive cut anywhere, into sizes.
 */
export class ResizeDecoder {
  private pending = "";

  push(chunk: Uint8Array): TerminalSize[] {
    this.pending += Buffer.from(chunk).toString("utf8");
    const sizes: TerminalSize[] = [];
    for (;;) {
      const start = this.pending.indexOf("{");
      const end = this.pending.indexOf("}", start);
      if (start < 0 || end < 0) break;
      const text = this.pending.slice(start, end + 1);
      this.pending = this.pending.slice(end + 1);
      try {
        const v = JSON.parse(text) as { Width?: unknown; Height?: unknown };
        if (typeof v.Width === "number" && typeof v.Height === "number" && v.Width > 0 && v.Height > 0) {
          sizes.push({ width: Math.floor(v.Width), height: Math.floor(v.Height) });
        }
      } catch {
        // A malformed size is dropped; the next one will do.
      }
    }
    if (this.pending.length > 4096) this.pending = "";
    return sizes;
  }
}
