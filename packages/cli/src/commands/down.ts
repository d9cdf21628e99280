// bosun down: stop the local cluster and remove its pods and state (see cluster/down.ts).
import type { Command } from "commander";
import { bosunHome } from "../config.js";
import { runDown } from "../cluster/down.js";
import { io } from "../io.js";

export function registerDown(program: Command): void {
  program
    .command("down")
    .description("stop the local cluster and remove its pods' containers and its state")
    .option("--node-name <name>", "node whose containers to remove (default: the one bosun up ran)")
    .action(async (o: { nodeName?: string }) => {
      process.exitCode = await runDown({ home: bosunHome(), ...o, out: io.line });
    });
}
