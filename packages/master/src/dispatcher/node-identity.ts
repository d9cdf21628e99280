// The dispatcher trusts the node name in the agent's client certificate, not the
// one in the message: every RPC names its node, and a name that is not the
// caller's own is refused, so an agent registers, heartbeats, follows and
// reports only as itself.
import { status as GrpcStatus, type ServerUnaryCall } from "@grpc/grpc-js";

/** What every kind of server call offers: the TLS session it came over. */
type ServerSurfaceCall = Pick<ServerUnaryCall<unknown, unknown>, "getAuthContext">;
import { identityFromSubject, nodeNameOf } from "@bosun/pki";
import { DispatcherError } from "./grpc-errors.js";

/** The node whose certificate made the call; throws UNAUTHENTICATED when it is not a node's. */
export function callerNode(call: ServerSurfaceCall): string {
  const cert = call.getAuthContext()?.sslPeerCertificate;
  const identity = cert?.subject ? identityFromSubject(cert.subject as unknown as Record<string, string | string[]>) : undefined;
  const node = identity ? nodeNameOf(identity) : undefined;
  if (node === undefined) {
    throw new DispatcherError(
      GrpcStatus.UNAUTHENTICATED,
      "the dispatcher serves agents with a node certificate (CN=system:node:NAME, O=system:nodes); join the cluster with 'bosun-agent --server URL --token TOKEN'",
    );
  }
  return node;
}

/** Throws PERMISSION_DENIED unless the call's certificate belongs to `claimed`. */
export function checkCaller(call: ServerSurfaceCall, claimed: string): void {
  const node = callerNode(call);
  if (node !== claimed) {
    throw new DispatcherError(
      GrpcStatus.PERMISSION_DENIED,
      `node "${node}" may not act as node "${claimed}": an agent speaks only for the node named in its certificate; start it with --node-name ${node} or join anew under the other name`,
    );
  }
}
