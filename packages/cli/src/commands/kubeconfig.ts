// bosun kubeconfig: a kubeconfig for kubectl, pointing at the cluster.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { bosunHome, kubeconfig, kubeconfigPath, resolveServer } from "../config.js";

export function registerKubeconfig(program: Command): void {
  program
    .command("kubeconfig")
    .description("print a kubeconfig for the cluster (use with kubectl --kubeconfig)")
    .action((_o: unknown, cmd: Command) => {
      const home = bosunHome();
      const path = kubeconfigPath(home);
      const globals = cmd.optsWithGlobals<{ server?: string }>();
      // The file `bosun up` wrote, unless another server was asked for.
      if (!globals.server && !process.env.BOSUN_SERVER && existsSync(path)) {
        process.stdout.write(readFileSync(path, "utf8"));
      } else {
        process.stdout.write(kubeconfig(resolveServer({ flag: globals.server }).server));
      }
    });
}
