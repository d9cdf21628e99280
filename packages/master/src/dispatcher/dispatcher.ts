// Assembles the dispatcher: one pod informer over the master's own REST API, the
// components that serve each RPC, and the gRPC server agents connect to.
import type { Pod } from "@bosun/api";
import { ApiEventRecorder, createLogger, Informer, type ApiClient } from "@bosun/client";
import { podResource } from "../resources.js";
import { AssignmentFeed } from "./assignments.js";
import { AgentEvents, eventSourceComponent } from "./events.js";
import { HeartbeatHandler } from "./heartbeat.js";
import { nodeServiceImplementation, serveNodeService } from "./server.js";
import { Registrar, SessionRegistry } from "./sessions.js";
import { StatusWriter } from "./status-writer.js";

const log = createLogger("dispatcher");

export interface DispatcherOptions {
  client: ApiClient;
  heartbeatPeriodMs: number;
  host: string;
  port: number;
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
  const sessions = new SessionRegistry();
  const status = new StatusWriter({ api: client, pods });
  status.start();
  const impl = nodeServiceImplementation({
    sessions,
    registrar: new Registrar({ api: client, sessions, heartbeatPeriodMs }),
    heartbeat: new HeartbeatHandler({ api: client, sessions, heartbeatPeriodMs }),
    feed: new AssignmentFeed(pods, () => synced),
    status,
    events: new AgentEvents({ pods, recorder: new ApiEventRecorder({ client, component: eventSourceComponent }) }),
  });
  const server = await serveNodeService(impl, opts.host, opts.port);
  return {
    port: server.port,
    async close() {
      sessions.closeAll("the master is shutting down");
      await server.close();
      await status.stop();
      await pods.stop();
    },
  };
}
