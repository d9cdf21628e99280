// For the CLI's tests: a small in-memory stand-in for the API server, enough to
// drive the CLI's commands over real HTTP: get, list (label and field selectors,
// across namespaces), watch (replayed from a resourceVersion, then live), create
// (and its server dry run),
// update with resourceVersion checks, merge and JSON patches, delete, the /scale
// and pods/eviction subresources, and Kubernetes Status errors. It serves HTTPS
// only to clients with a certificate of its own CA, as a real apiserver serves an
// admin, so the CLI's tests go through the kubeconfig and TLS as users do.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import {
  formatLabelSelector,
  isPlainObject,
  labelSelectorFromMatch,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  resourceByPath,
  type FieldSelector,
  type KubeObject,
  type LabelSelector,
  type LabelSelectorSpec,
  type ResourceInfo,
  type Status,
  type WatchEventType,
} from "@bosun/api";
import { ApiClient, type ClientCredentials, type KubeconfigSpec } from "@bosun/client";
import { after, before, beforeEach } from "node:test";
import { createCertificateAuthority, mastersGroup, signCertificate } from "@bosun/pki";

/** One request as the server received it, for tests to check what the CLI sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: unknown;
}

export interface FakeApiServer {
  url: string;
  /** An admin's: the server's CA and a client certificate of it (requests without one are refused). */
  credentials: Required<Pick<ClientCredentials, "ca" | "cert" | "key">>;
  /** What `bosun up` would write for this server (writeClientConfig). */
  kubeconfig: KubeconfigSpec;
  /** Objects by `<resource>/<namespace>/<name>` (namespace empty for cluster-scoped kinds). */
  objects: Map<string, KubeObject>;
  /** "METHOD /path?query" of every request, in order. */
  requests: string[];
  calls: RecordedRequest[];
  /** Stores an object as a controller would: a new resourceVersion, and watchers are told. */
  put<T extends KubeObject>(resource: string, obj: T): T;
  /** Removes an object as a controller would, telling watchers. */
  remove(resource: string, namespace: string, name: string): void;
  /** Evictions of "ns/name" answer these Statuses first, one per request (e.g. a 429 from a disruption budget). */
  evictionErrors: Map<string, Status[]>;
  /** When above 0, an evicted pod lingers this long with a deletionTimestamp, as one whose node is stopping it. */
  evictionGraceMs: number;
  close(): Promise<void>;
}

interface Route {
  res: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface Filter {
  resource: string;
  namespace?: string;
  labels?: LabelSelector;
  fields?: FieldSelector;
}

interface Watcher extends Filter {
  response: ServerResponse;
}

interface LoggedEvent {
  rv: number;
  resource: string;
  type: WatchEventType;
  object: KubeObject;
}

type Spec = Record<string, unknown> & { replicas?: number; selector?: LabelSelectorSpec };
type WithSpec = KubeObject & { spec?: Spec; status?: { replicas?: number } };

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const objects = new Map<string, KubeObject>();
  const requests: string[] = [];
  const calls: RecordedRequest[] = [];
  const watchers = new Set<Watcher>();
  const log: LoggedEvent[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let revision = 1;

  const keyOf = (resource: string, namespace: string | undefined, name: string) => `${resource}/${namespace ?? ""}/${name}`;

  function emit(resource: string, type: WatchEventType, object: KubeObject): void {
    log.push({ rv: Number(object.metadata.resourceVersion), resource, type, object });
    for (const w of watchers) {
      if (matches(w, resource, object)) w.response.write(JSON.stringify({ type, object }) + "\n");
    }
  }

  function store<T extends KubeObject>(resource: string, obj: T, type: WatchEventType = "MODIFIED"): T {
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++revision) } };
    objects.set(keyOf(resource, obj.metadata.namespace, obj.metadata.name!), stored);
    emit(resource, type, stored);
    return stored;
  }

  function remove(resource: string, namespace: string, name: string): KubeObject | undefined {
    const key = keyOf(resource, namespace, name);
    const current = objects.get(key);
    if (!current) return undefined;
    objects.delete(key);
    emit(resource, "DELETED", { ...current, metadata: { ...current.metadata, resourceVersion: String(++revision) } });
    return current;
  }

  const hourMs = 3_600_000;
  const ca = await createCertificateAuthority("fake-apiserver-ca");
  const serving = await signCertificate(ca, { commonName: "fake-apiserver", sans: ["127.0.0.1", "localhost"], usages: ["server"], validityMs: hourMs });
  const admin = await signCertificate(ca, { commonName: "test-admin", organizations: [mastersGroup], usages: ["client"], validityMs: hourMs });
  const credentials = { ca: ca.cert, cert: admin.cert, key: admin.key };

  const fake: FakeApiServer = {
    url: "",
    credentials,
    kubeconfig: { server: "", ...credentials },
    objects,
    requests,
    calls,
    put: (resource, obj) => store(resource, obj, objects.has(keyOf(resource, obj.metadata.namespace, obj.metadata.name!)) ? "MODIFIED" : "ADDED"),
    remove: (resource, namespace, name) => void remove(resource, namespace, name),
    evictionErrors: new Map(),
    evictionGraceMs: 0,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const w of watchers) w.response.end();
      watchers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const tls = { cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true };
  const server: Server = createServer(tls, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return send(res, err.status.code, err.status);
      send(res, 500, status(500, "InternalError", err instanceof Error ? err.message : String(err)));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    requests.push(`${method} ${url.pathname}${url.search}`);
    const body = ["POST", "PUT", "PATCH", "DELETE"].includes(method) ? await readJson(req) : undefined;
    const contentType = String(req.headers["content-type"] ?? "");
    calls.push({ method, path: url.pathname, query: url.searchParams, contentType, body });
    if (url.pathname === "/version") return send(res, 200, { major: "1", minor: "30", gitVersion: "v1.30.0-bosun" });

    const route = parseRoute(url.pathname);
    if (!route) return send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
    const { res: info, namespace, name, subresource } = route;
    const resource = info.resource;
    const kindName = info.group ? `${info.resource}.${info.group}` : info.resource;
    const notFound = () => send(res, 404, status(404, "NotFound", `${kindName} "${name}" not found`));
    const current = name ? objects.get(keyOf(resource, namespace, name)) : undefined;

    if (subresource === "scale" && info.subresources.includes("scale")) {
      if (!current) return notFound();
      return handleScale(res, method, info, current as WithSpec, body, contentType);
    }
    if (subresource === "eviction" && resource === "pods" && method === "POST") {
      return handleEviction(res, namespace ?? "", name!, current);
    }
    if (subresource !== undefined) return send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));

    switch (method) {
      case "GET": {
        if (name) return current ? send(res, 200, current) : notFound();
        const filter = filterOf(resource, namespace, url.searchParams);
        if (url.searchParams.get("watch") === "true") return startWatch(res, filter, url.searchParams.get("resourceVersion"));
        // Sorted by key, the order etcd lists in.
        const items = [...objects.entries()]
          .filter(([k, v]) => k.startsWith(`${resource}/`) && matches(filter, resource, v))
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, v]) => v);
        return send(res, 200, { apiVersion: "v1", kind: "List", metadata: { resourceVersion: String(revision) }, items });
      }
      case "POST": {
        const obj = body as KubeObject;
        const objNamespace = info.namespaced ? (namespace ?? obj.metadata.namespace) : undefined;
        const k = keyOf(resource, objNamespace, obj.metadata.name!);
        if (objects.has(k)) return send(res, 409, status(409, "AlreadyExists", `${kindName} "${obj.metadata.name}" already exists`));
        // A server dry run answers what would be stored and stores nothing.
        if (url.searchParams.get("dryRun") === "All") return send(res, 201, { ...obj, metadata: { ...obj.metadata, ...(objNamespace ? { namespace: objNamespace } : {}) } });
        const created = store(resource, {
          ...obj,
          metadata: {
            ...obj.metadata,
            ...(objNamespace ? { namespace: objNamespace } : {}),
            uid: `uid-${revision}`,
            generation: 1,
            creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
          },
        }, "ADDED");
        return send(res, 201, created);
      }
      case "PUT": {
        if (!current) return notFound();
        const obj = body as KubeObject;
        if (obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
          return send(res, 409, status(409, "Conflict", `Operation cannot be fulfilled on ${kindName} "${name}": the object has been modified; please apply your changes to the latest version and try again`));
        }
        return send(res, 200, store(resource, withGeneration(current, obj)));
      }
      case "PATCH": {
        if (!current) return notFound();
        const patched = applyPatch(current, body, contentType) as KubeObject;
        return send(res, 200, store(resource, withGeneration(current, patched)));
      }
      case "DELETE": {
        const removed = remove(resource, namespace ?? "", name!);
        return removed ? send(res, 200, removed) : notFound();
      }
    }
    send(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
  }

  function handleScale(res: ServerResponse, method: string, info: ResourceInfo, obj: WithSpec, body: unknown, contentType: string): void {
    if (method === "GET") return send(res, 200, scaleOf(obj));
    let wanted: KubeObject & { spec?: { replicas?: number } };
    if (method === "PUT") {
      wanted = body as KubeObject & { spec?: { replicas?: number } };
      const rv = wanted.metadata?.resourceVersion;
      if (rv && rv !== obj.metadata.resourceVersion) {
        return send(res, 409, status(409, "Conflict", `Operation cannot be fulfilled on ${info.resource}.${info.group} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`));
      }
    } else if (method === "PATCH") {
      wanted = applyPatch(scaleOf(obj), body, contentType) as typeof wanted;
    } else {
      return send(res, 405, status(405, "MethodNotAllowed", `${method} is not allowed on the scale subresource`));
    }
    const updated = withGeneration(obj, { ...obj, spec: { ...obj.spec, replicas: wanted.spec?.replicas } } as KubeObject);
    send(res, 200, scaleOf(store(info.resource, updated) as WithSpec));
  }

  function handleEviction(res: ServerResponse, namespace: string, name: string, pod: KubeObject | undefined): void {
    const queued = fake.evictionErrors.get(`${namespace}/${name}`)?.shift();
    if (queued) return send(res, queued.code, queued);
    if (!pod) return send(res, 404, status(404, "NotFound", `pods "${name}" not found`));
    if (fake.evictionGraceMs > 0) {
      if (!pod.metadata.deletionTimestamp) {
        store("pods", { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString() } });
        const timer = setTimeout(() => {
          timers.delete(timer);
          remove("pods", namespace, name);
        }, fake.evictionGraceMs);
        timers.add(timer);
      }
    } else {
      remove("pods", namespace, name);
    }
    send(res, 201, { apiVersion: "v1", kind: "Status", metadata: {}, status: "Success", code: 201 });
  }

  function startWatch(res: ServerResponse, filter: Filter, resourceVersion: string | null): void {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    const write = (type: WatchEventType, object: KubeObject) => res.write(JSON.stringify({ type, object }) + "\n");
    if (resourceVersion && resourceVersion !== "0") {
      const from = Number(resourceVersion);
      for (const e of log) if (e.rv > from && matches(filter, e.resource, e.object)) write(e.type, e.object);
    } else {
      for (const [k, v] of objects) if (k.startsWith(`${filter.resource}/`) && matches(filter, filter.resource, v)) write("ADDED", v);
    }
    const watcher: Watcher = { ...filter, response: res };
    watchers.add(watcher);
    res.on("close", () => watchers.delete(watcher));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `https://127.0.0.1:${port}`;
  fake.kubeconfig.server = fake.url;
  return fake;
}

class HttpError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

function parseRoute(pathname: string): Route | undefined {
  const m = /^\/api\/v1\/(.+)$/.exec(pathname) ?? /^\/apis\/([^/]+)\/([^/]+)\/(.+)$/.exec(pathname);
  if (!m) return undefined;
  const [group, version, rest] = m.length === 2 ? ["", "v1", m[1]!] : [m[1]!, m[2]!, m[3]!];
  let parts = rest.split("/").map(decodeURIComponent);
  let namespace: string | undefined;
  if (parts[0] === "namespaces" && parts.length >= 3) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const res = resourceByPath(group, version, parts[0]!);
  if (!res || parts.length > 3) return undefined;
  return { res, ...(namespace ? { namespace } : {}), ...(parts[1] ? { name: parts[1] } : {}), ...(parts[2] ? { subresource: parts[2] } : {}) };
}

function filterOf(resource: string, namespace: string | undefined, query: URLSearchParams): Filter {
  try {
    const labels = query.get("labelSelector");
    const fields = query.get("fieldSelector");
    return {
      resource,
      ...(namespace ? { namespace } : {}),
      ...(labels ? { labels: parseLabelSelector(labels) } : {}),
      ...(fields ? { fields: parseFieldSelector(fields) } : {}),
    };
  } catch (err) {
    throw new HttpError(status(400, "BadRequest", err instanceof Error ? err.message : String(err)));
  }
}

function matches(filter: Filter, resource: string, obj: KubeObject): boolean {
  if (filter.resource !== resource) return false;
  if (filter.namespace && obj.metadata.namespace !== filter.namespace) return false;
  if (filter.labels && !matchesLabels(filter.labels, obj.metadata.labels)) return false;
  return !filter.fields || matchesFields(filter.fields, obj);
}

/** A spec change moves metadata.generation on, as the real server does. */
function withGeneration(current: KubeObject, next: KubeObject): KubeObject {
  const before = JSON.stringify((current as WithSpec).spec);
  const after = JSON.stringify((next as WithSpec).spec);
  const generation = (current.metadata.generation ?? 1) + (before === after ? 0 : 1);
  return { ...next, metadata: { ...next.metadata, uid: current.metadata.uid!, generation } };
}

function scaleOf(obj: WithSpec) {
  const selector = obj.spec?.selector;
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas },
    status: {
      replicas: obj.status?.replicas ?? 0,
      ...(selector ? { selector: formatLabelSelector(labelSelectorFromMatch(selector.matchLabels, selector.matchExpressions)) } : {}),
    },
  };
}

function applyPatch(target: unknown, patch: unknown, contentType: string): unknown {
  if (contentType.startsWith("application/json-patch+json")) return applyJsonPatch(target, patch);
  if (!isPlainObject(patch)) throw new HttpError(status(400, "BadRequest", "a merge patch must be a JSON object"));
  return mergePatch(target, patch);
}

/** RFC 7386. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

/** RFC 6902 add, replace and remove, the operations the CLI sends. */
function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new HttpError(status(400, "BadRequest", "a JSON patch must be an array"));
  const doc = structuredClone(target) as Record<string, unknown>;
  for (const op of patch as { op: string; path: string; value?: unknown }[]) {
    const parts = op.path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop()!;
    let parent: Record<string, unknown> = doc;
    for (const part of parts) {
      const next = parent[part];
      if (!isPlainObject(next)) throw new HttpError(status(422, "Invalid", `JSON patch path "${op.path}" does not exist`));
      parent = next;
    }
    if (op.op === "replace" && !(last in parent)) throw new HttpError(status(422, "Invalid", `replace operation does not apply: doc is missing path: ${op.path}`));
    if (op.op === "remove") delete parent[last];
    else if (op.op === "add" || op.op === "replace") parent[last] = structuredClone(op.value);
    else throw new HttpError(status(422, "Invalid", `JSON patch operation "${op.op}" is not supported by the fake API server`));
  }
  return doc;
}

function status(code: number, reason: string, message: string): Status {
  return { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text === "" ? undefined : JSON.parse(text);
}

export interface SuiteFakeApiServer {
  /** The running server; valid from the suite's first test on. */
  readonly api: FakeApiServer;
  /** An admin's client of it. */
  readonly client: ApiClient;
}

/**
 * Call at a test file's top level or inside describe(): a fake API server and an
 * admin's client of it, started before the first test, reset (objects, recorded
 * calls, eviction settings) before each, closed after the last.
 */
export function fakeApiServerForSuite(): SuiteFakeApiServer {
  let running: SuiteFakeApiServer | undefined;
  before(async () => {
    const api = await startFakeApiServer();
    running = { api, client: new ApiClient({ server: api.url, credentials: api.credentials }) };
  });
  after(async () => {
    await running?.client.close();
    await running?.api.close();
  });
  beforeEach(() => {
    if (!running) return;
    running.api.objects.clear();
    running.api.calls.length = 0;
    running.api.evictionErrors.clear();
    running.api.evictionGraceMs = 0;
  });
  const get = (): SuiteFakeApiServer => {
    if (!running) throw new Error("the suite's fake API server is not running: use it inside the suite's tests, not while declaring them");
    return running;
  };
  return {
    get api() {
      return get().api;
    },
    get client() {
      return get().client;
    },
  };
}
