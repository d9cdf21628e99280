// pods/{name}/portforward over WebSocket with the channel protocol (v4.channel.k8s.io,
// or no subprotocol at all), as the kubelet serves it and client-node and Bosun's CLI
// speak it: the ports are named in the `ports` query, one WebSocket is one TCP
// connection per port, and port i has data channel 2i and error channel 2i+1. The
// first message on each channel is the port, an unsigned 16-bit little-endian number.
import type { WebSocket } from "ws";
import { badRequest } from "@bosun/api";
import { channelMessage, createLogger, messageBytes } from "@bosun/client";
import { StatusError } from "../../errors.js";
import { protocolV4 } from "./remotecommand.js";
import { parsePort, type Query } from "./options.js";
import { SerialQueue } from "./serial.js";
import type { PodConnection } from "./source.js";

const log = createLogger("apiserver/portforward");

export const channelPortForwardProtocol = protocolV4;

/** The `ports` query (repeated or comma-separated), checked before the connection is upgraded. */
export function portsOf(query: Query): number[] {
  const values = query.getAll("ports");
  if (values.length === 0) throw new StatusError(badRequest('query parameter "ports" is required: name the pod ports to forward, e.g. ?ports=8080'));
  return values.flatMap((v) => v.split(",")).map((p) => parsePort(p.trim()));
}

function portBytes(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}

function send(ws: WebSocket, msg: Buffer): Promise<void> {
  return new Promise((resolve, reject) => ws.send(msg, { binary: true }, (err) => (err ? reject(err) : resolve())));
}

type Outcome = { conn: PodConnection } | { error: string };

/** Relays one connection per port until every pod side has closed or the client leaves. */
export async function relayPortForwardOverChannels(ws: WebSocket, ports: number[], connect: (port: number) => Promise<PodConnection>): Promise<void> {
  let clientGone = false;
  // Connecting starts at once, so bytes the client sends early wait for their connection.
  const outcomes: Promise<Outcome>[] = ports.map((port) =>
    connect(port).then(
      (conn) => ({ conn }),
      (err: unknown) => ({ error: err instanceof StatusError ? err.status.message ?? err.message : (err as Error).message }),
    ),
  );
  const cancelAll = () => {
    for (const o of outcomes) void o.then((r) => ("conn" in r ? r.conn.cancel() : undefined));
  };
  const writes = ports.map(() => new SerialQueue());
  ws.on("close", () => {
    clientGone = true;
    cancelAll();
  });
  ws.on("error", (err) => log.debug({ err: err.message }, "port-forward WebSocket failed"));
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    const msg = messageBytes(data);
    const channel = msg[0];
    // Only data channels carry bytes from the client; error channels are the server's.
    if (channel === undefined || channel % 2 !== 0 || msg.length < 2) return;
    const index = channel / 2;
    const outcome = outcomes[index];
    if (!outcome) return;
    // Reading more from the client waits while the pod is slow to take it.
    ws.pause();
    writes[index]!.push(
      async () => {
        const r = await outcome;
        if ("conn" in r) await r.conn.write(msg.subarray(1));
        ws.resume();
      },
      (err) => log.debug({ err: String(err) }, "writing to the pod's port failed"),
    );
  });

  try {
    for (const [i, port] of ports.entries()) {
      await send(ws, channelMessage(2 * i, portBytes(port)));
      await send(ws, channelMessage(2 * i + 1, portBytes(port)));
    }
    await Promise.all(ports.map((port, i) => relayOne(ws, i, port, outcomes[i]!, () => clientGone)));
    ws.close(1000);
  } catch (err) {
    if (!clientGone) log.debug({ err: String(err) }, "relaying port-forward over WebSocket failed");
    ws.terminate();
  } finally {
    cancelAll();
  }
}

/** Relays what the pod sends on port `i`; a refusal or a break is text on the port's error channel. */
async function relayOne(ws: WebSocket, i: number, port: number, outcome: Promise<Outcome>, clientGone: () => boolean): Promise<void> {
  const r = await outcome;
  if ("error" in r) {
    await send(ws, channelMessage(2 * i + 1, Buffer.from(`error forwarding port ${port}: ${r.error}`)));
    return;
  }
  try {
    for await (const chunk of r.conn.data) {
      if (clientGone()) return;
      await send(ws, channelMessage(2 * i, chunk));
    }
  } catch (err) {
    if (!clientGone()) await send(ws, channelMessage(2 * i + 1, Buffer.from(`the connection to port ${port} broke: ${String(err)}`)));
  }
}
