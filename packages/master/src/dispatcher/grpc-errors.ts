// gRPC status errors the dispatcher answers with. Agents key their behaviour on the
// code (NOT_FOUND → register again), so the codes are part of the protocol.
import { Metadata, status as GrpcStatus, type StatusObject } from "@grpc/grpc-js";
import { ApiError, ConnectionError } from "@bosun/client";

export class DispatcherError extends Error {
  constructor(
    readonly code: GrpcStatus,
    message: string,
  ) {
    super(message);
    this.name = "DispatcherError";
  }
}

export function sessionNotFound(nodeName: string): DispatcherError {
  return new DispatcherError(
    GrpcStatus.NOT_FOUND,
    `session not found; register again (node "${nodeName}" has no session with this id on this master)`,
  );
}

/** Maps any failure to what the agent should see: its own code, or UNAVAILABLE when the API is down. */
export function toGrpcStatus(err: unknown): StatusObject {
  const metadata = new Metadata();
  if (err instanceof DispatcherError) return { code: err.code, details: err.message, metadata };
  if (err instanceof ConnectionError) return { code: GrpcStatus.UNAVAILABLE, details: err.message, metadata };
  if (err instanceof ApiError) {
    const code = err.code >= 500 || err.code === 429 ? GrpcStatus.UNAVAILABLE : GrpcStatus.INTERNAL;
    return { code, details: `the API server refused the dispatcher's write: ${err.message}`, metadata };
  }
  return { code: GrpcStatus.INTERNAL, details: err instanceof Error ? err.message : String(err), metadata };
}
