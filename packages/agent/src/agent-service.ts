// AgentService, served by the agent for the apiserver: pods/{name}/log streams,
// exec and attach (exec/exec-service.ts) and port-forward (exec/port-forward-service.ts).
import { Server, ServerCredentials, status as grpcStatus, type ServerDuplexStream, type ServerWritableStream } from "@grpc/grpc-js";
import {
  AgentServiceService,
  type ExecInput,
  type ExecOutput,
  type LogChunk,
  type LogsRequest,
  type PortForwardInput,
  type PortForwardOutput,
} from "@bosun/proto";
import { createLogger } from "@bosun/client";
import { identityFromSubject, mastersGroup } from "@bosun/pki";
import type { ContainerRuntime, ContainerSummary } from "./runtime/runtime.js";
import { serveExec } from "./exec/exec-service.js";
import { servePortForward } from "./exec/port-forward-service.js";
import { containerInstances, podContainers, StreamError } from "./exec/target.js";

const log = createLogger("agent/logs");

/** The container instance a logs request names: the newest, or with `previous` the one before it. */
export function pickLogContainer(req: LogsRequest, containers: ContainerSummary[]): ContainerSummary {
  const { name, instances } = containerInstances(req, req.container, containers);
  if (!req.previous) return instances[0] as ContainerSummary;
  const previous = instances[1];
  if (!previous) {
    throw new StreamError(grpcStatus.NOT_FOUND, `previous terminated container "${name}" in pod ${req.namespace}/${req.podName} not found`);
  }
  return previous;
}

/** The oldest log time a request asks for, in seconds since the epoch; 0 for all. */
export function logsSince(req: LogsRequest, nowMs: number): number {
  if (req.sinceTime) {
    const t = Date.parse(req.sinceTime);
    if (Number.isNaN(t)) throw new StreamError(grpcStatus.INVALID_ARGUMENT, `sinceTime "${req.sinceTime}" is not an RFC 3339 time`);
    return Math.floor(t / 1000);
  }
  return req.sinceSeconds > 0 ? Math.floor(nowMs / 1000) - req.sinceSeconds : 0;
}

/**
 * Only the masters (system:masters) may read logs, exec or forward ports: the
 * mutual TLS already limits callers to certificates of the cluster CA, and this
 * keeps other nodes, whose certificates come from the same CA, out.
 */
function callerIsMaster(call: Pick<ServerWritableStream<unknown, unknown>, "getAuthContext">): boolean {
  const subject = call.getAuthContext()?.sslPeerCertificate?.subject;
  return subject !== undefined && identityFromSubject(subject as unknown as Record<string, string | string[]>).groups.includes(mastersGroup);
}

const onlyMasters = "AgentService serves the masters only (a client certificate in group system:masters)";

export class AgentServer {
  private readonly server = new Server();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly nodeName: string,
    private readonly credentials: ServerCredentials,
  ) {
    this.server.addService(AgentServiceService, {
      logs: (call: ServerWritableStream<LogsRequest, LogChunk>) => {
        if (!callerIsMaster(call)) return void call.emit("error", { code: grpcStatus.PERMISSION_DENIED, details: onlyMasters });
        void this.logs(call);
      },
      exec: (call: ServerDuplexStream<ExecInput, ExecOutput>) => {
        if (!callerIsMaster(call)) return void call.emit("error", { code: grpcStatus.PERMISSION_DENIED, details: onlyMasters });
        void serveExec(this.runtime, this.nodeName, call);
      },
      portForward: (call: ServerDuplexStream<PortForwardInput, PortForwardOutput>) => {
        if (!callerIsMaster(call)) return void call.emit("error", { code: grpcStatus.PERMISSION_DENIED, details: onlyMasters });
        void servePortForward(this.runtime, this.nodeName, call);
      },
    });
  }

  /** Listens on host:port over mutual TLS; resolves with the bound port. */
  listen(address: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, this.credentials, (err, port) => {
        if (err) reject(new Error(`cannot listen on ${address} for AgentService: ${err.message}; pick another --listen`));
        else resolve(port);
      });
    });
  }

  forceClose(): void {
    this.server.forceShutdown();
  }

  private async logs(call: ServerWritableStream<LogsRequest, LogChunk>): Promise<void> {
    const req = call.request;
    const abort = new AbortController();
    call.on("cancelled", () => abort.abort());
    try {
      const containers = await podContainers(this.runtime, this.nodeName, req);
      const target = pickLogContainer(req, containers);
      const stream = await this.runtime.logs(
        target.id,
        {
          follow: req.follow,
          tail: req.tailLines,
          timestamps: req.timestamps,
          since: logsSince(req, Date.now()),
        },
        abort.signal,
      );
      abort.signal.addEventListener("abort", () => stream.destroy(), { once: true });
      let room = req.limitBytes > 0 ? req.limitBytes : Infinity;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (abort.signal.aborted) break;
        const data = chunk.length > room ? chunk.subarray(0, room) : chunk;
        room -= data.length;
        if (!call.write({ data })) await new Promise((r) => call.once("drain", r));
        if (room <= 0) {
          stream.destroy();
          break;
        }
      }
      if (!abort.signal.aborted) call.end();
    } catch (err) {
      if (abort.signal.aborted) return;
      const code = err instanceof StreamError ? err.code : grpcStatus.INTERNAL;
      log.warn({ pod: `${req.namespace}/${req.podName}`, err: (err as Error).message }, "serving logs failed");
      call.emit("error", { code, details: (err as Error).message });
    }
  }
}
