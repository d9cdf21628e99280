// The agent's session with a master, after SwarmKit's agent/session.go: register,
// then heartbeat and follow the assignments and network streams until anything fails; then
// reconnect with jittered back-off to the next master and start over. Pods are never
// touched because a master is unreachable: only what an assignment says is acted on.
import { Metadata, status as grpcStatus, type ChannelCredentials, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import {
  NodeServiceClient,
  type AssignmentsMessage,
  type HeartbeatResponse,
  type NetworkMessage,
  type PolicyPeersMessage,
  type RegisterRequest,
  type RegisterResponse,
  type ReportStatusResponse,
} from "@bosun/proto";
import { Backoff, createLogger, sleep } from "@bosun/client";
import { AssignmentTracker, type PodChange } from "./assignments.js";
import type { StatusReporter } from "./reporter.js";
import type { NetworkConfig } from "./network/plan.js";
import type { PolicyPod } from "./policy/inputs.js";
import type { Pod } from "@bosun/api";

const log = createLogger("agent/session");

/** What the session feeds: the pod manager, or a fake in tests. */
export interface AssignmentSink {
  applyComplete(pods: Pod[]): void;
  applyUpdate(pod: Pod): void;
  applyRemove(uid: string): void;
}

/** What the session feeds the master's pod network picture to: the network manager, or a fake in tests. */
export interface NetworkSink {
  update(config: NetworkConfig): void;
}

/** A pod of the cluster as network policies select it, and the node it runs on. */
export type PolicyPeer = PolicyPod & { nodeName: string };

/** What the session feeds the cluster's pods, as network policies select them, to: the policy enforcer. */
export interface PolicyPeersSink {
  setPeers(peers: PolicyPeer[]): void;
}

export interface SessionOptions {
  masters: string[];
  registration: () => Promise<RegisterRequest>;
  pods: AssignmentSink;
  network?: NetworkSink;
  policyPeers?: PolicyPeersSink;
  reporter: StatusReporter;
  /** Mutual TLS towards the dispatcher; asked anew for each session, so a renewed certificate is used. */
  credentials: () => ChannelCredentials;
  rpcTimeoutMs?: number;
}

function unary<Res>(timeoutMs: number, invoke: (md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

class SessionEnded extends Error {}

/**
 * Follows one of the master's whole-picture streams until the session ends. An
 * older master without the RPC leaves the session up (heartbeats keep the node
 * Ready) and says so once; a stream the master closes ends the session.
 */
async function follow<M>(
  stream: ClientReadableStream<M>,
  signal: AbortSignal,
  apply: (msg: M) => void,
  unimplemented: string,
  what: string,
): Promise<void> {
  const onAbort = () => stream.cancel();
  stream.on("error", () => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const msg of stream as AsyncIterable<M>) apply(msg);
  } catch (err) {
    if (signal.aborted) return;
    if ((err as ServiceError).code === grpcStatus.UNIMPLEMENTED) {
      log.error({}, unimplemented);
      return untilAborted(signal);
    }
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (!signal.aborted) throw new SessionEnded(`the master closed the ${what} stream`);
}

function policyPeer(p: PolicyPeersMessage["pods"][number]): PolicyPeer {
  return { namespace: p.namespace, name: p.name, ip: p.ip, labels: { ...p.labels }, ports: p.ports.flatMap((port) => (isProtocol(port.protocol) ? [{ name: port.name, port: port.port, protocol: port.protocol }] : [])), nodeName: p.nodeName };
}

function isProtocol(protocol: string): protocol is "TCP" | "UDP" | "SCTP" {
  return protocol === "TCP" || protocol === "UDP" || protocol === "SCTP";
}

function networkConfig(msg: NetworkMessage): NetworkConfig {
  return {
    podCidr: msg.podCidr,
    clusterCidr: msg.clusterCidr,
    peers: msg.peers.map((p) => ({ nodeName: p.nodeName, podCidr: p.podCidr, internalIP: p.internalIp })),
  };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

export class Session {
  private readonly stopper = new AbortController();
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 10_000 });
  private next = 0;
  private connected = false;

  constructor(private readonly opts: SessionOptions) {
    if (opts.masters.length === 0) throw new Error("no master address given; pass --master host:port");
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Runs sessions until stop(). */
  async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      const address = this.opts.masters[this.next % this.opts.masters.length] ?? "";
      this.next++;
      try {
        await this.runOnce(address, signal);
      } catch (err) {
        if (signal.aborted) break;
        log.warn({ master: address, err: (err as Error).message }, "session with the master ended; reconnecting (pods keep running)");
      }
      if (signal.aborted) break;
      await sleep(this.backoff.next(), signal);
    }
  }

  stop(): void {
    this.stopper.abort();
  }

  private async runOnce(address: string, stopSignal: AbortSignal): Promise<void> {
    const timeout = this.opts.rpcTimeoutMs ?? 10_000;
    const client = new NodeServiceClient(address, this.opts.credentials());
    const round = new AbortController();
    const onStop = () => round.abort();
    stopSignal.addEventListener("abort", onStop, { once: true });
    try {
      const req = await this.opts.registration();
      const reg = await unary<RegisterResponse>(timeout, (md, o, cb) => client.register(req, md, o, cb));
      const sessionId = reg.sessionId;
      this.connected = true;
      this.backoff.reset();
      log.info({ master: address, node: req.nodeName, nodeUid: reg.nodeUid, sessionId }, "registered with the master");
      // Statuses go out only once the complete set is applied: a pod deleted while the
      // master was away is forgotten first, never reported to a master that no longer has it.
      let reporting = false;
      const startReporting = () => {
        if (reporting) return;
        reporting = true;
        this.opts.reporter.attach((batch) =>
          unary<ReportStatusResponse>(timeout, (md, o, cb) =>
            client.reportStatus({ nodeName: req.nodeName, sessionId, ...batch }, md, o, cb),
          ).then(() => undefined),
        );
      };
      await Promise.race([
        this.heartbeats(client, req.nodeName, sessionId, reg.heartbeatPeriodMs || 5_000, round.signal),
        this.assignments(client, req.nodeName, sessionId, round.signal, startReporting),
        this.network(client, req.nodeName, sessionId, round.signal),
        this.policyPeers(client, req.nodeName, sessionId, round.signal),
      ]);
    } finally {
      this.connected = false;
      round.abort();
      stopSignal.removeEventListener("abort", onStop);
      this.opts.reporter.detach();
      client.close();
    }
  }

  private async heartbeats(client: NodeServiceClient, nodeName: string, sessionId: string, periodMs: number, signal: AbortSignal): Promise<void> {
    let period = periodMs;
    while (!signal.aborted) {
      await sleep(period, signal);
      if (signal.aborted) return;
      const res = await unary<HeartbeatResponse>(Math.max(period, 5_000), (md, o, cb) =>
        client.heartbeat({ nodeName, sessionId }, md, o, cb),
      );
      period = res.nextHeartbeatMs || period;
    }
  }

  /** Follows the assignments stream; a sequence gap re-subscribes for a new COMPLETE set. */
  private async assignments(client: NodeServiceClient, nodeName: string, sessionId: string, signal: AbortSignal, onComplete: () => void): Promise<void> {
    while (!signal.aborted) {
      const tracker = new AssignmentTracker();
      const stream = client.assignments({ nodeName, sessionId });
      const onAbort = () => stream.cancel();
      // Cancelling (on a gap or a stop) ends the stream with an error nobody else awaits.
      stream.on("error", () => undefined);
      signal.addEventListener("abort", onAbort, { once: true });
      let gap = false;
      try {
        for await (const msg of stream as AsyncIterable<AssignmentsMessage>) {
          const result = tracker.accept(msg);
          if (result.kind === "gap") {
            log.warn({ reason: result.reason }, "gap in the assignments stream; asking for a new complete set");
            gap = true;
            stream.cancel();
            break;
          }
          if (result.kind === "complete") {
            log.info({ pods: result.pods.length }, "received the complete set of assigned pods");
            this.opts.pods.applyComplete(result.pods);
            onComplete();
          } else {
            for (const change of result.changes) this.apply(change);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
      if (signal.aborted) return;
      if (!gap) throw new SessionEnded("the master closed the assignments stream");
    }
  }

  /** Follows the network stream; each message is the whole picture of the pod network. */
  private network(client: NodeServiceClient, nodeName: string, sessionId: string, signal: AbortSignal): Promise<void> {
    const sink = this.opts.network;
    if (!sink) return untilAborted(signal);
    return follow(
      client.network({ nodeName, sessionId }),
      signal,
      (msg: NetworkMessage) => sink.update(networkConfig(msg)),
      // An older master: the session stays (heartbeats keep the node Ready), new pods wait.
      "the master does not serve the pod network (the Network RPC); new pods wait with NetworkNotReady until the masters are upgraded",
      "network",
    );
  }

  /** Follows the policy peers stream; each message is every pod of the cluster as policies select them. */
  private policyPeers(client: NodeServiceClient, nodeName: string, sessionId: string, signal: AbortSignal): Promise<void> {
    const sink = this.opts.policyPeers;
    if (!sink) return untilAborted(signal);
    return follow(
      client.policyPeers({ nodeName, sessionId }),
      signal,
      (msg: PolicyPeersMessage) => sink.setPeers(msg.pods.map(policyPeer)),
      "the master does not serve the policy peers (the PolicyPeers RPC); network policies keep the peers they had until the masters are upgraded",
      "policy peers",
    );
  }

  private apply(change: PodChange): void {
    if (change.action === "update") this.opts.pods.applyUpdate(change.pod);
    else this.opts.pods.applyRemove(change.uid);
  }
}
