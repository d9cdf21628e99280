// The ingress proxy's routing table, built from the Ingresses of class "bosun" as
// the networking.k8s.io/v1 API defines their rules: a host is exact ("foo.bar.com")
// or a wildcard ("*.bar.com", exactly one more label); a path is Exact (the whole
// request path, case-sensitive) or Prefix (element-wise on "/"-separated
// segments, a trailing slash ignored), with ImplementationSpecific read as Prefix.
// Pure: no I/O, so every case is a unit test.
//
// Precedence, where the API leaves it to the controller (Traefik does the same):
// rules of the exact host first, then of the wildcard host, then host-less rules,
// which apply to all traffic; within each, the longest matching path, Exact before
// Prefix at equal length, then the oldest Ingress (as ingress-nginx resolves
// conflicts). Only when no path matches does a defaultBackend answer: that of an
// Ingress naming the request's host (exact, then wildcard), else the oldest
// Ingress's that has one; else 404.
import {
  defaultIngressClassAnnotation,
  legacyIngressClassAnnotation,
  type Ingress,
  type IngressBackend,
  type IngressClass,
  type PathType,
  type ServiceBackendPort,
} from "@bosun/api";

/** The IngressClass whose Ingresses Bosun's proxy serves. */
export const bosunIngressClassName = "bosun";

export interface IngressRef {
  namespace: string;
  name: string;
}

/** Where a matching request goes: a Service's port in the Ingress's namespace, or a backend Bosun cannot serve. */
export type RouteBackend =
  | { type: "service"; ingress: IngressRef; service: string; port: ServiceBackendPort }
  | { type: "unsupported"; ingress: IngressRef; message: string };

export interface PathRoute {
  /** As matched: ImplementationSpecific becomes Prefix. */
  pathType: "Exact" | "Prefix";
  /** As written in the Ingress. */
  declaredPathType: PathType;
  path: string;
  /** The path's non-empty segments, for Prefix matching. */
  segments: string[];
  /** What "longest" compares: the whole path for Exact, the path without its trailing slash for Prefix. */
  length: number;
  backend: RouteBackend;
}

/** The rules of one host (exact or wildcard): its paths in precedence order, and the default of its oldest Ingress that has one. */
export interface HostRoutes {
  paths: PathRoute[];
  defaultBackend?: RouteBackend;
}

export interface RoutingTable {
  /** By lower-case host name. */
  exactHosts: Map<string, HostRoutes>;
  /** By the suffix a wildcard host covers: "bar.com" for "*.bar.com". */
  wildcardHosts: Map<string, HostRoutes>;
  /** Paths of rules without a host, which apply to every request. */
  anyHost: PathRoute[];
  /** The oldest Ingress's spec.defaultBackend. */
  defaultBackend?: RouteBackend;
  /** The Ingresses served, oldest first. */
  ingresses: IngressRef[];
  /** What cannot be served as written, one sentence each (for the log). */
  problems: string[];
}

export interface RouteMatch {
  backend: RouteBackend;
  /** "path" for a rule's path, "default" for a defaultBackend. */
  via: "path" | "default";
  /** The matching rule's host ("" for a host-less rule or a default backend). */
  host: string;
  /** The matching path, for "path". */
  path?: PathRoute;
}

/** The class an Ingress names: spec.ingressClassName, or the annotation that came before it. */
export function ingressClassOf(ingress: Ingress): string | undefined {
  const named = ingress.spec?.ingressClassName;
  if (named !== undefined && named !== "") return named;
  const annotated = ingress.metadata.annotations?.[legacyIngressClassAnnotation];
  return annotated !== undefined && annotated !== "" ? annotated : undefined;
}

/** Whether the IngressClass "bosun" is the cluster's default, which Ingresses naming no class get. */
export function bosunIsDefaultClass(classes: readonly IngressClass[]): boolean {
  const bosun = classes.find((c) => c.metadata.name === bosunIngressClassName);
  return bosun?.metadata.annotations?.[defaultIngressClassAnnotation] === "true";
}

/** Whether Bosun's proxy serves `ingress`: it names class "bosun", or names none while "bosun" is the default class. */
export function isBosunIngress(ingress: Ingress, classes: readonly IngressClass[]): boolean {
  const named = ingressClassOf(ingress);
  return named === undefined ? bosunIsDefaultClass(classes) : named === bosunIngressClassName;
}

function refOf(ingress: Ingress): IngressRef {
  return { namespace: ingress.metadata.namespace ?? "default", name: ingress.metadata.name ?? "" };
}

export function formatIngressRef(ref: IngressRef): string {
  return `${ref.namespace}/${ref.name}`;
}

function creationTime(ingress: Ingress): number {
  const t = ingress.metadata.creationTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** Oldest first, then by namespace and name, so that a conflict always resolves the same way. */
export function byAge(a: Ingress, b: Ingress): number {
  const diff = creationTime(a) - creationTime(b);
  if (diff !== 0 && !Number.isNaN(diff)) return diff < 0 ? -1 : 1;
  const ka = formatIngressRef(refOf(a));
  const kb = formatIngressRef(refOf(b));
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The Ingresses Bosun serves, oldest first. */
export function bosunIngresses(ingresses: readonly Ingress[], classes: readonly IngressClass[]): Ingress[] {
  return ingresses.filter((i) => isBosunIngress(i, classes)).sort(byAge);
}

/** A path's non-empty "/"-separated elements: "/aaa//bbb/" is ["aaa", "bbb"]. */
export function pathSegments(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

/** A request's Host header as rules compare it: lower case, without port, brackets or a trailing dot. */
export function normalizeHost(hostHeader: string | undefined): string {
  let host = (hostHeader ?? "").trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(":");
  if (colon !== -1) host = host.slice(0, colon);
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

function backendOf(backend: IngressBackend, ingress: IngressRef, field: string): { backend: RouteBackend; problem?: string } {
  if (backend.service !== undefined) {
    return { backend: { type: "service", ingress, service: backend.service.name, port: backend.service.port ?? {} } };
  }
  const where = `Ingress ${formatIngressRef(ingress)} ${field}`;
  if (backend.resource !== undefined) {
    const r = backend.resource;
    const kind = r.apiGroup ? `${r.kind}.${r.apiGroup}` : r.kind;
    const message = `${where} names resource ${kind} "${r.name}", which Bosun's ingress proxy does not support; use a service backend`;
    return { backend: { type: "unsupported", ingress, message }, problem: message };
  }
  const message = `${where} names no service; give it a service backend`;
  return { backend: { type: "unsupported", ingress, message }, problem: message };
}

function pathRoute(path: string | undefined, declared: PathType | undefined, backend: RouteBackend): PathRoute {
  const declaredPathType = declared ?? "ImplementationSpecific";
  const pathType = declaredPathType === "Exact" ? "Exact" : "Prefix";
  // An ImplementationSpecific path may be empty, which matches everything as "/" does.
  const value = path === undefined || path === "" ? "/" : path;
  const segments = pathSegments(value);
  const length = pathType === "Exact" ? value.length : 1 + segments.join("/").length;
  return { pathType, declaredPathType, path: value, segments, length, backend };
}

/** Longest first, Exact before Prefix at equal length; a stable sort keeps the older Ingress first otherwise. */
function byPrecedence(a: PathRoute, b: PathRoute): number {
  if (a.length !== b.length) return b.length - a.length;
  if (a.pathType !== b.pathType) return a.pathType === "Exact" ? -1 : 1;
  return 0;
}

function isWildcard(host: string): boolean {
  return host.startsWith("*.");
}

/** The routing table of the Ingresses Bosun serves among `ingresses` (of any class). */
export function buildRoutingTable(ingresses: readonly Ingress[], classes: readonly IngressClass[]): RoutingTable {
  const table: RoutingTable = { exactHosts: new Map(), wildcardHosts: new Map(), anyHost: [], ingresses: [], problems: [] };
  const resolve = (backend: IngressBackend, ref: IngressRef, field: string): RouteBackend => {
    const made = backendOf(backend, ref, field);
    if (made.problem !== undefined) table.problems.push(made.problem);
    return made.backend;
  };
  for (const ingress of bosunIngresses(ingresses, classes)) {
    const ref = refOf(ingress);
    table.ingresses.push(ref);
    const spec = ingress.spec ?? {};
    const defaultBackend = spec.defaultBackend && resolve(spec.defaultBackend, ref, "spec.defaultBackend");
    if (defaultBackend !== undefined) table.defaultBackend ??= defaultBackend;
    (spec.rules ?? []).forEach((rule, i) => {
      const host = (rule.host ?? "").toLowerCase();
      const paths = (rule.http?.paths ?? []).map((p, j) =>
        pathRoute(p.path, p.pathType, resolve(p.backend, ref, `spec.rules[${i}].http.paths[${j}].backend`)),
      );
      if (host === "") {
        table.anyHost.push(...paths);
        return;
      }
      const [map, key] = isWildcard(host) ? [table.wildcardHosts, host.slice(2)] : [table.exactHosts, host];
      const routes = map.get(key) ?? { paths: [] };
      map.set(key, routes);
      routes.paths.push(...paths);
      if (defaultBackend !== undefined) routes.defaultBackend ??= defaultBackend;
    });
  }
  table.anyHost.sort(byPrecedence);
  for (const routes of [...table.exactHosts.values(), ...table.wildcardHosts.values()]) routes.paths.sort(byPrecedence);
  return table;
}

/** Whether a request for `requestPath` (its path only, no query) matches `route`. */
export function pathMatches(route: PathRoute, requestPath: string): boolean {
  if (route.pathType === "Exact") return requestPath === route.path;
  const request = pathSegments(requestPath);
  if (route.segments.length > request.length) return false;
  return route.segments.every((s, i) => s === request[i]);
}

/** The suffix a wildcard rule for `host` would be stored under: the host without its first label. */
function wildcardKey(host: string): string | undefined {
  const dot = host.indexOf(".");
  return dot > 0 ? host.slice(dot + 1) : undefined;
}

/**
 * The route for a request to `hostHeader` (as sent; see normalizeHost) and
 * `requestPath` (normalized, without the query), or undefined for a 404.
 */
export function matchRoute(table: RoutingTable, hostHeader: string | undefined, requestPath: string): RouteMatch | undefined {
  const host = normalizeHost(hostHeader);
  const exact = host === "" ? undefined : table.exactHosts.get(host);
  const suffix = wildcardKey(host);
  const wildcard = suffix === undefined ? undefined : table.wildcardHosts.get(suffix);
  const groups: [string, PathRoute[] | undefined][] = [
    [host, exact?.paths],
    [`*.${suffix ?? ""}`, wildcard?.paths],
    ["", table.anyHost],
  ];
  for (const [ruleHost, paths] of groups) {
    const path = paths?.find((p) => pathMatches(p, requestPath));
    if (path) return { backend: path.backend, via: "path", host: ruleHost, path };
  }
  const fallback = exact?.defaultBackend ?? wildcard?.defaultBackend ?? table.defaultBackend;
  return fallback && { backend: fallback, via: "default", host: "" };
}
