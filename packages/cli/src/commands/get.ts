// bosun get: tables like kubectl's, -o yaml|json|name|wide, and -w to follow changes.
import { eventLastSeen, type Event, type KubeObject, type ResourceInfo, type Status } from "@bosun/api";
import { ApiError, sleep, type ApiClient } from "@bosun/client";
import { CliError, formatError, parseTargets } from "../context.js";
import { printTable, tableHeader, tableRow } from "../printers/tables.js";
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
  /** Print metadata.managedFields in -o yaml|json, as kubectl --show-managed-fields. */
  showManagedFields?: boolean;
  watch: boolean;
  out: (text: string) => void;
  err: (line: string) => void;
}

interface Group {
  res: ResourceInfo;
  objects: KubeObject[];
}

export async function runGet(client: ApiClient, args: readonly string[], opts: GetOptions): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const { kinds, targets } = parseTargets(args);
  if (opts.allNamespaces && targets.length > 0) {
    throw new CliError("a resource cannot be retrieved by name across all namespaces; drop -A or the name");
  }
  if (opts.watch && kinds.length > 1) {
    throw new CliError("watch is only supported on individual resources and resource collections - more than 1 resource was found");
  }

  let failed = false;
  const groups: Group[] = [];
  const groupOf = (res: ResourceInfo): Group => {
    let g = groups.find((x) => x.res === res);
    if (!g) groups.push((g = { res, objects: [] }));
    return g;
  };
  let listVersion: string | undefined;
  if (targets.length === 0) {
    for (const res of kinds) {
      const namespace = res.namespaced && !opts.allNamespaces ? opts.namespace : undefined;
      const list = await client.list(res, {
        ...(namespace ? { namespace } : {}),
        ...(opts.selector ? { labelSelector: opts.selector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      });
      groupOf(res).objects.push(...(res.kind === "Event" ? sortEvents(list.items as Event[]) : list.items));
      listVersion = list.metadata.resourceVersion;
    }
  } else {
    // Named objects: print what exists, report what does not, as kubectl does.
    for (const { res, name } of targets) {
      try {
        groupOf(res).objects.push(await client.get(res, name, res.namespaced ? opts.namespace : undefined));
      } catch (err) {
        failed = true;
        opts.err(formatError(err));
      }
    }
  }

  const found = groups.filter((g) => g.objects.length > 0);
  if (format === "table" || format === "wide") {
    if (found.length > 0) {
      // kubectl names objects kind.group/name once a listing holds more than one kind.
      const withKind = found.length > 1;
      opts.out(found.map((g) => render(g.res, g.objects, format, opts, withKind)).join("\n"));
    } else if (!failed && !opts.watch) {
      const allNamespaced = !opts.allNamespaces && kinds.every((r) => r.namespaced);
      opts.err(allNamespaced ? `No resources found in ${opts.namespace} namespace.` : "No resources found");
    }
  } else if (format === "name") {
    opts.out(found.map((g) => printObjects("name", g.res, g.objects, false)).join(""));
  } else if (!(targets.length > 0 && found.length === 0)) {
    const objects = found.flatMap((g) => g.objects);
    opts.out(printObjects(format, kinds[0]!, objects, targets.length === 1, { showManagedFields: opts.showManagedFields }));
  }

  if (opts.watch && !failed) {
    const res = kinds[0]!;
    const printed = groups[0]?.objects ?? [];
    if (targets.length === 0) {
      await follow(client, res, format, opts, listVersion, printed);
    } else if (targets.length === 1) {
      const rv = printed[0]?.metadata.resourceVersion;
      await follow(client, res, format, { ...opts, fieldSelector: joinSelectors(`metadata.name=${targets[0]!.name}`, opts.fieldSelector) }, rv, printed);
    }
  }
  return failed ? 1 : 0;
}

function render(res: ResourceInfo, objects: readonly KubeObject[], format: "table" | "wide", opts: GetOptions, withKind: boolean): string {
  return printTable(res.kind, objects, { wide: format === "wide", withNamespace: opts.allNamespaces && res.namespaced, withKind });
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
          opts.out((format === "yaml" ? "---\n" : "") + printObjects(format, res, [event.object], true, { showManagedFields: opts.showManagedFields }));
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
    .description("list objects, or show some by name (get pods, get deploy,rs, get all, get pod web, get pod/web)")
    .argument("<resource...>", "a kind (or several, comma-separated, or all), optionally followed by names, or kind/name pairs")
    .option("-A, --all-namespaces", "list across all namespaces", false)
    .option("-l, --selector <selector>", "label selector (e.g. app=web,tier in (a,b))")
    .option("--field-selector <selector>", "field selector (e.g. spec.nodeName=node1,status.phase=Running)")
    .option("-o, --output <format>", "wide, yaml, json or name")
    .option("--show-managed-fields", "keep metadata.managedFields in -o yaml|json output", false)
    .option("-w, --watch", "after listing, print changes as they happen", false)
    .action(async (args: string[], o: { allNamespaces: boolean; selector?: string; fieldSelector?: string; output?: string; showManagedFields: boolean; watch: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      process.exitCode = await runGet(createClient(globals), args, {
        ...o,
        namespace: namespaceOf(globals),
        out: io.text,
        err: io.err,
      });
    });
}
