// Accept-header negotiation as Kubernetes does it (apiserver's negotiation
// package over goautoneg): media ranges in preference order, each either a plain
// type or a transform named by its `as`, `g` and `v` parameters
// ("application/json;as=Table;v=v1;g=meta.k8s.io"). The first range the endpoint
// can serve wins; a transform it cannot serve is skipped, so a client that also
// accepts plain JSON gets JSON, and one that accepts nothing servable gets 406.
import { statusError } from "@bosun/api";
import { StatusError } from "../errors.js";

export interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

/** A transform a media range asks for: the group, version and kind of the answer. */
export interface TransformTarget {
  group: string;
  version: string;
  kind: string;
}

/** goautoneg.ParseAccept: ranges by descending q, specific types before wildcards, otherwise in header order. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [range = "", ...params] = part.split(";");
    const [type = "", subtype, extra] = range.split("/").map((s) => s.trim());
    if (extra !== undefined || (subtype === undefined && type !== "*") || type === "") continue;
    const parsed: MediaRange = { type, subtype: subtype ?? "*", params: {}, q: 1 };
    for (const param of params) {
      const eq = param.indexOf("=");
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim();
      const value = param.slice(eq + 1).trim();
      if (key === "q") parsed.q = Number.parseFloat(value) || 0;
      else parsed.params[key] = value;
    }
    ranges.push(parsed);
  }
  const rank = (r: MediaRange) => (r.type === "*" ? 2 : r.subtype === "*" ? 1 : 0);
  // Array.prototype.sort is stable, so equal ranges keep the client's order.
  return ranges.sort((a, b) => b.q - a.q || rank(a) - rank(b));
}

function admitsJson(range: MediaRange): boolean {
  return (range.type === "application" || range.type === "*") && (range.subtype === "json" || range.subtype === "*");
}

function transformOf(range: MediaRange): TransformTarget | undefined {
  const { as, g, v } = range.params;
  if (as === undefined && g === undefined && v === undefined) return undefined;
  return { group: g ?? "", version: v ?? "", kind: as ?? "" };
}

/**
 * Picks what to answer. A range without a transform gets `plain` (Bosun answers
 * JSON whatever plain type was asked, as it always has); a transform is offered to
 * `serve`, which returns the answer or undefined when the endpoint has no such
 * form. Bosun encodes transforms as JSON only.
 */
export function negotiate<T>(header: string | undefined, plain: T, serve: (target: TransformTarget) => T | undefined, offered: readonly string[]): T {
  if (header === undefined || header.trim() === "") return plain;
  for (const range of parseAccept(header)) {
    const target = transformOf(range);
    if (target === undefined) return plain;
    if (!admitsJson(range)) continue;
    const answer = serve(target);
    if (answer !== undefined) return answer;
  }
  throw new StatusError(
    statusError(406, "NotAcceptable", `only the following media types are accepted: ${offered.join(", ")}; ask for one of them in the Accept header`),
  );
}
