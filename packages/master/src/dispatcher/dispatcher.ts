// Assembles the dispatcher: a pod and a node informer over the master's own REST
// API, the components that serve each RPC, and the gRPC server agents connect to.
import type { Node, Pod } from "@bosun/api";
import { ApiEventRecorder, createLogger, Informer, type ApiClient } from "@bosun/client";
import { nodeResource, podResource } from "../resources.js";
import { AssignmentFeed } from "./assignments.js";
import { AgentEvents, eventSourceComponent } from "./events.js";
import { HeartbeatHandler } from "./heartbeat.js";
import { NetworkFeed } from "./network.js";
import { PolicyPeersFeed } from "./policy-peers.js";
import { nodeServiceImplementation, serveNodeService, type DispatcherTls } from "./server.js";
import { Registrar, SessionRegistry } from "./sessions.js";
import { StatusWriter } from "./status-writer.js";

const log = createLogger("dispatcher");

export interface DispatcherOptions {
  client: ApiClient;
  heartbeatPeriodMs: number;
  /** The master's --cluster-cidr, which agents never masquerade inside. */
  clusterCidr: string;
  host: string;
  port: number;
  tls: DispatcherTls;
}

export interface Dispatcher {
  readonly port: number;
  close(): Promise<void>;
}

export async function startDispatcher(opts: DispatcherOptions): Promise<Dispatcher> {
  const { client, heartbeatPeriodMs } = opts;
  const pods = new Informer<Pod>(client, podResource);
  // The informer lists in the background; streams and status reports wait for it.
  const synced = pods.start();
  synced.then(
    () => log.info({ pods: pods.list().length }, "pod cache synced"),
    (err: unknown) => log.error({ err: String(err) }, "pod cache failed to start"),
  );
  const nodes = new Informer<Node>(client, nodeResource);
  const nodesSynced = nodes.start();
  nodesSynced.then(
    () => log.info({ nodes: nodes.list().length }, "node cache synced"),
    (err: unknown) => log.error({ err: String(err) }, "node cache failed to start"),
  );
  const sessions = new SessionRegistry();
  const status = new StatusWriter({ api: client, pods });
  status.start();
  const impl = nodeServiceImplementation({
    sessions,
    registrar: new Registrar({ api: client, sessions, heartbeatPeriodMs }),
    heartbeat: new HeartbeatHandler({ api: client, sessions, heartbeatPeriodMs }),
    feed: new AssignmentFeed(pods, () => synced),
    network: new NetworkFeed(nodes, opts.clusterCidr, () => nodesSynced),
    policyPeers: new PolicyPeersFeed(pods, () => synced),
    status,
    events: new AgentEvents({ pods, recorder: new ApiEventRecorder({ client, component: eventSourceComponent }) }),
  });
  const server = await serveNodeService(impl, opts.host, opts.port, opts.tls);
  return {
    port: server.port,
    async close() {
      sessions.closeAll("the master is shutting down");
      await server.close();
      await status.stop();
      await pods.stop();
      await nodes.stop();
    },
  };
}
