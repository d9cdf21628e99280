// The apiserver's source of pod logs: the agent of the pod's node serves them over
// AgentService. The agent's address comes from the Node object's annotation, which
// the dispatcher writes at Register, so any master can reach any agent.
import { credentials, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import type { Node, Pod } from "@bosun/api";
import { StatusError, type PodLogOptions, type PodLogSource } from "@bosun/apiserver";
import { isNotFound } from "@bosun/client";
import { AgentServiceClient, type LogChunk } from "@bosun/proto";
import { agentEndpointAnnotation } from "./dispatcher/node-object.js";

export interface AgentLogSourceOptions {
  /** Looks up a Node through the API. */
  getNode(name: string): Promise<Node>;
}

function failure(code: number, reason: string, message: string): StatusError {
  return new StatusError({ apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message });
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number";
}

export class AgentLogSource implements PodLogSource {
  private readonly clients = new Map<string, AgentServiceClient>();

  constructor(private readonly opts: AgentLogSourceOptions) {}

  async *streamLogs(
    pod: Pod,
    opts: PodLogOptions,
    signal: AbortSignal,
  ): AsyncIterable<Uint8Array> {
    const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const endpoint = await this.endpointOf(pod, podName);
    const call = this.clientFor(endpoint).logs({
      podUid: pod.metadata.uid ?? "",
      namespace: pod.metadata.namespace ?? "",
      podName: pod.metadata.name ?? "",
      container: opts.container,
      follow: opts.follow,
      tailLines: opts.tailLines ?? -1,
      timestamps: opts.timestamps ?? false,
      sinceSeconds: opts.sinceSeconds ?? 0,
      previous: opts.previous ?? false,
    });
    const cancel = () => call.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    try {
      for await (const chunk of call as AsyncIterable<LogChunk>) yield chunk.data;
    } catch (err) {
      if (signal.aborted) return;
      if (isServiceError(err)) throw this.translate(err, podName, pod.spec.nodeName ?? "", endpoint);
      throw err;
    } finally {
      signal.removeEventListener("abort", cancel);
      call.cancel();
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private async endpointOf(pod: Pod, podName: string): Promise<string> {
    const nodeName = pod.spec.nodeName;
    if (!nodeName) {
      throw failure(400, "BadRequest", `pod ${podName} is not scheduled to a node yet, so it has no logs; wait until it is Running`);
    }
    let node: Node;
    try {
      node = await this.opts.getNode(nodeName);
    } catch (err) {
      if (isNotFound(err)) {
        throw failure(404, "NotFound", `node "${nodeName}" of pod ${podName} does not exist; its agent must register before logs can be read`);
      }
      throw err;
    }
    const endpoint = node.metadata.annotations?.[agentEndpointAnnotation];
    if (!endpoint) {
      throw failure(
        503,
        "ServiceUnavailable",
        `node "${nodeName}" has no ${agentEndpointAnnotation} annotation, so its agent cannot be reached for logs; ` +
          "restart the agent with --listen set to an address the master can reach",
      );
    }
    return endpoint;
  }

  private clientFor(endpoint: string): AgentServiceClient {
    let client = this.clients.get(endpoint);
    if (!client) {
      client = new AgentServiceClient(endpoint, credentials.createInsecure());
      this.clients.set(endpoint, client);
    }
    return client;
  }

  private translate(err: ServiceError, podName: string, nodeName: string, endpoint: string): StatusError {
    switch (err.code) {
      case GrpcStatus.NOT_FOUND:
        return failure(404, "NotFound", `logs of pod ${podName}: ${err.details}`);
      case GrpcStatus.INVALID_ARGUMENT:
        return failure(400, "BadRequest", `logs of pod ${podName}: ${err.details}`);
      case GrpcStatus.UNAVAILABLE:
      case GrpcStatus.DEADLINE_EXCEEDED:
        return failure(
          503,
          "ServiceUnavailable",
          `cannot reach the agent of node "${nodeName}" at ${endpoint} for logs of pod ${podName} (${err.details}); is the agent running?`,
        );
      default:
        return failure(500, "InternalError", `agent of node "${nodeName}" failed to serve logs of pod ${podName}: ${err.details}`);
    }
  }
}
