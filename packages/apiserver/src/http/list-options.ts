// The query parameters of list and watch requests (resourceVersion,
// resourceVersionMatch, limit, continue, sendInitialEvents, allowWatchBookmarks,
// timeoutSeconds), validated as Kubernetes' ValidateListOptions does, and turned
// into what storage reads: a ListRequest or a WatchStart.
import { badRequest, causesMessage, fieldErrors, statusError, type StatusCause } from "@bosun/api";
import { StatusError } from "../errors.js";
import type { ListAt, ListPage, ListRequest } from "../storage/paging.js";
import type { WatchStart } from "../storage/cacher/watch-cache.js";
import { first, type Query } from "./logs.js";

const notOlderThan = "NotOlderThan";
const exact = "Exact";

export interface WatchOptions {
  start: WatchStart;
  /** allowWatchBookmarks=true. */
  bookmarks: boolean;
  /** timeoutSeconds, or undefined when unset or 0 (the server picks). */
  timeoutSeconds: number | undefined;
}

export function listRequest(query: Query): ListRequest {
  const rv = first(query, "resourceVersion") ?? "";
  const match = first(query, "resourceVersionMatch") ?? "";
  const token = first(query, "continue") ?? "";
  const causes: StatusCause[] = [];
  if (match !== "") {
    if (rv === "") causes.push(forbidden("resourceVersionMatch is forbidden unless resourceVersion is provided"));
    if (token !== "") causes.push(forbidden("resourceVersionMatch is forbidden when continue is provided"));
    if (match !== exact && match !== notOlderThan) {
      causes.push(fieldErrors.notSupported("resourceVersionMatch", match, [exact, notOlderThan, ""]));
    }
    if (match === exact && rv === "0") causes.push(forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (first(query, "sendInitialEvents") !== undefined) {
    causes.push(fieldErrors.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  }
  if (causes.length > 0) throw invalidListOptions(causes);
  const limit = limitOf(query);
  if (token !== "") {
    if (rv !== "" && rv !== "0") throw new StatusError(badRequest("specifying resource version is not allowed when using continue"));
    return { at: { kind: "consistent" }, limit, continueToken: token };
  }
  return { at: listAt(rv, match), limit };
}

/** A list's metadata: its revision, and where the next page starts when there is one. */
export function listMeta(page: ListPage): { resourceVersion: string; continue?: string; remainingItemCount?: number } {
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(page.revision) };
  if (page.continue !== undefined) meta.continue = page.continue;
  if (page.remainingItemCount !== undefined) meta.remainingItemCount = page.remainingItemCount;
  return meta;
}

export function watchOptions(query: Query): WatchOptions {
  const rv = first(query, "resourceVersion") ?? "";
  const match = first(query, "resourceVersionMatch") ?? "";
  const initial = boolParam(query, "sendInitialEvents");
  const bookmarks = boolParam(query, "allowWatchBookmarks") ?? false;
  const causes: StatusCause[] = [];
  if (initial !== undefined && match !== notOlderThan) {
    causes.push(forbidden(`sendInitialEvents requires setting resourceVersionMatch to ${notOlderThan}`));
  }
  if (match !== "") {
    if (initial === undefined) causes.push(forbidden("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
    if (match !== notOlderThan) causes.push(fieldErrors.notSupported("resourceVersionMatch", match, [notOlderThan]));
    if ((first(query, "continue") ?? "") !== "") causes.push(forbidden("resourceVersionMatch is forbidden when continue is provided"));
  }
  if (causes.length > 0) throw invalidListOptions(causes);
  const at = rv === "" ? "consistent" : rv === "0" ? "any" : revisionOf(rv);
  let start: WatchStart;
  if (initial === true) start = { kind: "initial", at, endBookmark: bookmarks };
  else if (initial === false) start = { kind: "since", at };
  // Without sendInitialEvents, "" and "0" both begin with the current objects (the
  // legacy behaviour every client expects); a number resumes after that revision.
  else start = typeof at === "number" ? { kind: "since", at } : { kind: "initial", at, endBookmark: false };
  return { start, bookmarks, timeoutSeconds: timeoutOf(query) };
}

function listAt(rv: string, match: string): ListAt {
  if (rv === "") return { kind: "consistent" };
  if (rv === "0") return { kind: "any" };
  const revision = revisionOf(rv);
  return match === exact ? { kind: "exact", revision } : { kind: "notOlderThan", revision };
}

function revisionOf(rv: string): number {
  if (!/^\d+$/.test(rv)) throw new StatusError(badRequest(`invalid resource version "${rv}": it must be a number from an earlier response`));
  return Number(rv);
}

function limitOf(query: Query): number {
  const raw = first(query, "limit");
  if (raw === undefined || raw === "") return 0;
  if (!/^-?\d+$/.test(raw)) throw new StatusError(badRequest(`limit must be a whole number of objects, not "${raw}"`));
  // As Kubernetes: a limit of 0 or below means no limit.
  return Math.max(0, Number(raw));
}

function timeoutOf(query: Query): number | undefined {
  const raw = first(query, "timeoutSeconds");
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw new StatusError(badRequest(`timeoutSeconds must be a whole number of seconds, not "${raw}"`));
  return Number(raw) === 0 ? undefined : Number(raw);
}

/** A boolean query parameter, parsed as Go's strconv.ParseBool. */
function boolParam(query: Query, name: string): boolean | undefined {
  const raw = first(query, name);
  if (raw === undefined || raw === "") return undefined;
  if (["1", "t", "T", "true", "TRUE", "True"].includes(raw)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(raw)) return false;
  throw new StatusError(badRequest(`${name} must be true or false, not "${raw}"`));
}

function forbidden(detail: string): StatusCause {
  return fieldErrors.forbidden("resourceVersionMatch", detail);
}

/** 422 as Kubernetes answers invalid list options: errors.NewInvalid on ListOptions.meta.k8s.io. */
function invalidListOptions(causes: StatusCause[]): StatusError {
  return new StatusError(
    statusError(422, "Invalid", `ListOptions.meta.k8s.io "" is invalid: ${causesMessage(causes)}`, {
      name: "",
      group: "meta.k8s.io",
      kind: "ListOptions",
      causes,
    }),
  );
}
