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
  type WatchEvent,
} from "@bosun/api";
import type { Dispatcher } from "undici";
import { authorizationHeaders, tlsDispatcher, type ClientCredentials } from "./credentials.js";
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
  server: string;
  userAgent?: string;
  credentials?: ClientCredentials;
}

export class ApiClient {
  readonly server: string;
  private readonly userAgent: string;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly authHeaders: Record<string, string>;

  constructor(opts: ApiClientOptions) {
    this.server = opts.server.replace(/\/+$/, "");
    this.userAgent = opts.userAgent ?? "bosun";
    this.dispatcher = tlsDispatcher(opts.credentials ?? {});
    this.authHeaders = authorizationHeaders(opts.credentials ?? {});
  }

  /** A client for the cluster a kubeconfig names, with its credentials. */
  static fromAccess(access: Pick<ClusterAccess, "server" | "credentials">, userAgent?: string): ApiClient {
    return new ApiClient({ server: access.server, credentials: access.credentials, ...(userAgent ? { userAgent } : {}) });
  }

  /** Closes the client's connections; requests after this fail. */
  async close(): Promise<void> {
    await this.dispatcher?.close();
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
    const init: RequestInit = {
      method,
      headers: { accept: "application/json", "user-agent": this.userAgent, ...this.authHeaders, ...headers },
    };
    // Node's fetch is undici: it takes an undici dispatcher, which its DOM-style types do not name.
    if (this.dispatcher) Object.assign(init, { dispatcher: this.dispatcher });
    if (signal) init.signal = signal;
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    let response: Response;
    try {
      response = await fetch(this.server + path, init);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ConnectionError(this.server, err);
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
