// bosun logs: streams a container's output from the API server to stdout.
import { mustResource, type Pod } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import { CliError } from "../context.js";
import type { Command } from "commander";
import { createClient, namespaceOf, type GlobalOptions } from "../context.js";
import { io } from "../io.js";
import { integer } from "./options.js";

export interface LogsCommandOptions {
  namespace: string;
  container?: string;
  follow: boolean;
  tail?: number;
  timestamps: boolean;
  previous: boolean;
  write: (chunk: Uint8Array) => Promise<void>;
  err: (line: string) => void;
}

/** Accepts `web` and `pod/web`, as kubectl logs does. */
export function podNameOf(arg: string): string {
  const slash = arg.indexOf("/");
  if (slash < 0) return arg;
  const kind = arg.slice(0, slash).toLowerCase();
  if (!["pod", "pods", "po"].includes(kind)) throw new CliError(`bosun logs reads pods only, not "${arg.slice(0, slash)}"`);
  return arg.slice(slash + 1);
}

export async function runLogs(client: ApiClient, arg: string, opts: LogsCommandOptions): Promise<number> {
  const name = podNameOf(arg);
  let container = opts.container;
  if (!container) {
    // kubectl's behaviour: pick the first container and say so when there are several.
    const pods = mustResource("pods");
    const pod = await client.get<Pod>(pods, name, opts.namespace);
    const names = pod.spec.containers.map((c) => c.name);
    container = names[0];
    if (names.length > 1) opts.err(`Defaulted container "${container}" out of: ${names.join(", ")}`);
  }
  for await (const chunk of client.logs(opts.namespace, name, {
    ...(container ? { container } : {}),
    follow: opts.follow,
    timestamps: opts.timestamps,
    previous: opts.previous,
    ...(opts.tail !== undefined && opts.tail >= 0 ? { tailLines: opts.tail } : {}),
  })) {
    await opts.write(chunk);
  }
  return 0;
}

export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("print a container's logs (logs web, logs web -c sidecar -f)")
    .argument("<pod>", "pod name or pod/name")
    .option("-c, --container <name>", "container (default: the pod's first)")
    .option("-f, --follow", "keep streaming new output", false)
    .option("--tail <lines>", "only the last N lines (-1: all)", integer, -1)
    .option("--timestamps", "prefix each line with its RFC 3339 timestamp", false)
    .option("-p, --previous", "the previous, terminated instance of the container", false)
    .action(async (pod: string, o: { container?: string; follow: boolean; tail: number; timestamps: boolean; previous: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runLogs(createClient(globals), pod, {
        ...o,
        namespace: namespaceOf(globals),
        write: io.bytes,
        err: io.err,
      });
    });
}
