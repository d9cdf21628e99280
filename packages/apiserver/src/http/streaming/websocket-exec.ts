// exec and attach over WebSocket (the channel.k8s.io subprotocols): every binary
// message starts with its channel id (0 stdin, 1 stdout, 2 stderr, 3 error,
// 4 resize); v5 adds 255, `[255, id]`, which half-closes a channel. kubectl 1.30 and
// later speak v5, and 1.29 when KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true.
import type { WebSocket } from "ws";
import { channelMessage, createLogger, messageBytes } from "@bosun/client";
import {
  closeChannel,
  endMessage,
  errorChannel,
  protocolV1,
  protocolV4,
  protocolV5,
  resizeChannel,
  ResizeDecoder,
  stderrChannel,
  stdinChannel,
  stdoutChannel,
} from "./remotecommand.js";
import { SerialQueue } from "./serial.js";
import type { PodExecRequest, RemoteProcess } from "./source.js";

const log = createLogger("apiserver/exec");

/** The subprotocols served, most preferred first. */
export const webSocketExecProtocols = [protocolV5, protocolV4, protocolV1];

/** The subprotocol to speak, or undefined when the client offers none of ours. No offer at all means the original channel.k8s.io. */
export function pickWebSocketProtocol(offered: string[]): string | undefined {
  if (offered.length === 0) return protocolV1;
  return webSocketExecProtocols.find((p) => offered.includes(p));
}

export type ChannelInput =
  | { kind: "stdin"; data: Buffer }
  | { kind: "stdinClosed" }
  | { kind: "resize"; data: Buffer }
  | { kind: "ignored" };

/** What a message from the client means under the negotiated subprotocol. */
export function parseChannelMessage(msg: Buffer, protocol: string): ChannelInput {
  if (msg.length === 0) return { kind: "ignored" };
  const payload = msg.subarray(1);
  switch (msg[0]) {
    case stdinChannel:
      return { kind: "stdin", data: payload };
    case resizeChannel:
      return { kind: "resize", data: payload };
    case closeChannel:
      return protocol === protocolV5 && payload[0] === stdinChannel ? { kind: "stdinClosed" } : { kind: "ignored" };
    default:
      return { kind: "ignored" };
  }
}

function send(ws: WebSocket, msg: Buffer): Promise<void> {
  return new Promise((resolve, reject) => ws.send(msg, { binary: true }, (err) => (err ? reject(err) : resolve())));
}

/** Relays one process over an open WebSocket until the process ends or the client leaves. */
export async function relayExecOverWebSocket(ws: WebSocket, proc: RemoteProcess, req: PodExecRequest, protocol: string): Promise<void> {
  let clientGone = false;
  ws.on("close", () => {
    clientGone = true;
    proc.cancel();
  });
  ws.on("error", (err) => log.debug({ err: err.message }, "exec WebSocket failed"));
  const stdin = new SerialQueue();
  const resize = new ResizeDecoder();
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    const input = parseChannelMessage(messageBytes(data), protocol);
    switch (input.kind) {
      case "stdin":
        if (!req.stdin) return;
        // Reading more from the client waits while the process is slow to take input.
        ws.pause();
        stdin.push(
          async () => {
            await proc.writeStdin(input.data);
            ws.resume();
          },
          (err) => log.debug({ err: String(err) }, "writing stdin failed"),
        );
        return;
      case "stdinClosed":
        stdin.push(() => proc.closeStdin(), () => undefined);
        return;
      case "resize":
        for (const size of resize.push(input.data)) proc.resize(size.width, size.height);
        return;
    }
  });

  try {
    // As the kubelet: an empty message on the first writable channel tells the
    // client the streams are connected. Not under v5: client-go's v5 executor
    // (kubectl 1.30 and later) reads messages before it has made its streams, so
    // that message may reach it first and be logged as "Unknown stream id 1,
    // discarding message" on the user's terminal; it needs no such sign.
    if (protocol !== protocolV5) await send(ws, Buffer.from([req.stdout ? stdoutChannel : req.stderr ? stderrChannel : errorChannel]));
    for await (const ev of proc.events) {
      if (clientGone) return;
      if (ev.kind === "stdout" || ev.kind === "stderr") {
        await send(ws, channelMessage(ev.kind === "stdout" ? stdoutChannel : stderrChannel, ev.data));
        continue;
      }
      const end = endMessage(ev, protocol);
      if (end) await send(ws, channelMessage(errorChannel, end));
      break;
    }
    // A normal closure is end of file on every channel for the client.
    ws.close(1000);
  } catch (err) {
    if (!clientGone) log.debug({ err: String(err) }, "relaying exec over WebSocket failed");
    ws.terminate();
  } finally {
    proc.cancel();
  }
}
