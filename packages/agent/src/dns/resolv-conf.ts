// resolv.conf(5), read as the C library and the kubelet read it: the node's own file
// gives the cluster DNS its upstream servers, and the pods' files (dnsPolicy) are
// made from it. Lenient as glibc is: a line it does not know is skipped, so a host's
// file never stops the agent; what was skipped is reported for a warning.
import { readFile } from "node:fs/promises";

export interface ResolvConf {
  /** In file order; glibc uses the first three. */
  nameservers: string[];
  /** Search domains without their trailing dot; the last search or domain line wins. */
  searches: string[];
  /** "ndots:5", "edns0", ...: every options line's, a later value of an option replacing the earlier one. */
  options: string[];
}

export interface ParsedResolvConf extends ResolvConf {
  /** Lines that were not understood, with their line numbers, for a warning. */
  ignored: string[];
}

export const hostResolvConfPath = "/etc/resolv.conf";

function optionName(option: string): string {
  const colon = option.indexOf(":");
  return colon < 0 ? option : option.slice(0, colon);
}

/** The options with each later one replacing an earlier one of the same name, in first-seen order. */
export function mergeResolvOptions(options: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const option of options) byName.set(optionName(option), option);
  return [...byName.values()];
}

export function parseResolvConf(text: string): ParsedResolvConf {
  const conf: ParsedResolvConf = { nameservers: [], searches: [], options: [], ignored: [] };
  for (const [i, line] of text.split("\n").entries()) {
    const fields = line.trim().split(/\s+/).filter((f) => f !== "");
    const keyword = fields[0];
    // "#" and ";" start comments, as glibc reads them.
    if (keyword === undefined || keyword.startsWith("#") || keyword.startsWith(";")) continue;
    const values = fields.slice(1);
    switch (keyword) {
      case "nameserver":
        // One address per line; anything after it is ignored, as glibc and the kubelet do.
        if (values[0] === undefined) conf.ignored.push(`line ${i + 1}: "nameserver" without an address`);
        else conf.nameservers.push(values[0]);
        break;
      case "search":
      case "domain":
        // glibc: search and domain replace each other, the last one wins; "." is the root, no domain.
        conf.searches = values.map((v) => v.replace(/\.$/, "")).filter((v) => v !== "");
        if (keyword === "domain") conf.searches = conf.searches.slice(0, 1);
        break;
      case "options":
        conf.options = mergeResolvOptions([...conf.options, ...values]);
        break;
      default:
        conf.ignored.push(`line ${i + 1}: "${line.trim()}"`);
    }
  }
  return conf;
}

/** The file's text: nameserver lines, one search line, one options line. */
export function formatResolvConf(conf: ResolvConf): string {
  const lines = conf.nameservers.map((ns) => `nameserver ${ns}`);
  if (conf.searches.length > 0) lines.push(`search ${conf.searches.join(" ")}`);
  if (conf.options.length > 0) lines.push(`options ${conf.options.join(" ")}`);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** Reads and parses a resolv.conf; a missing file is an empty configuration, as glibc treats it. */
export async function readResolvConf(path: string = hostResolvConfPath): Promise<ParsedResolvConf> {
  try {
    return parseResolvConf(await readFile(path, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { nameservers: [], searches: [], options: [], ignored: [] };
    throw new Error(`cannot read ${path} for the node's DNS settings: ${(err as Error).message}; check that the file is readable`);
  }
}
