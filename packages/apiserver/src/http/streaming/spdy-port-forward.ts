// pods/{name}/portforward over SPDY (portforward.k8s.io), as kubectl speaks it: one
// connection for the whole session, and for every local connection a pair of
// streams with the same requestid header, an error stream (text of what went wrong,
// if anything) and a data stream, both naming the pod's port. Each pair is one TCP
// connection into the pod.
import type { Duplex } from "node:stream";
import { createLogger } from "@bosun/client";
import { StatusError } from "../../errors.js";
import { parsePort } from "./options.js";
import { SpdyConnection } from "./spdy-connection.js";
import { rstStatus, type Headers } from "./spdy-frames.js";
import type { PodConnection } from "./source.js";

const log = createLogger("apiserver/portforward");

export const portForwardProtocol = "portforward.k8s.io";

/** How long the client has to open the second stream of a pair. */
const pairTimeoutMs = 30_000;

interface Pair {
  port: number;
  errorId?: number;
  dataId?: number;
  /** Resolves once the connection into the pod is made (or failed: undefined). */
  connection?: Promise<PodConnection | undefined>;
  timer?: NodeJS.Timeout;
}

function header(headers: Headers, name: string): string {
  return headers.get(name)?.[0] ?? "";
}

export async function relayPortForwardOverSpdy(socket: Duplex, head: Buffer, connect: (port: number) => Promise<PodConnection>): Promise<void> {
  const pairs = new Map<string, Pair>();
  const byStream = new Map<number, Pair>();
  const live = new Set<PodConnection>();
  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));

  const conn = new SpdyConnection(socket, {
    onStream(streamId, headers) {
      const type = header(headers, "streamtype");
      const requestId = header(headers, "requestid") || header(headers, "port");
      let port: number;
      try {
        port = parsePort(header(headers, "port"));
      } catch {
        void conn.reset(streamId, rstStatus.protocolError).catch(() => undefined);
        return;
      }
      if (type !== "error" && type !== "data") {
        void conn.reset(streamId, rstStatus.protocolError).catch(() => undefined);
        return;
      }
      const pair = pairs.get(requestId) ?? { port };
      pairs.set(requestId, pair);
      byStream.set(streamId, pair);
      if (type === "error") pair.errorId = streamId;
      else pair.dataId = streamId;
      if (pair.errorId === undefined || pair.dataId === undefined) {
        pair.timer = setTimeout(() => {
          log.warn({ requestId, port }, "the port-forward client opened only one stream of a pair; dropping it");
          pairs.delete(requestId);
          void conn.reset(streamId, rstStatus.refusedStream).catch(() => undefined);
        }, pairTimeoutMs);
        return;
      }
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      pair.connection = forward(conn, pair, connect, live);
    },
    async onData(streamId, data, fin) {
      const pair = byStream.get(streamId);
      if (!pair || streamId !== pair.dataId || !pair.connection) return;
      const target = await pair.connection;
      if (!target) return;
      if (data.length > 0) await target.write(data);
      if (fin) target.closeWrite();
    },
    onReset(streamId) {
      const pair = byStream.get(streamId);
      void pair?.connection?.then((target) => target?.cancel());
    },
    onClose() {
      for (const target of live) target.cancel();
      for (const pair of pairs.values()) clearTimeout(pair.timer);
      closed();
    },
  });
  conn.start(head);
  await done;
}

/** Connects one pair to the pod's port and relays what the pod sends until it closes. */
async function forward(
  conn: SpdyConnection,
  pair: Pair,
  connect: (port: number) => Promise<PodConnection>,
  live: Set<PodConnection>,
): Promise<PodConnection | undefined> {
  const dataId = pair.dataId!;
  const errorId = pair.errorId!;
  let target: PodConnection;
  try {
    target = await connect(pair.port);
  } catch (err) {
    const message = err instanceof StatusError ? err.status.message ?? err.message : (err as Error).message;
    log.debug({ port: pair.port, err: message }, "port-forward connection refused");
    await conn.write(errorId, Buffer.from(message)).catch(() => undefined);
    await conn.finish(errorId).catch(() => undefined);
    await conn.finish(dataId).catch(() => undefined);
    return undefined;
  }
  live.add(target);
  void (async () => {
    try {
      for await (const chunk of target.data) await conn.write(dataId, chunk);
      await conn.finish(dataId);
      await conn.finish(errorId);
    } catch (err) {
      if (!conn.isClosed) {
        log.debug({ port: pair.port, err: String(err) }, "port-forward connection broke");
        await conn.write(errorId, Buffer.from(`the connection to port ${pair.port} broke: ${String(err)}`)).catch(() => undefined);
        await conn.finish(errorId).catch(() => undefined);
        await conn.finish(dataId).catch(() => undefined);
      }
    } finally {
      live.delete(target);
      target.cancel();
    }
  })();
  return target;
}
