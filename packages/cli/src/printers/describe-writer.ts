// The building blocks of `bosun describe` text, laid out like kubectl's
// describers: indented "Label:<tab>value" lines that the tabwriter aligns.
import type { ResourceList } from "@bosun/api";
import { describeOptions, tabwrite } from "./tabwriter.js";

export const none = "<none>";

/** Collects describe lines; `line(level, ...cells)` indents by two spaces per level. */
export class DescribeWriter {
  private text = "";
  line(level: number, ...cells: string[]): void {
    this.text += "  ".repeat(level) + cells.join("\t") + "\n";
  }
  /** A map as kubectl prints labels: first entry beside the title, the rest under it. */
  map(level: number, title: string, entries: Record<string, string> | undefined, sep = "="): void {
    const pairs = Object.entries(entries ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (pairs.length === 0) return this.line(level, `${title}:`, none);
    pairs.forEach(([k, v], i) => this.line(level, i === 0 ? `${title}:` : "", `${k}${sep}${v}`));
  }
  /** A list with its first item beside the title, as kubectl prints taints and tolerations. */
  list(level: number, title: string, items: readonly string[]): void {
    if (items.length === 0) return this.line(level, `${title}:`, none);
    items.forEach((item, i) => this.line(level, i === 0 ? `${title}:` : "", item));
  }
  resources(level: number, title: string, list: ResourceList | undefined): void {
    const pairs = Object.entries(list ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (pairs.length === 0) return;
    this.line(level, `${title}:`);
    for (const [k, v] of pairs) this.line(level + 1, `${k}:`, String(v));
  }
  toString(): string {
    return tabwrite(this.text, describeOptions);
  }
}

/** RFC 1123 with a numeric zone, the format kubectl's describe uses. */
export function describeTime(timestamp: string | null | undefined): string {
  if (!timestamp) return none;
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return timestamp;
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
