#!/usr/bin/env node
// bosun-agent: runs this node's pods on Docker for the bosun masters.
import os from "node:os";
import { Command } from "commander";
import { createLogger, setLogLevel } from "@bosun/client";
import { Agent } from "./agent.js";
import { DockerRuntime } from "./runtime/docker.js";
import { parseLabels } from "./node-info.js";

const log = createLogger("agent/main");

interface Flags {
  nodeName: string;
  master: string;
  listen: string;
  nodeLabels?: string;
  capacityCpu?: string;
  capacityMemory?: string;
  infraImage: string;
  dockerSocket: string;
  logLevel: string;
}

const program = new Command()
  .name("bosun-agent")
  .description("Bosun node agent: runs the pods the masters assign to this node on Docker")
  .option("--node-name <name>", "this node's name", os.hostname().toLowerCase())
  .option("--master <addresses>", "comma-separated dispatcher addresses (host:port)", "127.0.0.1:6444")
  .option("--listen <address>", "where to serve AgentService (logs); the address sent to the masters", "127.0.0.1:10250")
  .option("--node-labels <labels>", "extra node labels, k=v,k2=v2")
  .option("--capacity-cpu <quantity>", "cpu capacity to report instead of the host's")
  .option("--capacity-memory <quantity>", "memory capacity to report instead of the host's")
  .option("--infra-image <image>", "image of each pod's infra (network namespace) container", "bosun.local/pause:1")
  .option("--docker-socket <path>", "Docker Engine API socket", "/var/run/docker.sock")
  .option("--log-level <level>", "trace, debug, info, warn, error", "info");

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<Flags>();
  setLogLevel(flags.logLevel);
  const agent = new Agent({
    nodeName: flags.nodeName,
    masters: flags.master.split(",").map((s) => s.trim()).filter(Boolean),
    listen: flags.listen,
    nodeLabels: parseLabels(flags.nodeLabels),
    capacityCpu: flags.capacityCpu,
    capacityMemory: flags.capacityMemory,
    infraImage: flags.infraImage,
    runtime: new DockerRuntime(flags.dockerSocket),
  });
  await agent.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping the agent; pods keep running");
    agent.stop().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: err.message }, "stopping the agent failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: Error) => {
  log.error({ err: err.message }, "bosun-agent failed to start");
  process.exit(1);
});
