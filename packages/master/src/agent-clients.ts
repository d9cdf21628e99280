// How the master reaches the agent that runs a pod: the agent's address comes from
// its Node object's annotation, which the dispatcher writes at Register, so any
// master can reach any agent. Shared by pods/log and the streaming subresources.
import { credentials, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import type { Node, Pod } from "@bosun/api";
import { StatusError } from "@bosun/apiserver";
import { isNotFound } from "@bosun/client";
import { AgentServiceClient } from "@bosun/proto";
import { agentEndpointAnnotation } from "./dispatcher/node-object.js";

export interface AgentClientsOptions {
  /** Looks up a Node through the API. */
  getNode(name: string): Promise<Node>;
  /** The cluster CA, which signed every agent's certificate, and the master's client certificate (PEM). */
  tls: { ca: string; cert: string; key: string };
}

export function failure(code: number, reason: string, message: string): StatusError {
  return new StatusError({ apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message });
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number";
}

/** The agent of one pod, and how to name it in errors. */
export interface PodAgent {
  client: AgentServiceClient;
  endpoint: string;
  nodeName: string;
  /** namespace/name */
  podName: string;
}

export class AgentClients {
  private readonly clients = new Map<string, AgentServiceClient>();

  constructor(private readonly opts: AgentClientsOptions) {}

  /** The agent of the pod's node; `what` ("logs", "exec") goes into the errors. */
  async forPod(pod: Pod, what: string): Promise<PodAgent> {
    const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const nodeName = pod.spec.nodeName;
    if (!nodeName) {
      throw failure(400, "BadRequest", `pod ${podName} is not scheduled to a node yet, so it has no ${what}; wait until it is Running`);
    }
    let node: Node;
    try {
      node = await this.opts.getNode(nodeName);
    } catch (err) {
      if (isNotFound(err)) {
        throw failure(404, "NotFound", `node "${nodeName}" of pod ${podName} does not exist; its agent must register before ${what} can be served`);
      }
      throw err;
    }
    const endpoint = node.metadata.annotations?.[agentEndpointAnnotation];
    if (!endpoint) {
      throw failure(
        503,
        "ServiceUnavailable",
        `node "${nodeName}" has no ${agentEndpointAnnotation} annotation, so its agent cannot be reached for ${what}; ` +
          "restart the agent with --listen set to an address the master can reach",
      );
    }
    return { client: this.clientFor(endpoint, nodeName), endpoint, nodeName, podName };
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private clientFor(endpoint: string, nodeName: string): AgentServiceClient {
    const key = `${nodeName}@${endpoint}`;
    let client = this.clients.get(key);
    if (!client) {
      const { ca, cert, key: privateKey } = this.opts.tls;
      const creds = credentials.createSsl(Buffer.from(ca), Buffer.from(privateKey), Buffer.from(cert));
      // An agent's certificate names its node, not its address: checking the node
      // name means a master talks only to the agent of the pod's node.
      client = new AgentServiceClient(endpoint, creds, { "grpc.ssl_target_name_override": nodeName, "grpc.default_authority": nodeName });
      this.clients.set(key, client);
    }
    return client;
  }
}

/** An agent's gRPC failure as the Status the client of the apiserver sees. */
export function translateAgentError(err: ServiceError, agent: PodAgent, what: string): StatusError {
  switch (err.code) {
    case GrpcStatus.NOT_FOUND:
      return failure(404, "NotFound", `${what} of pod ${agent.podName}: ${err.details}`);
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.FAILED_PRECONDITION:
      return failure(400, "BadRequest", `${what} of pod ${agent.podName}: ${err.details}`);
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
      return failure(
        503,
        "ServiceUnavailable",
        `cannot reach the agent of node "${agent.nodeName}" at ${agent.endpoint} for ${what} of pod ${agent.podName} (${err.details}); is the agent running?`,
      );
    default:
      return failure(500, "InternalError", `agent of node "${agent.nodeName}" failed to serve ${what} of pod ${agent.podName}: ${err.details}`);
  }
}
