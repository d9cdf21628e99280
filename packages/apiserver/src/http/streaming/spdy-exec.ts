// exec and attach over SPDY, the remote command protocol kubectl 1.27-1.29 speak (and
// later versions when a WebSocket upgrade fails). The client opens one stream per
// role, named by its streamtype header (error, stdin, stdout, stderr, resize); the
// process starts relaying once all of them are there, as in the kubelet.
import type { Duplex } from "node:stream";
import { createLogger } from "@bosun/client";
import { SpdyConnection } from "./spdy-connection.js";
import { endMessage, protocolV2, protocolV3, protocolV4, ResizeDecoder } from "./remotecommand.js";
import type { PodExecRequest, RemoteProcess } from "./source.js";

const log = createLogger("apiserver/exec");

/** The versions served over SPDY, most preferred first. */
export const spdyExecProtocols = [protocolV4, protocolV3, protocolV2];

/** How long the client has to open its streams after the upgrade (the kubelet's default). */
const streamCreationTimeoutMs = 30_000;
/** How long the client has to close the connection once everything was sent. */
const closeGraceMs = 30_000;

type Role = "error" | "stdin" | "stdout" | "stderr" | "resize";

export function pickSpdyProtocol(offered: string[]): string | undefined {
  return spdyExecProtocols.find((p) => offered.includes(p));
}

/** The streams a client opens for the request under a protocol version. */
export function expectedRoles(req: PodExecRequest, protocol: string): Role[] {
  const roles: Role[] = ["error"];
  if (req.stdin) roles.push("stdin");
  if (req.stdout) roles.push("stdout");
  if (req.stderr && !req.tty) roles.push("stderr");
  if (req.tty && protocol !== protocolV2) roles.push("resize");
  return roles;
}

export async function relayExecOverSpdy(socket: Duplex, head: Buffer, proc: RemoteProcess, req: PodExecRequest, protocol: string): Promise<void> {
  const expected = expectedRoles(req, protocol);
  const streams = new Map<Role, number>();
  const roleOf = new Map<number, Role>();
  const resize = new ResizeDecoder();
  let ready!: () => void;
  const allStreams = new Promise<void>((resolve) => (ready = resolve));
  let gone!: () => void;
  const clientGone = new Promise<void>((resolve) => (gone = resolve));

  const conn = new SpdyConnection(socket, {
    onStream(streamId, headers) {
      const role = headers.get("streamtype")?.[0] as Role | undefined;
      if (!role || !expected.includes(role) || streams.has(role)) {
        log.debug({ streamId, role }, "ignoring a SPDY stream the exec did not ask for");
        return;
      }
      streams.set(role, streamId);
      roleOf.set(streamId, role);
      if (expected.every((r) => streams.has(r))) ready();
    },
    async onData(streamId, data, fin) {
      const role = roleOf.get(streamId);
      if (role === "stdin") {
        if (data.length > 0) await proc.writeStdin(data);
        if (fin) proc.closeStdin();
      } else if (role === "resize") {
        for (const size of resize.push(data)) proc.resize(size.width, size.height);
      }
    },
    onReset(streamId) {
      if (roleOf.get(streamId) === "stdin") proc.closeStdin();
    },
    onClose() {
      proc.cancel();
      gone();
    },
  });
  conn.start(head);

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), streamCreationTimeoutMs)));
  const outcome = await Promise.race([allStreams.then(() => "ready" as const), clientGone.then(() => "gone" as const), timedOut]);
  clearTimeout(timer);
  if (outcome !== "ready") {
    if (outcome === "timeout") log.warn({ expected, got: [...streams.keys()] }, "the exec client did not open its streams in time");
    proc.cancel();
    conn.destroy();
    return;
  }

  const stdoutId = streams.get("stdout");
  const stderrId = streams.get("stderr") ?? stdoutId;
  const errorId = streams.get("error")!;
  try {
    for await (const ev of proc.events) {
      if (conn.isClosed) return;
      if (ev.kind === "stdout" || ev.kind === "stderr") {
        const id = ev.kind === "stdout" ? stdoutId : stderrId;
        if (id !== undefined) await conn.write(id, ev.data);
        continue;
      }
      for (const id of new Set([stdoutId, stderrId])) if (id !== undefined) await conn.finish(id);
      const end = endMessage(ev, protocol);
      if (end) await conn.write(errorId, end);
      await conn.finish(errorId);
      break;
    }
    await conn.shutdown(closeGraceMs);
  } catch (err) {
    if (!conn.isClosed) log.debug({ err: String(err) }, "relaying exec over SPDY failed");
    conn.destroy();
  } finally {
    proc.cancel();
  }
}
