// Column alignment with the semantics of Go's text/tabwriter, which kubectl uses
// for both `get` tables and `describe`: a cell is text ended by a tab, and a
// column's width is set by the run of consecutive lines that have that cell, so
// nested describe sections line up the way kubectl's do.

export interface TabwriterOptions {
  /** Minimal cell width, padding included. */
  minWidth: number;
  /** Added to the widest cell of a column. */
  padding: number;
}

/** kubectl get: tabwriter.NewWriter(out, 6, 4, 3, ' ', 0). */
export const tableOptions: TabwriterOptions = { minWidth: 6, padding: 3 };
/** kubectl describe: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0). */
export const describeOptions: TabwriterOptions = { minWidth: 0, padding: 2 };

export function tabwrite(text: string, opts: TabwriterOptions): string {
  const endsWithNewline = text.endsWith("\n");
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split("\n").map((l) => l.split("\t"));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let line = "";
      for (let j = 0; j < cells.length; j++) {
        const cell = cells[j]!;
        line += j < cells.length - 1 && j < widths.length ? cell.padEnd(widths[j]!) : cell;
      }
      out.push(line);
    }
  };

  // Go's tabwriter.format: recursive over columns, one block per run of lines
  // that have a tab-terminated cell in the current column.
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let width = opts.minWidth;
      for (; i < line1; i++) {
        const cells = lines[i]!;
        if (column >= cells.length - 1) break;
        width = Math.max(width, cells[column]!.length + opts.padding);
      }
      widths.push(width);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join("\n") + (endsWithNewline ? "\n" : "");
}

/** Formats rows of cells as an aligned table, header first, like `kubectl get`. */
export function formatTable(header: readonly string[] | undefined, rows: readonly (readonly string[])[]): string {
  const all = header ? [header, ...rows] : rows;
  return tabwrite(all.map((r) => r.join("\t")).join("\n") + "\n", tableOptions);
}

/** Column widths of a table as formatTable lays it out, so later rows can line up with it. */
export function columnWidths(rows: readonly (readonly string[])[]): number[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? tableOptions.minWidth, cell.length + tableOptions.padding)));
  }
  return widths;
}

/** One more row under a printed table (watch output), widening a column only when a cell needs it. */
export function formatRow(cells: readonly string[], widths: number[]): string {
  return cells
    .map((cell, i) => {
      if (i === cells.length - 1) return cell;
      widths[i] = Math.max(widths[i] ?? tableOptions.minWidth, cell.length + tableOptions.padding);
      return cell.padEnd(widths[i]!);
    })
    .join("") + "\n";
}
