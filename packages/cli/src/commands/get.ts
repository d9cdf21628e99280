// bosun get: tables like kubectl's, -o yaml|json|name|wide, and -w to follow changes.
import type { Event, KubeObject, ResourceInfo, Status } from "@bosun/api";
import { ApiError, sleep, type ApiClient } from "@bosun/client";
import { CliError, formatError, parseTargets } from "../context.js";
import { eventLastSeen, printTable, tableHeader, tableRow } from "../printers/tables.js";
import { parseOutputFormat, printObjects, type OutputFormat } from "../printers/output.js";
import { columnWidths, formatRow } from "../printers/tabwriter.js";
import type { Command } from "commander";
import { createClient, namespaceOf, type GlobalOptions } from "../context.js";
import { io } from "../io.js";

export interface GetOptions {
  namespace: string;
  allNamespaces: boolean;
  selector?: string;
  fieldSelector?: string;
  output?: string;
  watch: boolean;
  out: (text: string) => void;
  err: (line: string) => void;
}

export async function runGet(client: ApiClient, args: readonly string[], opts: GetOptions): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const { res, targets } = parseTargets(args);
  if (opts.allNamespaces && targets.length > 0) {
    throw new CliError("a resource cannot be retrieved by name across all namespaces; drop -A or the name");
  }
  if (res && targets.length === 0) return getList(client, res, format, opts);

  // Named objects: print what exists, report what does not, as kubectl does.
  let failed = false;
  const groups = new Map<ResourceInfo, KubeObject[]>();
  for (const { res: r, name } of targets) {
    try {
      const obj = await client.get(r, name, r.namespaced ? opts.namespace : undefined);
      groups.set(r, [...(groups.get(r) ?? []), obj]);
    } catch (err) {
      failed = true;
      opts.err(formatError(err));
    }
  }
  for (const [r, objects] of groups) opts.out(render(r, objects, format, opts, targets.length === 1));
  if (opts.watch && targets.length === 1 && !failed) {
    const [{ res: r, name }] = targets as [(typeof targets)[number]];
    const printed = groups.get(r) ?? [];
    const rv = printed[0]?.metadata.resourceVersion;
    await follow(client, r, format, { ...opts, fieldSelector: joinSelectors(`metadata.name=${name}`, opts.fieldSelector) }, rv, printed);
  }
  return failed ? 1 : 0;
}

async function getList(client: ApiClient, res: ResourceInfo, format: OutputFormat, opts: GetOptions): Promise<number> {
  const namespace = res.namespaced && !opts.allNamespaces ? opts.namespace : undefined;
  const list = await client.list(res, {
    ...(namespace ? { namespace } : {}),
    ...(opts.selector ? { labelSelector: opts.selector } : {}),
    ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
  });
  const items = res.kind === "Event" ? sortEvents(list.items as Event[]) : list.items;
  if (items.length === 0 && (format === "table" || format === "wide")) {
    if (!opts.watch) opts.err(namespace ? `No resources found in ${namespace} namespace.` : "No resources found");
  } else {
    opts.out(render(res, items, format, opts, false));
  }
  if (opts.watch) await follow(client, res, format, opts, list.metadata.resourceVersion, items);
  return 0;
}

function render(res: ResourceInfo, objects: readonly KubeObject[], format: OutputFormat, opts: GetOptions, single: boolean): string {
  if (format === "table" || format === "wide") {
    return printTable(res.kind, objects, { wide: format === "wide", withNamespace: opts.allNamespaces && res.namespaced });
  }
  return printObjects(format, res, objects, single);
}

function sortEvents(events: Event[]): Event[] {
  const time = (e: Event) => Date.parse(eventLastSeen(e) ?? "") || 0;
  return [...events].sort((a, b) => time(a) - time(b));
}

function joinSelectors(a: string, b: string | undefined): string {
  return b ? `${a},${b}` : a;
}

/** Prints each change as it comes, resuming from the last revision seen; until interrupted. */
async function follow(
  client: ApiClient,
  res: ResourceInfo,
  format: OutputFormat,
  opts: GetOptions,
  resourceVersion: string | undefined,
  printed: readonly KubeObject[],
): Promise<void> {
  const namespace = res.namespaced && !opts.allNamespaces ? opts.namespace : undefined;
  const tableOpts = { wide: format === "wide", withNamespace: opts.allNamespaces && res.namespaced };
  const header = tableHeader(res.kind, tableOpts);
  // Rows line up under the table already printed (or a header printed with the first row).
  const widths = columnWidths([header, ...printed.map((o) => tableRow(res.kind, o, tableOpts))]);
  let rv = resourceVersion;
  let headerPending = printed.length === 0;
  // Runs until the process is interrupted, as kubectl get -w does.
  for (;;) {
    try {
      for await (const event of client.watch(res, {
        ...(namespace ? { namespace } : {}),
        ...(opts.selector ? { labelSelector: opts.selector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
        ...(rv ? { resourceVersion: rv } : {}),
      })) {
        if (event.type === "ERROR") {
          const status = event.object as unknown as Status;
          throw new ApiError(status);
        }
        if (event.type === "BOOKMARK") {
          rv = event.object.metadata.resourceVersion;
          continue;
        }
        rv = event.object.metadata.resourceVersion;
        if (format === "table" || format === "wide") {
          const row = tableRow(res.kind, event.object, tableOpts);
          opts.out((headerPending ? formatRow(header, widths) : "") + formatRow(row, widths));
          headerPending = false;
        } else {
          // Separate documents so a stream of YAML objects stays parseable.
          opts.out((format === "yaml" ? "---\n" : "") + printObjects(format, res, [event.object], true));
        }
      }
    } catch (err) {
      // An expired revision means changes were compacted away: start over from now.
      if (err instanceof ApiError && err.code === 410) {
        rv = undefined;
        continue;
      }
      throw err;
    }
    // The server ended the stream (its watch timeout): resume, without spinning
    // if it keeps ending at once.
    await sleep(200);
  }
}

export function registerGet(program: Command): void {
  program
    .command("get")
    .description("list objects, or show some by name (get pods, get pod web, get pod/web)")
    .argument("<resource...>", "a kind, optionally followed by names, or kind/name pairs")
    .option("-A, --all-namespaces", "list across all namespaces", false)
    .option("-l, --selector <selector>", "label selector (e.g. app=web,tier in (a,b))")
    .option("--field-selector <selector>", "field selector (e.g. spec.nodeName=node1,status.phase=Running)")
    .option("-o, --output <format>", "wide, yaml, json or name")
    .option("-w, --watch", "after listing, print changes as they happen", false)
    .action(async (args: string[], o: { allNamespaces: boolean; selector?: string; fieldSelector?: string; output?: string; watch: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runGet(createClient(globals), args, {
        ...o,
        namespace: namespaceOf(globals),
        out: io.text,
        err: io.err,
      });
    });
}
