// pods/{name}/exec, /attach and /portforward: connections that upgrade from HTTP to
// WebSocket (kubectl 1.30+, other clients) or SPDY/3.1 (kubectl up to 1.29, and the
// fallback of later versions). Everything that can fail before the process runs
// (no such pod, bad query, unreachable agent) is answered as a plain HTTP Status,
// so clients print the server's message; after the upgrade the streams belong to
// the protocol relays in streaming/.
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import { WebSocketServer, type WebSocket } from "ws";
import { badRequest, internalError, resourceByPath, routeNotFound, serviceUnavailable, type Pod, type Status } from "@bosun/api";
import { createLogger } from "@bosun/client";
import { StatusError } from "../errors.js";
import type { Registry } from "../registry/registry.js";
import { parsePath } from "./paths.js";
import { checkPodRunning, execRequest } from "./streaming/options.js";
import { portForwardProtocol, relayPortForwardOverSpdy } from "./streaming/spdy-port-forward.js";
import { pickSpdyProtocol, relayExecOverSpdy, spdyExecProtocols } from "./streaming/spdy-exec.js";
import type { PodStreamSource } from "./streaming/source.js";
import { pickWebSocketProtocol, relayExecOverWebSocket, webSocketExecProtocols } from "./streaming/websocket-exec.js";
import { portsOf, relayPortForwardOverChannels } from "./streaming/websocket-channel-port-forward.js";
import { pickPortForwardWebSocketProtocol, portForwardWebSocketProtocols, relayPortForwardOverWebSocket, spdyTunnelProtocol } from "./streaming/websocket-port-forward.js";

import type { RequestGate } from "../auth/gate.js";

const log = createLogger("apiserver/exec");

export interface StreamContext {
  registry: Registry;
  streamSource?: PodStreamSource;
  /** Authenticates and authorizes the upgrade request like any other. */
  gate: RequestGate;
}

/** The subresources reached through an upgrade; a plain request to them is refused. */
export const streamingSubresources = ["exec", "attach", "portforward"];

/** Status for a plain (not upgraded) request to a streaming subresource, as Kubernetes answers it. */
export function upgradeRequired(): Status {
  return badRequest("Upgrade request required: pods/exec, pods/attach and pods/portforward speak WebSocket or SPDY/3.1");
}

type Carrier = { kind: "websocket"; protocol: string } | { kind: "spdy"; protocol: string };

function headerList(value: string | string[] | undefined): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

/** The carrier and subprotocol to answer with, or a Status saying why none fits. */
function negotiate(req: IncomingMessage, subresource: string): Carrier {
  const upgrade = (req.headers.upgrade ?? "").toLowerCase();
  if (upgrade === "websocket") {
    const offered = headerList(req.headers["sec-websocket-protocol"]);
    const protocol = subresource === "portforward" ? pickPortForwardWebSocketProtocol(offered) : pickWebSocketProtocol(offered);
    if (protocol === undefined) {
      const supported = subresource === "portforward" ? portForwardWebSocketProtocols : webSocketExecProtocols;
      throw new StatusError(
        badRequest(`none of the WebSocket subprotocols offered (${offered.join(", ")}) is supported; use one of: ${supported.join(", ")}`),
      );
    }
    if (req.method !== "GET" || !/^[+/0-9A-Za-z]{22}==$/.test(req.headers["sec-websocket-key"] ?? "") || req.headers["sec-websocket-version"] !== "13") {
      throw new StatusError(badRequest("malformed WebSocket handshake: a GET with Sec-WebSocket-Key and Sec-WebSocket-Version: 13 is required"));
    }
    return { kind: "websocket", protocol };
  }
  if (upgrade === "spdy/3.1") {
    const offered = headerList(req.headers["x-stream-protocol-version"]);
    const protocol = subresource === "portforward" ? (offered.includes(portForwardProtocol) ? portForwardProtocol : undefined) : pickSpdyProtocol(offered);
    if (protocol === undefined) {
      const supported = subresource === "portforward" ? [portForwardProtocol] : spdyExecProtocols;
      throw new StatusError(
        statusOf(403, "Forbidden", `none of the stream protocol versions offered (${offered.join(", ")}) is supported; use one of: ${supported.join(", ")}`),
      );
    }
    return { kind: "spdy", protocol };
  }
  throw new StatusError(badRequest(`cannot upgrade the connection to "${req.headers.upgrade ?? ""}": use WebSocket or SPDY/3.1`));
}

function statusOf(code: number, reason: string, message: string): Status {
  return { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message };
}

/** Answers an upgrade request with an ordinary HTTP response carrying a Status. */
function refuse(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}

/** Connections past their upgrade: a failure there can no longer be an HTTP response. */
const upgraded = new WeakSet<Duplex>();

function acceptSpdy(socket: Duplex, protocol: string): void {
  upgraded.add(socket);
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Connection: Upgrade\r\n" +
      "Upgrade: SPDY/3.1\r\n" +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
}

/**
 * Completes the WebSocket handshake with the subprotocol negotiate() chose. ws
 * checks offered subprotocols against RFC 6455's token syntax, which kubectl's
 * "SPDY/3.1+portforward.k8s.io" fails (the "/"), so ws is shown a single token
 * and answers with the chosen name as the client offered it.
 */
function acceptWebSocket(
  wss: WebSocketServer,
  chosen: WeakMap<IncomingMessage, string>,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocol: string,
  relay: (ws: WebSocket) => Promise<void>,
): void {
  // A client that offered no subprotocol must get none back.
  if (req.headers["sec-websocket-protocol"] !== undefined) {
    chosen.set(req, protocol);
    req.headers["sec-websocket-protocol"] = "negotiated";
  }
  upgraded.add(socket);
  wss.handleUpgrade(req, socket, head, (ws) => void relay(ws));
}

/** Serves upgrades on the app's HTTP server; open streams are cut when the app closes. */
export function serveStreamUpgrades(app: FastifyInstance, ctx: StreamContext): void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (protocols, req) => chosen.get(req) ?? false });
  const chosen = new WeakMap<IncomingMessage, string>();
  const open = new Set<Duplex>();
  app.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    socket.on("error", (err: Error) => log.debug({ err: err.message }, "stream connection failed"));
    void upgrade(ctx, req, socket, head, wss, chosen).catch((err: unknown) => {
      const status = err instanceof StatusError ? err.status : internalError(err);
      if (!(err instanceof StatusError)) log.error({ err, url: req.url }, "stream upgrade failed");
      if (upgraded.has(socket)) socket.destroy();
      else if (!socket.destroyed) refuse(socket, status);
    });
  });
  app.addHook("onClose", async () => {
    for (const socket of open) socket.destroy();
    wss.close();
  });
}

async function upgrade(
  ctx: StreamContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  wss: WebSocketServer,
  chosen: WeakMap<IncomingMessage, string>,
): Promise<void> {
  await ctx.gate.admit(req.socket, req.method ?? "GET", req.url ?? "/", req.headers);
  const url = new URL(req.url ?? "/", "https://apiserver");
  const parsed = parsePath(url.pathname);
  const route = parsed.kind === "resource" ? parsed.route : undefined;
  const pods = resourceByPath("", "v1", "pods");
  if (!route || route.info !== pods || route.name === undefined || !streamingSubresources.includes(route.subresource ?? "")) {
    throw new StatusError(parsed.kind === "unknown" ? routeNotFound() : badRequest("only pods/exec, pods/attach and pods/portforward can be upgraded"));
  }
  const subresource = route.subresource ?? "";
  const carrier = negotiate(req, subresource);
  const pod = (await ctx.registry.get(pods, route.namespace, route.name, false)) as Pod;
  const source = ctx.streamSource;
  log.debug({ pod: `${route.namespace}/${route.name}`, subresource, carrier: carrier.kind, protocol: carrier.protocol }, "streaming");
  if (subresource === "portforward") {
    checkPodRunning(pod);
    if (!source) throw new StatusError(serviceUnavailable("port forwarding is not available: this apiserver was started without a stream source"));
    if (carrier.kind === "spdy") {
      acceptSpdy(socket, carrier.protocol);
      await relayPortForwardOverSpdy(socket, head, (port) => source.portForward(pod, port));
      return;
    }
    const connect = (port: number) => source.portForward(pod, port);
    if (carrier.protocol === spdyTunnelProtocol) {
      acceptWebSocket(wss, chosen, req, socket, head, carrier.protocol, (ws) => relayPortForwardOverWebSocket(ws, connect));
      return;
    }
    const ports = portsOf(url.searchParams);
    acceptWebSocket(wss, chosen, req, socket, head, carrier.protocol, (ws) => relayPortForwardOverChannels(ws, ports, connect));
    return;
  }
  const request = execRequest(pod, url.searchParams, subresource === "attach");
  if (!source) throw new StatusError(serviceUnavailable("exec and attach are not available: this apiserver was started without a stream source"));
  const proc = await source.exec(pod, request);
  if (socket.destroyed) {
    proc.cancel();
    return;
  }
  socket.once("close", () => proc.cancel());
  if (carrier.kind === "spdy") {
    acceptSpdy(socket, carrier.protocol);
    await relayExecOverSpdy(socket, head, proc, request, carrier.protocol);
    return;
  }
  acceptWebSocket(wss, chosen, req, socket, head, carrier.protocol, (ws) => relayExecOverWebSocket(ws, proc, request, carrier.protocol));
}
