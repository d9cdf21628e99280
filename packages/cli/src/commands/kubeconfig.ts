// bosun kubeconfig: the kubeconfig in use (bosun up's by default), for kubectl.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse, stringify } from "yaml";
import { kubeconfigFile } from "../config.js";
import { CliError } from "../context.js";

export function registerKubeconfig(program: Command): void {
  program
    .command("kubeconfig")
    .description("print the kubeconfig of the cluster (bosun up's, or --kubeconfig); with --server, pointing at that server")
    .action((_o: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ server?: string; kubeconfig?: string }>();
      const file = kubeconfigFile({ flag: globals.kubeconfig });
      if (!file) throw new CliError("no kubeconfig found: start a local cluster with 'bosun up' (it writes $BOSUN_HOME/kubeconfig) or pass --kubeconfig");
      const text = readFileSync(file, "utf8");
      if (!globals.server) return void process.stdout.write(text);
      const doc = parse(text) as { clusters?: { cluster?: { server?: string } }[] };
      for (const c of doc.clusters ?? []) if (c.cluster) c.cluster.server = globals.server;
      process.stdout.write(stringify(doc));
    });
}
