// The dispatcher's gRPC server: NodeService for agents. Each RPC is a thin shell
// over the component that does its job (sessions, heartbeat, assignments, network,
// status, events); this file only adapts them to grpc-js and owns the server's lifecycle.
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
  type NetworkMessage,
  type NetworkRequest,
  type PolicyPeersMessage,
  type PolicyPeersRequest,
  type NodeServiceServer,
  type ReportStatusRequest,
  type ReportStatusResponse,
} from "@bosun/proto";
import { AssignmentFeed, AssignmentStream } from "./assignments.js";
import type { AgentEvents } from "./events.js";
import { sessionNotFound, toGrpcStatus } from "./grpc-errors.js";
import type { HeartbeatHandler } from "./heartbeat.js";
import type { NetworkFeed } from "./network.js";
import type { PolicyPeersFeed } from "./policy-peers.js";
import { SnapshotStream, type SnapshotFeed } from "./snapshot-stream.js";
import type { Registrar, Session, SessionRegistry } from "./sessions.js";
import type { StatusWriter } from "./status-writer.js";
import { checkCaller } from "./node-identity.js";

const log = createLogger("dispatcher/server");

export interface NodeServiceParts {
  sessions: SessionRegistry;
  registrar: Registrar;
  heartbeat: HeartbeatHandler;
  feed: AssignmentFeed;
  network: NetworkFeed;
  policyPeers: PolicyPeersFeed;
  status: StatusWriter;
  events: AgentEvents;
}

function unary<Req extends { nodeName: string }, Res>(name: string, fn: (req: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => checkCaller(call, call.request.nodeName))
      .then(() => fn(call.request))
      .then(
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

/** A server-streaming handler; a failure before or while serving ends the call with its gRPC status. */
function serverStream<Req extends { nodeName: string }, Res>(
  name: string,
  serve: (call: ServerWritableStream<Req, Res>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    void Promise.resolve()
      .then(() => checkCaller(call, call.request.nodeName))
      .then(() => serve(call))
      .catch((err: unknown) => {
      log.warn({ rpc: name, node: call.request.nodeName, err: String(err) }, "stream failed");
      call.emit("error", toGrpcStatus(err));
    });
  };
}

/**
 * Serves a stream for as long as the agent listens and its session lives: once the
 * cache it is drawn from has synced, open() starts it and returns what stops it.
 * When the session is replaced or closed the stream ends with NOT_FOUND, which
 * tells the agent to register again.
 */
async function followSession<Req, Res>(
  call: ServerWritableStream<Req, Res>,
  name: string,
  session: Session,
  whenSynced: () => Promise<void>,
  open: () => () => void,
): Promise<void> {
  const { nodeName } = session;
  const done = new AbortController();
  call.on("cancelled", () => done.abort());
  call.on("close", () => done.abort());
  session.closed.addEventListener("abort", () => done.abort(), { once: true });
  const endForClosedSession = (): void => {
    if (session.closed.aborted && !call.cancelled) call.emit("error", toGrpcStatus(sessionNotFound(nodeName)));
  };

  if (!(await unlessAborted(whenSynced(), done.signal))) return endForClosedSession();
  const stop = open();
  log.info({ node: nodeName }, `${name} stream opened`);
  done.signal.addEventListener(
    "abort",
    () => {
      stop();
      log.info({ node: nodeName }, `${name} stream closed`);
      endForClosedSession();
    },
    { once: true },
  );
}

export function nodeServiceImplementation(parts: NodeServiceParts): NodeServiceServer {
  const { sessions, registrar, heartbeat, feed, network, policyPeers, status, events } = parts;

  async function reportStatus(req: ReportStatusRequest): Promise<ReportStatusResponse> {
    sessions.check(req.nodeName, req.sessionId);
    // Validating that a pod is bound to the caller needs the pod cache.
    await feed.whenSynced();
    status.accept(req.nodeName, req.updates);
    events.record(req.nodeName, req.events);
    return {};
  }

  async function serveAssignments(call: ServerWritableStream<AssignmentsRequest, AssignmentsMessage>): Promise<void> {
    const { nodeName, sessionId } = call.request;
    const session = sessions.check(nodeName, sessionId);
    await followSession(call, "assignments", session, feed.whenSynced, () => {
      const stream = new AssignmentStream(feed, nodeName, (msg) => {
        call.write(msg);
      });
      stream.start();
      return () => stream.close();
    });
  }

  /** A stream of whole pictures for the calling node's session (Network, PolicyPeers). */
  function serveSnapshots<M>(what: string, source: SnapshotFeed<M> & { whenSynced: () => Promise<void> }) {
    return async (call: ServerWritableStream<{ nodeName: string; sessionId: string }, M>): Promise<void> => {
      const { nodeName, sessionId } = call.request;
      const session = sessions.check(nodeName, sessionId);
      await followSession(call, what, session, source.whenSynced, () => {
        const stream = new SnapshotStream(source, nodeName, (msg) => {
          call.write(msg);
        });
        stream.start();
        return () => stream.close();
      });
    };
  }

  return {
    register: unary("Register", (req) => registrar.register(req)),
    heartbeat: unary("Heartbeat", (req) => heartbeat.heartbeat(req)),
    assignments: serverStream("Assignments", serveAssignments),
    network: serverStream<NetworkRequest, NetworkMessage>("Network", serveSnapshots("network", network)),
    policyPeers: serverStream<PolicyPeersRequest, PolicyPeersMessage>("PolicyPeers", serveSnapshots("policy peers", policyPeers)),
    reportStatus: unary("ReportStatus", reportStatus),
  };
}

export interface GrpcListener {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** The dispatcher's certificate and the CA whose node certificates it accepts (PEM). */
export interface DispatcherTls {
  ca: string;
  cert: string;
  key: string;
}

/** Serves NodeService on host:port over mutual TLS: agents must present a certificate of the cluster CA. */
export async function serveNodeService(impl: NodeServiceServer, host: string, port: number, tls: DispatcherTls): Promise<GrpcListener> {
  const server = new Server({ "grpc.keepalive_time_ms": 30_000, "grpc.keepalive_permit_without_calls": 1 });
  server.addService(NodeServiceService, impl);
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    const creds = ServerCredentials.createSsl(Buffer.from(tls.ca), [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }], true);
    server.bindAsync(target, creds, (err, p) =>
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
