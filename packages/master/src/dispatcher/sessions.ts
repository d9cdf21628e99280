// Sessions: which agent connection currently speaks for a node, and Register, which
// opens one. A node has at most one live session; registering again (agent restart,
// reconnect to another master) replaces it and closes the old one's stream, so two
// connections never both receive a node's assignments.
import { rfc3339 } from "@bosun/api";
import { randomBytes } from "node:crypto";
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { Node } from "@bosun/api";
import { createLogger, isAlreadyExists, isNotFound } from "@bosun/client";
import type { RegisterRequest, RegisterResponse } from "@bosun/proto";
import { nodeResource } from "../resources.js";
import type { DispatcherApi } from "./api-port.js";
import { DispatcherError, sessionNotFound } from "./grpc-errors.js";
import { nodeMetadataFor, nodeStatusFor } from "./node-object.js";

const log = createLogger("dispatcher/sessions");

export interface Session {
  readonly id: string;
  readonly nodeName: string;
  readonly nodeUid: string;
  /** Aborted when the session is replaced or the dispatcher stops. */
  readonly closed: AbortSignal;
}

export class SessionRegistry {
  private readonly byNode = new Map<string, { session: Session; controller: AbortController }>();

  /** Opens a new session for the node, closing the one it replaces. */
  open(nodeName: string, nodeUid: string): Session {
    this.close(nodeName, "replaced by a new registration");
    const controller = new AbortController();
    const session: Session = { id: randomBytes(16).toString("hex"), nodeName, nodeUid, closed: controller.signal };
    this.byNode.set(nodeName, { session, controller });
    return session;
  }

  /** The live session, or NOT_FOUND, which tells the agent to register again. */
  check(nodeName: string, sessionId: string): Session {
    const entry = this.byNode.get(nodeName);
    if (!entry || entry.session.id !== sessionId) throw sessionNotFound(nodeName);
    return entry.session;
  }

  /** Ends the node's session, if it is still the given one (or any, without an id). */
  close(nodeName: string, reason: string, sessionId?: string): void {
    const entry = this.byNode.get(nodeName);
    if (!entry || (sessionId !== undefined && entry.session.id !== sessionId)) return;
    this.byNode.delete(nodeName);
    entry.controller.abort(new Error(reason));
  }

  closeAll(reason: string): void {
    for (const nodeName of [...this.byNode.keys()]) this.close(nodeName, reason);
  }

  get size(): number {
    return this.byNode.size;
  }
}

// RFC 1123 subdomain, as Kubernetes requires of node names.
const nodeNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface RegistrarOptions {
  api: DispatcherApi;
  sessions: SessionRegistry;
  heartbeatPeriodMs: number;
  now?: () => Date;
}

/** Handles Register: writes the Node object through the API, then opens a session. */
export class Registrar {
  private readonly now: () => Date;
  constructor(private readonly opts: RegistrarOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  async register(req: RegisterRequest): Promise<RegisterResponse> {
    if (!nodeNamePattern.test(req.nodeName) || req.nodeName.length > 253) {
      throw new DispatcherError(
        GrpcStatus.INVALID_ARGUMENT,
        `node name "${req.nodeName}" is not a valid DNS subdomain (lower-case letters, digits, '-' and '.'); ` +
          "start the agent with a valid --node-name",
      );
    }
    const node = await this.upsertNode(req);
    const nodeUid = node.metadata.uid ?? "";
    const session = this.opts.sessions.open(req.nodeName, nodeUid);
    log.info({ node: req.nodeName, endpoint: req.agentEndpoint, session: session.id.slice(0, 8) }, "node registered");
    return { nodeUid, sessionId: session.id, podCidr: node.spec?.podCIDR ?? "", heartbeatPeriodMs: this.opts.heartbeatPeriodMs };
  }

  private async upsertNode(req: RegisterRequest): Promise<Node> {
    const { api } = this.opts;
    const meta = nodeMetadataFor(req);
    let existing: Node | undefined;
    try {
      existing = await api.get<Node>(nodeResource, req.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!existing) {
      const now = rfc3339(this.now());
      try {
        const created = await api.create<Node>(nodeResource, {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name: req.nodeName, ...meta },
          spec: {},
          status: nodeStatusFor(req, undefined, now),
        });
        // Kubernetes keeps a node's status on create, but an apiserver that resets
        // status on create (as it does for pods) still ends up right.
        if (created.status?.conditions?.length) return created;
        existing = created;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        existing = await api.get<Node>(nodeResource, req.nodeName);
      }
    } else {
      existing = await api.patch<Node>(nodeResource, req.nodeName, { metadata: meta }, { type: "merge" });
    }
    const status = nodeStatusFor(req, existing.status, rfc3339(this.now()));
    return api.patch<Node>(nodeResource, req.nodeName, { status }, { type: "merge", subresource: "status" });
  }
}
