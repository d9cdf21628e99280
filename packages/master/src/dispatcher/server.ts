// The dispatcher's gRPC server: NodeService for agents. Each RPC is a thin shell
// over the component that does its job (sessions, heartbeat, assignments, status,
// events); this file only adapts them to grpc-js and owns the server's lifecycle.
import {
  Server,
  ServerCredentials,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { createLogger } from "@bosun/client";
import {
  NodeServiceService,
  type AssignmentsMessage,
  type AssignmentsRequest,
  type NodeServiceServer,
  type ReportStatusRequest,
  type ReportStatusResponse,
} from "@bosun/proto";
import { AssignmentFeed, AssignmentStream } from "./assignments.js";
import type { AgentEvents } from "./events.js";
import { sessionNotFound, toGrpcStatus } from "./grpc-errors.js";
import type { HeartbeatHandler } from "./heartbeat.js";
import type { Registrar, SessionRegistry } from "./sessions.js";
import type { StatusWriter } from "./status-writer.js";

const log = createLogger("dispatcher/server");

export interface NodeServiceParts {
  sessions: SessionRegistry;
  registrar: Registrar;
  heartbeat: HeartbeatHandler;
  feed: AssignmentFeed;
  status: StatusWriter;
  events: AgentEvents;
}

function unary<Req, Res>(name: string, fn: (req: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => {
        const status = toGrpcStatus(err);
        log.debug({ rpc: name, code: status.code, err: status.details }, "rpc failed");
        callback(status);
      },
    );
  };
}

/** Resolves with the promise, or with false as soon as the signal aborts. */
function unlessAborted(promise: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve(!signal.aborted);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

export function nodeServiceImplementation(parts: NodeServiceParts): NodeServiceServer {
  const { sessions, registrar, heartbeat, feed, status, events } = parts;

  async function reportStatus(req: ReportStatusRequest): Promise<ReportStatusResponse> {
    sessions.check(req.nodeName, req.sessionId);
    // Validating that a pod is bound to the caller needs the pod cache.
    await feed.whenSynced();
    status.accept(req.nodeName, req.updates);
    events.record(req.nodeName, req.events);
    return {};
  }

  const assignments: handleServerStreamingCall<AssignmentsRequest, AssignmentsMessage> = (call) => {
    void serveAssignments(call).catch((err: unknown) => {
      log.warn({ node: call.request.nodeName, err: String(err) }, "assignments stream failed");
      call.emit("error", toGrpcStatus(err));
    });
  };

  async function serveAssignments(call: ServerWritableStream<AssignmentsRequest, AssignmentsMessage>): Promise<void> {
    const { nodeName, sessionId } = call.request;
    const session = sessions.check(nodeName, sessionId);
    // The stream ends when the agent goes away or its session is replaced.
    const done = new AbortController();
    call.on("cancelled", () => done.abort());
    call.on("close", () => done.abort());
    session.closed.addEventListener("abort", () => done.abort(), { once: true });

    if (!(await unlessAborted(feed.whenSynced(), done.signal))) return endForClosedSession();
    const stream = new AssignmentStream(feed, nodeName, (msg) => {
      call.write(msg);
    });
    stream.start();
    log.info({ node: nodeName }, "assignments stream opened");
    done.signal.addEventListener(
      "abort",
      () => {
        stream.close();
        log.info({ node: nodeName }, "assignments stream closed");
        endForClosedSession();
      },
      { once: true },
    );

    function endForClosedSession(): void {
      if (session.closed.aborted && !call.cancelled) call.emit("error", toGrpcStatus(sessionNotFound(nodeName)));
    }
  }

  return {
    register: unary("Register", (req) => registrar.register(req)),
    heartbeat: unary("Heartbeat", (req) => heartbeat.heartbeat(req)),
    assignments,
    reportStatus: unary("ReportStatus", reportStatus),
  };
}

export interface GrpcListener {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Serves NodeService on host:port with insecure credentials (mTLS comes later). */
export async function serveNodeService(impl: NodeServiceServer, host: string, port: number): Promise<GrpcListener> {
  const server = new Server({ "grpc.keepalive_time_ms": 30_000, "grpc.keepalive_permit_without_calls": 1 });
  server.addService(NodeServiceService, impl);
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(new Error(`cannot listen for agents on ${target}: ${err.message}; is another master using the port?`)) : resolve(p),
    );
  });
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        // Open streams would hold a graceful shutdown forever; give them a moment.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
