// The typed REST client. Every Bosun component that is not the apiserver reaches the
// cluster state through this class, over the same Kubernetes paths kubectl uses.
import {
  apiVersionOf,
  isStatus,
  mustResource,
  statusError,
  type DeleteOptions,
  type KubeList,
  type KubeObject,
  type ResourceInfo,
  type Status,
  type TokenRequest,
  type WatchEvent,
} from "@bosun/api";
import type { Dispatcher } from "undici";
import { authorizationHeaders, tlsDispatcher, tlsOptions, type ClientCredentials, type TlsOptions } from "./credentials.js";
import type { ClusterAccess } from "./kubeconfig.js";

/** A non-2xx answer from the API server, carrying its Kubernetes Status. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(readonly status: Status) {
    super(status.message ?? `request failed with HTTP ${status.code}`);
    this.name = "ApiError";
    this.code = status.code;
    this.reason = status.reason ?? "Unknown";
  }
}

/** The API server could not be reached at all. */
export class ConnectionError extends Error {
  constructor(server: string, cause: unknown) {
    const detail = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
    super(`cannot reach the Bosun API server at ${server} (${detail}); is the master running? Start one with 'npm start' or 'bosun up'`);
    this.name = "ConnectionError";
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.reason === "AlreadyExists";
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

export interface ListPageOptions extends ListOptions {
  /** The most objects to answer; the list's metadata.continue then names the next page. */
  limit?: number;
  /** metadata.continue of the previous page. */
  continue?: string;
}

export interface WatchOptions extends ListOptions {
  signal?: AbortSignal;
  timeoutSeconds?: number;
  /** Ask for BOOKMARK events, which move the resourceVersion to resume from on without any change. */
  allowWatchBookmarks?: boolean;
}

export interface PatchOptions {
  namespace?: string;
  type?: "merge" | "json" | "strategic";
  subresource?: string;
}

export interface DeleteRequestOptions {
  namespace?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: DeleteOptions["propagationPolicy"];
}

export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  signal?: AbortSignal;
}

const patchContentTypes = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
} as const;

export interface ApiClientOptions {
  /** One API server, or several of one cluster (an agent's --server list): requests fail over between them. */
  server: string | string[];
  userAgent?: string;
  /** Fixed credentials, or a function asked before each request (an agent's certificate is renewed while it runs). */
  credentials?: ClientCredentials | (() => ClientCredentials);
}

export class ApiClient {
  private readonly servers: string[];
  /** The server that answered last; requests go there first. */
  private current = 0;
  private readonly userAgent: string;
  private readonly credentials: () => ClientCredentials;
  /** The dispatcher of the credentials last used, rebuilt when they change. */
  private tls: { key: string; dispatcher: Dispatcher | undefined; headers: Record<string, string> } | undefined;

  constructor(opts: ApiClientOptions) {
    this.servers = (Array.isArray(opts.server) ? opts.server : [opts.server]).map((s) => s.replace(/\/+$/, ""));
    if (this.servers.length === 0) throw new Error("an API client needs at least one server URL");
    this.userAgent = opts.userAgent ?? "bosun";
    const creds = opts.credentials ?? {};
    this.credentials = typeof creds === "function" ? creds : () => creds;
  }

  /** The server requests go to first. */
  get server(): string {
    return this.servers[this.current]!;
  }

  /** A client for the cluster a kubeconfig names, with its credentials. */
  static fromAccess(access: Pick<ClusterAccess, "server" | "credentials">, userAgent?: string): ApiClient {
    return new ApiClient({ server: access.server, credentials: access.credentials, ...(userAgent ? { userAgent } : {}) });
  }

  /** Where `path` is on the server requests go to first, and how to connect there: for connections fetch cannot make (WebSocket upgrades). */
  endpoint(path: string): { url: string; tls: TlsOptions; headers: Record<string, string> } {
    const creds = this.credentials();
    return { url: this.server + path, tls: tlsOptions(creds), headers: { "user-agent": this.userAgent, ...authorizationHeaders(creds) } };
  }

  /** Closes the client's connections; requests after this fail. */
  async close(): Promise<void> {
    await this.tls?.dispatcher?.close();
  }

  /** The dispatcher and headers of the current credentials. */
  private connection(): { dispatcher: Dispatcher | undefined; headers: Record<string, string> } {
    const creds = this.credentials();
    const key = JSON.stringify([creds.ca, creds.cert, creds.key, creds.token, creds.insecureSkipTlsVerify]);
    if (this.tls?.key !== key) {
      // Requests under way (watches) finish on the old connections; close() waits for them.
      void this.tls?.dispatcher?.close();
      this.tls = { key, dispatcher: tlsDispatcher(creds), headers: authorizationHeaders(creds) };
    }
    return this.tls;
  }

  /** The path of a resource collection or object, as Kubernetes lays them out. */
  path(res: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
    let p = res.group === "" ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
    if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${res.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  async get<T extends KubeObject>(res: ResourceInfo, name: string, namespace?: string): Promise<T> {
    return this.json<T>("GET", this.path(res, namespace, name));
  }

  async list<T extends KubeObject>(res: ResourceInfo, opts: ListPageOptions = {}): Promise<KubeList<T>> {
    const paging: Record<string, string> = {};
    if (opts.limit !== undefined) paging.limit = String(opts.limit);
    if (opts.continue !== undefined) paging.continue = opts.continue;
    return this.json<KubeList<T>>("GET", this.path(res, opts.namespace) + selectorQuery(opts, paging));
  }

  async create<T extends KubeObject>(res: ResourceInfo, obj: T, namespace?: string): Promise<T> {
    const ns = namespace ?? obj.metadata.namespace;
    return this.json<T>("POST", this.path(res, ns), withTypeMeta(res, obj));
  }

  /** PUT: compare-and-swap on metadata.resourceVersion when it is set. */
  async update<T extends KubeObject>(res: ResourceInfo, obj: T, opts: { subresource?: "status" } = {}): Promise<T> {
    const name = obj.metadata.name;
    if (!name) throw new Error(`cannot update a ${res.kind} without metadata.name`);
    return this.json<T>("PUT", this.path(res, obj.metadata.namespace, name, opts.subresource), withTypeMeta(res, obj));
  }

  async patch<T extends KubeObject>(res: ResourceInfo, name: string, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    const contentType = patchContentTypes[opts.type ?? "merge"];
    return this.json<T>("PATCH", this.path(res, opts.namespace, name, opts.subresource), patch, {
      "content-type": contentType,
    });
  }

  /** Answers the object when deletion is graceful (it still exists), else a Status. */
  async delete(res: ResourceInfo, name: string, opts: DeleteRequestOptions = {}): Promise<KubeObject | Status> {
    const body: DeleteOptions = { apiVersion: "v1", kind: "DeleteOptions" };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    return this.json<KubeObject | Status>("DELETE", this.path(res, opts.namespace, name), body);
  }

  async bind(namespace: string, podName: string, nodeName: string): Promise<void> {
    const pods = mustResource("pods");
    await this.json("POST", this.path(pods, namespace, podName, "binding"), {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: podName, namespace },
      target: { apiVersion: "v1", kind: "Node", name: nodeName },
    });
  }

  /** A token of the service account (serviceaccounts/{name}/token): the TokenRequest with its status. */
  async createToken(namespace: string, serviceAccount: string, request: TokenRequest): Promise<TokenRequest> {
    return this.json<TokenRequest>("POST", this.path(mustResource("serviceaccounts"), namespace, serviceAccount, "token"), request);
  }

  /** Follows a watch stream: one event per line, until the server ends it or the signal aborts. */
  async *watch<T extends KubeObject>(res: ResourceInfo, opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    let query = selectorQuery(opts, { watch: "true" });
    if (opts.timeoutSeconds !== undefined) query += `&timeoutSeconds=${opts.timeoutSeconds}`;
    if (opts.allowWatchBookmarks) query += "&allowWatchBookmarks=true";
    const response = await this.request("GET", this.path(res, opts.namespace) + query, undefined, {}, opts.signal);
    if (!response.body) return;
    for await (const line of lines(response.body, opts.signal)) {
      if (line.trim() === "") continue;
      yield JSON.parse(line) as WatchEvent<T>;
    }
  }

  async *logs(namespace: string, podName: string, opts: LogOptions = {}): AsyncIterable<Uint8Array> {
    const params = new URLSearchParams();
    if (opts.container) params.set("container", opts.container);
    if (opts.follow) params.set("follow", "true");
    if (opts.tailLines !== undefined) params.set("tailLines", String(opts.tailLines));
    if (opts.timestamps) params.set("timestamps", "true");
    if (opts.previous) params.set("previous", "true");
    if (opts.sinceSeconds !== undefined) params.set("sinceSeconds", String(opts.sinceSeconds));
    const query = params.size > 0 ? `?${params}` : "";
    const pods = mustResource("pods");
    const response = await this.request("GET", this.path(pods, namespace, podName, "log") + query, undefined, {}, opts.signal);
    if (!response.body) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } catch (err) {
      if (!opts.signal?.aborted) throw err;
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  /** A raw request. Throws ApiError for a non-2xx answer and ConnectionError when unreachable. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<Response> {
    const { dispatcher, headers: auth } = this.connection();
    const init: RequestInit = {
      method,
      headers: { accept: "application/json", "user-agent": this.userAgent, ...auth, ...headers },
    };
    // Node's fetch is undici: it takes an undici dispatcher, which its DOM-style types do not name.
    if (dispatcher) Object.assign(init, { dispatcher });
    if (signal) init.signal = signal;
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    // A server that cannot be reached sends requests to the next one. Only reads are
    // sent again at once: a write may have been done before the connection broke, so
    // its caller decides (its retry goes to the next server).
    const tries = method === "GET" ? this.servers.length : 1;
    let response: Response;
    for (let i = 0; ; i++) {
      const server = this.server;
      try {
        response = await fetch(server + path, init);
        break;
      } catch (err) {
        if (signal?.aborted) throw err;
        this.current = (this.current + 1) % this.servers.length;
        if (i >= tries - 1) throw new ConnectionError(tries > 1 ? this.servers.join(", ") : server, err);
      }
    }
    if (!response.ok) throw new ApiError(await statusOf(response, method, path));
    return response;
  }

  private async json<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const response = await this.request(method, path, body, headers);
    return (await response.json()) as T;
  }
}


function withTypeMeta<T extends KubeObject>(res: ResourceInfo, obj: T): T {
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(res), kind: obj.kind ?? res.kind };
}

function selectorQuery(opts: ListOptions, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if (opts.labelSelector) params.set("labelSelector", opts.labelSelector);
  if (opts.fieldSelector) params.set("fieldSelector", opts.fieldSelector);
  if (opts.resourceVersion !== undefined) params.set("resourceVersion", opts.resourceVersion);
  return params.size > 0 ? `?${params}` : "";
}

async function statusOf(response: Response, method: string, path: string): Promise<Status> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    if (isStatus(parsed)) return parsed;
  } catch {
    // Not a Status: describe the raw answer below.
  }
  return statusError(
    response.status,
    response.statusText || "Unknown",
    `${method} ${path} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
  );
}

/** Splits a byte stream into text lines. */
async function* lines(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncIterable<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        yield buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
      }
    }
    if (buffered.trim() !== "") yield buffered;
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    // Cancelling (not just releasing) closes the connection when the consumer stops early.
    await reader.cancel().catch(() => undefined);
  }
}
