// pods/{name}/portforward over WebSocket as kubectl 1.31 and later speak it: the
// SPDY port-forward protocol tunneled through the WebSocket (subprotocol
// SPDY/3.1+portforward.k8s.io), every binary message carrying the next bytes of
// the SPDY connection. Clients that speak the kubelet's channel protocol instead
// are served by websocket-channel-port-forward.ts.
import { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { messageBytes } from "@bosun/client";
import { relayPortForwardOverSpdy } from "./spdy-port-forward.js";
import type { PodConnection } from "./source.js";
import { channelPortForwardProtocol } from "./websocket-channel-port-forward.js";

export const spdyTunnelProtocol = "SPDY/3.1+portforward.k8s.io";

/** The WebSocket subprotocols of port-forward, most preferred first. */
export const portForwardWebSocketProtocols = [spdyTunnelProtocol, channelPortForwardProtocol];

/** The subprotocol to speak; a client that offers none gets the channel protocol, as from the kubelet. */
export function pickPortForwardWebSocketProtocol(offered: string[]): string | undefined {
  if (offered.length === 0) return "";
  return portForwardWebSocketProtocols.find((p) => offered.includes(p));
}

/** The WebSocket's binary messages as one byte stream, pausing the socket while the reader is behind. */
export function webSocketStream(ws: WebSocket): Duplex {
  const stream = new Duplex({
    read() {
      ws.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      ws.send(chunk, { binary: true }, (err) => callback(err ?? null));
    },
    final(callback) {
      ws.close(1000);
      callback();
    },
    destroy(err, callback) {
      ws.terminate();
      callback(err);
    },
  });
  ws.on("message", (data, isBinary) => {
    if (isBinary && !stream.push(messageBytes(data))) ws.pause();
  });
  ws.on("close", () => stream.push(null));
  ws.on("error", (err) => stream.destroy(err));
  return stream;
}

export function relayPortForwardOverWebSocket(ws: WebSocket, connect: (port: number) => Promise<PodConnection>): Promise<void> {
  return relayPortForwardOverSpdy(webSocketStream(ws), Buffer.alloc(0), connect);
}
