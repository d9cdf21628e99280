// A TCP connection into a pod's port through the API server: pods/{name}/portforward
// over WebSocket with the kubelet's channel protocol (v4.channel.k8s.io), one
// WebSocket per connection, as client-node's PortForward speaks it. The port's data
// travels on channel 0 and the server's error text on channel 1; the first message
// on each channel repeats the port number and carries nothing else.
import { Duplex } from "node:stream";
import WebSocket from "ws";
import type { ApiClient } from "./rest.js";

export const channelProtocol = "v4.channel.k8s.io";
const dataChannel = 0;
const errorChannel = 1;

/** One channel message: the channel id, then the payload. */
export function channelMessage(channel: number, data: Uint8Array): Buffer {
  const msg = Buffer.allocUnsafe(data.length + 1);
  msg[0] = channel;
  msg.set(data, 1);
  return msg;
}

/** The bytes of one WebSocket message: ws hands a Buffer, an ArrayBuffer or a message's fragments. */
export function messageBytes(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Why the server refused the upgrade: the message of the Status it answered with. */
async function refusal(res: import("node:http").IncomingMessage, what: string): Promise<Error> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks).toString();
  let message = body.trim();
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // not a Status: the body as it is
  }
  return new Error(`${what}: the API server answered ${res.statusCode}${message ? `: ${message}` : ""}`);
}

/**
 * Connects to `port` of the pod. Resolves once the API server has accepted; the
 * stream ends when the pod's side closes, and fails with the server's words when the
 * connection into the pod cannot be made.
 */
export function dialPodPort(client: ApiClient, namespace: string, pod: string, port: number): Promise<Duplex> {
  const what = `port-forward to port ${port} of pod ${namespace}/${pod}`;
  const { url, tls, headers } = client.endpoint(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`,
  );
  const ws = new WebSocket(url.replace(/^http/, "ws"), [channelProtocol], { ...tls, headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => void refusal(res, what).then(reject, reject));
    ws.once("error", (err) => reject(new Error(`${what}: ${err.message}`)));
    ws.once("open", () => resolve(podStream(ws)));
  });
}

function podStream(ws: WebSocket): Duplex {
  const seen = new Set<number>();
  const stream = new Duplex({
    read() {
      ws.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      ws.send(channelMessage(dataChannel, chunk), { binary: true }, (err) => callback(err ?? null));
    },
    // The channel protocol has no half-close: the connection ends when either side closes it.
    final(callback) {
      callback();
    },
    destroy(err, callback) {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
      callback(err);
    },
  });
  ws.on("message", (data, isBinary) => {
    if (!isBinary) return;
    const msg = messageBytes(data);
    const channel = msg[0];
    if (channel !== dataChannel && channel !== errorChannel) return;
    if (!seen.has(channel)) {
      seen.add(channel); // the port number
      return;
    }
    const payload = msg.subarray(1);
    if (channel === errorChannel) {
      if (payload.length > 0) stream.destroy(new Error(payload.toString()));
      return;
    }
    if (!stream.push(payload)) ws.pause();
  });
  ws.on("close", () => stream.push(null));
  ws.on("error", (err) => stream.destroy(err));
  return stream;
}
