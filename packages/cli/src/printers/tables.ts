// Human-readable tables for `bosun get`: the columns and cells of the shared
// printers (@bosun/api, the same the apiserver's Tables carry), laid out as
// kubectl lays out a server's Table.
import { printerFor, resources, type KubeObject, type TableColumnDefinition } from "@bosun/api";
import { formatTable } from "./tabwriter.js";

export interface TableOptions {
  wide?: boolean;
  /** A leading NAMESPACE column, for --all-namespaces. */
  withNamespace?: boolean;
  /** NAME as `kind.group/name`, as kubectl prints it when a listing holds several kinds. */
  withKind?: boolean;
  now?: number;
}

/** kubectl shows priority-0 columns, and the others with -o wide. */
function shown(column: TableColumnDefinition, opts: TableOptions): boolean {
  return column.priority === 0 || (opts.wide ?? false);
}

/** The header of a kind's table, for watch output that prints rows as they come. */
export function tableHeader(kind: string, opts: TableOptions = {}): string[] {
  const header = printerFor(kind)
    .columns.filter((c) => shown(c, opts))
    .map((c) => c.name.toUpperCase());
  return opts.withNamespace ? ["NAMESPACE", ...header] : header;
}

/** "deployment.apps", the prefix kubectl gives names in listings of several kinds. */
export function qualifiedKind(kind: string): string {
  const res = resources.find((r) => r.kind === kind);
  const group = res?.group ? `.${res.group}` : "";
  return `${kind.toLowerCase()}${group}`;
}

export function tableRow(kind: string, obj: KubeObject, opts: TableOptions = {}): string[] {
  const printer = printerFor(kind);
  const cells = printer.cells(obj, opts.now ?? Date.now());
  const row: string[] = [];
  printer.columns.forEach((column, i) => {
    if (!shown(column, opts)) return;
    const text = String(cells[i] ?? "");
    // Only the column that holds the name carries the kind, as in kubectl.
    row.push(opts.withKind && column.format === "name" ? `${qualifiedKind(kind)}/${text}` : text);
  });
  return opts.withNamespace ? [obj.metadata.namespace ?? "", ...row] : row;
}

/** Prints objects of one kind as kubectl does: an aligned table under a header. */
export function printTable(kind: string, objects: readonly KubeObject[], opts: TableOptions = {}): string {
  return formatTable(
    tableHeader(kind, opts),
    objects.map((o) => tableRow(kind, o, opts)),
  );
}
