// bosun cordon / uncordon: mark nodes unschedulable (or schedulable again) with a
// merge patch of spec.unschedulable, printing kubectl's "node/n1 cordoned" lines.
import { mustResource, type Node } from "@bosun/api";
import type { ApiClient } from "@bosun/client";
import type { Command } from "commander";
import { CliError, createClient, formatError, resolveResource, type GlobalOptions } from "../context.js";
import { io } from "../io.js";

export interface CordonOptions {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Node names from `n1 n2` or `node/n1`, the forms kubectl's cordon and drain take. */
export function nodeNames(args: readonly string[], verb: string): string[] {
  if (args.length === 0) throw new CliError(`you must name the node to ${verb}, e.g. 'bosun ${verb} node-1'`);
  return args.map((arg) => {
    const slash = arg.indexOf("/");
    if (slash < 0) return arg;
    const res = resolveResource(arg.slice(0, slash));
    if (res.kind !== "Node") throw new CliError(`expected resource of type node, got "${res.resource}" in "${arg}"`);
    const name = arg.slice(slash + 1);
    if (!name) throw new CliError(`"${arg}" has no name after the slash`);
    return name;
  });
}

/**
 * Sets spec.unschedulable of a node that exists (`node`) and prints what happened.
 * Throws when the patch fails.
 */
export async function setUnschedulable(client: ApiClient, node: Node, desired: boolean, opts: CordonOptions): Promise<void> {
  const name = node.metadata.name ?? "";
  const verb = desired ? "cordon" : "uncordon";
  if ((node.spec?.unschedulable ?? false) === desired) {
    opts.out(`node/${name} already ${verb}ed`);
    return;
  }
  try {
    // null removes the field, as kubectl's patch of an unset (false) value does.
    await client.patch(mustResource("nodes"), name, { spec: { unschedulable: desired ? true : null } });
  } catch (err) {
    throw new CliError(`unable to ${verb} node "${name}": ${err instanceof Error ? err.message : String(err)}`);
  }
  opts.out(`node/${name} ${verb}ed`);
}

export async function runCordon(client: ApiClient, args: readonly string[], desired: boolean, opts: CordonOptions): Promise<number> {
  const names = nodeNames(args, desired ? "cordon" : "uncordon");
  let failed = false;
  for (const name of names) {
    try {
      const node = await client.get<Node>(mustResource("nodes"), name);
      await setUnschedulable(client, node, desired, opts);
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  return failed ? 1 : 0;
}

export function registerCordon(program: Command): void {
  for (const desired of [true, false]) {
    const verb = desired ? "cordon" : "uncordon";
    program
      .command(verb)
      .description(desired ? "mark nodes unschedulable: new pods go elsewhere, running pods stay" : "mark nodes schedulable again")
      .argument("<node...>", "node names, or node/name")
      .action(async (args: string[], _o: unknown, cmd: Command) => {
        process.exitCode = await runCordon(createClient(cmd.optsWithGlobals<GlobalOptions>()), args, desired, { out: io.line, err: io.err });
      });
  }
}
