// A small in-process NodeService for tests: hands out sessions, streams assignments
// and records what agents report. It serves mutual TLS with a certificate of the
// test CA (support/tls.ts), as a real dispatcher does.
import { randomUUID } from "node:crypto";
import { Server, status as grpcStatus, type ServerWritableStream } from "@grpc/grpc-js";
import {
  AssignmentChange_Action,
  AssignmentsMessage_Type,
  NodeServiceService,
  type AssignmentsMessage,
  type AssignmentsRequest,
  type NetworkMessage,
  type PolicyPeersMessage,
  type PolicyPeersRequest,
  type NetworkRequest,
  type NodeServiceServer,
  type PodEvent,
  type RegisterRequest,
} from "@bosun/proto";
import type { Pod, PodStatus } from "@bosun/api";
import { identityFromSubject, type Identity, type KeyPair } from "@bosun/pki";
import { masterServerCredentials } from "./tls.js";

export interface ReportedStatus {
  status: PodStatus;
  terminated: boolean;
}

interface Subscriber {
  call: ServerWritableStream<AssignmentsRequest, AssignmentsMessage>;
  sequence: number;
}

export class FakeMaster {
  private server = new Server();
  readonly registrations: RegisterRequest[] = [];
  /** Who registered, as their client certificates say. */
  readonly registeredBy: Identity[] = [];
  /** The CA that signs the serving certificate; the test CA unless a test plays an impostor. */
  ca: KeyPair | undefined;
  heartbeats = 0;
  subscriptions = 0;
  readonly statuses = new Map<string, ReportedStatus>();
  readonly events: PodEvent[] = [];
  readonly pods = new Map<string, Pod>();
  private sessions = new Set<string>();
  private subscribers = new Set<Subscriber>();
  private networkSubscribers = new Set<ServerWritableStream<NetworkRequest, NetworkMessage>>();
  /** What the Network stream says; empty until a test sets it (setNetwork). */
  network: NetworkMessage = { podCidr: "", clusterCidr: "", peers: [] };
  /** What the PolicyPeers stream sends, once, to each agent that follows it. */
  policyPeers: PolicyPeersMessage = { pods: [] };
  /** Answer the Network stream as a master from before the pod network does. */
  networkUnimplemented = false;
  port = 0;

  constructor(private readonly heartbeatPeriodMs = 300) {
    const impl: NodeServiceServer = {
      register: (call, cb) => {
        this.registrations.push(call.request);
        const subject = call.getAuthContext()?.sslPeerCertificate?.subject;
        if (subject) this.registeredBy.push(identityFromSubject(subject as unknown as Record<string, string | string[]>));
        const sessionId = randomUUID();
        this.sessions.add(sessionId);
        cb(null, { nodeUid: "node-uid", sessionId, podCidr: "", heartbeatPeriodMs: this.heartbeatPeriodMs });
      },
      heartbeat: (call, cb) => {
        if (!this.sessions.has(call.request.sessionId)) {
          cb({ code: grpcStatus.NOT_FOUND, details: "session unknown; register again" });
          return;
        }
        this.heartbeats++;
        cb(null, { nextHeartbeatMs: this.heartbeatPeriodMs });
      },
      assignments: (call: ServerWritableStream<AssignmentsRequest, AssignmentsMessage>) => {
        this.subscriptions++;
        const sub: Subscriber = { call, sequence: 1 };
        this.subscribers.add(sub);
        call.on("cancelled", () => this.subscribers.delete(sub));
        call.on("close", () => this.subscribers.delete(sub));
        call.write({
          type: AssignmentsMessage_Type.COMPLETE,
          sequence: 1,
          changes: [...this.pods.values()].map((p) => ({ action: AssignmentChange_Action.UPDATE, podJson: JSON.stringify(p) })),
        });
      },
      network: (call: ServerWritableStream<NetworkRequest, NetworkMessage>) => {
        if (this.networkUnimplemented) {
          call.emit("error", { code: grpcStatus.UNIMPLEMENTED, details: "unknown method Network" });
          return;
        }
        this.networkSubscribers.add(call);
        call.on("cancelled", () => this.networkSubscribers.delete(call));
        call.on("close", () => this.networkSubscribers.delete(call));
        call.write(this.network);
      },
      policyPeers: (call: ServerWritableStream<PolicyPeersRequest, PolicyPeersMessage>) => {
        call.write(this.policyPeers);
      },
      reportStatus: (call, cb) => {
        for (const u of call.request.updates) {
          this.statuses.set(u.uid, { status: JSON.parse(u.statusJson) as PodStatus, terminated: u.terminated });
        }
        this.events.push(...call.request.events);
        cb(null, {});
      },
    };
    this.server.addService(NodeServiceService, impl);
  }

  async start(port = 0): Promise<string> {
    const serverCredentials = await masterServerCredentials(this.ca);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, serverCredentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    return this.address;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  stop(): void {
    for (const s of this.subscribers) s.call.end();
    this.subscribers.clear();
    for (const call of this.networkSubscribers) call.end();
    this.networkSubscribers.clear();
    this.server.forceShutdown();
  }

  private send(changes: AssignmentsMessage["changes"]): void {
    for (const sub of this.subscribers) {
      sub.sequence++;
      sub.call.write({ type: AssignmentsMessage_Type.INCREMENTAL, sequence: sub.sequence, changes });
    }
  }

  /** Sends a raw message to every subscriber (for gap tests). */
  sendRaw(msg: AssignmentsMessage): void {
    for (const sub of this.subscribers) sub.call.write(msg);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Sends the whole network picture to every agent following it, as the master does on any change. */
  setNetwork(msg: NetworkMessage): void {
    this.network = msg;
    for (const call of this.networkSubscribers) call.write(msg);
  }

  setPod(pod: Pod): void {
    this.pods.set(pod.metadata.uid ?? "", pod);
    this.send([{ action: AssignmentChange_Action.UPDATE, podJson: JSON.stringify(pod) }]);
  }

  removePod(uid: string): void {
    const pod = this.pods.get(uid);
    this.pods.delete(uid);
    this.send([{ action: AssignmentChange_Action.REMOVE, podJson: JSON.stringify(pod ?? { metadata: { uid } }) }]);
  }
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
