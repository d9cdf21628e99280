// bosun up: the local single-host cluster in the foreground (see cluster/up.ts).
import type { Command } from "commander";
import { bosunHome } from "../config.js";
import { runUp } from "../cluster/up.js";
import { integer } from "./options.js";
import { io } from "../io.js";

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("run a local single-host cluster (etcd, master, one agent) in the foreground")
    .option("--node-name <name>", "name of the local node (default: the host name)")
    .option("--etcd-port <port>", "etcd client port", integer, 2479)
    .option("--etcd-peer-port <port>", "etcd peer port", integer, 2480)
    .option("--bind-address <ip>", "address the Kubernetes API listens on; pods reach the API at this host's address through the kubernetes Service (127.0.0.1 keeps the API to this host, and pods cannot reach it)", "0.0.0.0")
    .option("--api-port <port>", "Kubernetes API port", integer, 6443)
    .option("--grpc-port <port>", "agent dispatcher (gRPC) port", integer, 6444)
    .option("--agent-port <port>", "agent service (logs) port", integer, 10250)
    .option("--etcd-binary <path>", "etcd executable (default: /usr/bin/etcd)")
    .option("--log-level <level>", "log level of the master and agent", "info")
    .action(async (o: { nodeName?: string; bindAddress: string; etcdPort: number; etcdPeerPort: number; apiPort: number; grpcPort: number; agentPort: number; etcdBinary?: string; logLevel: string }) => {
      process.exitCode = await runUp({ home: bosunHome(), ...o, out: io.line });
    });
}
