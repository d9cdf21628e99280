// Heartbeat: proof that a node's agent is alive. Each one refreshes the node's
// conditions through the API and tells the agent when to come back, with jitter so
// that agents that registered together do not stay in lockstep.
import { nodeReadyCondition, rfc3339 } from "@bosun/api";
import type { Node } from "@bosun/api";
import { createLogger, isNotFound } from "@bosun/client";
import type { HeartbeatRequest, HeartbeatResponse } from "@bosun/proto";
import { nodeResource } from "../resources.js";
import type { DispatcherApi } from "./api-port.js";
import { sessionNotFound } from "./grpc-errors.js";
import { readyConditions } from "./node-object.js";
import type { SessionRegistry } from "./sessions.js";

const log = createLogger("dispatcher/heartbeat");

/** The period scattered by ±jitter (0.2 = ±20%). */
export function jittered(periodMs: number, jitter = 0.2, random: () => number = Math.random): number {
  return Math.max(1, Math.round(periodMs * (1 - jitter + random() * 2 * jitter)));
}

export interface HeartbeatOptions {
  api: DispatcherApi;
  sessions: SessionRegistry;
  heartbeatPeriodMs: number;
  now?: () => Date;
  random?: () => number;
}

export class HeartbeatHandler {
  private readonly now: () => Date;
  constructor(private readonly opts: HeartbeatOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    const { api, sessions } = this.opts;
    sessions.check(req.nodeName, req.sessionId);
    try {
      const node = await api.get<Node>(nodeResource, req.nodeName);
      const wasReady = nodeReadyCondition(node)?.status === "True";
      const conditions = readyConditions(node.status?.conditions, rfc3339(this.now()));
      await api.patch<Node>(nodeResource, req.nodeName, { status: { conditions } }, { type: "merge", subresource: "status" });
      if (!wasReady) log.info({ node: req.nodeName }, "node is Ready again");
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Someone deleted the Node object: registering again recreates it.
      sessions.close(req.nodeName, "node object deleted", req.sessionId);
      throw sessionNotFound(req.nodeName);
    }
    return { nextHeartbeatMs: jittered(this.opts.heartbeatPeriodMs, 0.2, this.opts.random) };
  }
}
