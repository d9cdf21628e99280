// The pods/log subresource: the master injects where logs come from (the agent
// that runs the pod); the apiserver checks the request and streams the bytes.
import type { FastifyReply } from "fastify";
import { badRequest, serviceUnavailable, type Pod } from "@bosun/api";
import { StatusError } from "../errors.js";

export interface PodLogOptions {
  container: string;
  follow: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** RFC 3339; only one of sinceSeconds and sinceTime is set. */
  sinceTime?: string;
  /** Stop after this many bytes. */
  limitBytes?: number;
  previous?: boolean;
}

/** Where pod logs come from; provided by the master, which knows the pod's agent. */
export interface PodLogSource {
  streamLogs(pod: Pod, opts: PodLogOptions, signal: AbortSignal): AsyncIterable<Uint8Array>;
}

export type Query = Record<string, string | string[] | undefined>;

export function first(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

function flag(query: Query, name: string): boolean {
  const v = first(query, name);
  return v === "true" || v === "1";
}

function integer(query: Query, name: string): number | undefined {
  const v = first(query, name);
  if (v === undefined || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw new StatusError(badRequest(`${name} must be an integer, not "${v}"`));
  return Number(v);
}

const rfc3339Time = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export function logOptions(pod: Pod, query: Query): PodLogOptions {
  const names = pod.spec.containers.map((c) => c.name);
  // An init container may be named too (its logs, a sidecar's exec), though never picked by default.
  const allNames = [...names, ...(pod.spec.initContainers ?? []).map((c) => c.name)];
  let container = first(query, "container");
  if (!container) {
    if (names.length !== 1) {
      throw new StatusError(
        badRequest(`a container name must be specified for pod ${pod.metadata.name ?? ""}, choose one of: [${names.join(" ")}]`),
      );
    }
    container = names[0];
  } else if (!allNames.includes(container)) {
    throw new StatusError(
      badRequest(`container ${container} is not valid for pod ${pod.metadata.name ?? ""}, choose one of: [${allNames.join(" ")}]`),
    );
  }
  const opts: PodLogOptions = { container, follow: flag(query, "follow") };
  const tailLines = integer(query, "tailLines");
  const sinceSeconds = integer(query, "sinceSeconds");
  const limitBytes = integer(query, "limitBytes");
  const sinceTime = first(query, "sinceTime");
  // The checks and messages of Kubernetes' ValidatePodLogOptions.
  if (tailLines !== undefined && tailLines < 0) throw new StatusError(badRequest("tailLines must be greater than or equal to 0"));
  if (limitBytes !== undefined && limitBytes < 1) throw new StatusError(badRequest("limitBytes must be greater than 0"));
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw new StatusError(badRequest("sinceSeconds must be greater than 0"));
  if (sinceSeconds !== undefined && sinceTime !== undefined) {
    throw new StatusError(badRequest("at most one of sinceTime or sinceSeconds may be specified"));
  }
  if (sinceTime !== undefined) {
    if (!rfc3339Time.test(sinceTime) || Number.isNaN(Date.parse(sinceTime))) {
      throw new StatusError(badRequest(`sinceTime must be an RFC 3339 time like 2024-01-02T15:04:05Z, not "${sinceTime}"`));
    }
    opts.sinceTime = sinceTime;
  }
  if (tailLines !== undefined) opts.tailLines = tailLines;
  if (sinceSeconds !== undefined) opts.sinceSeconds = sinceSeconds;
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  if (flag(query, "timestamps")) opts.timestamps = true;
  if (flag(query, "previous")) opts.previous = true;
  return opts;
}

export async function serveLogs(source: PodLogSource | undefined, reply: FastifyReply, pod: Pod, opts: PodLogOptions): Promise<void> {
  if (!source) {
    throw new StatusError(serviceUnavailable("pod logs are not available: this apiserver was started without a log source"));
  }
  if (!pod.spec.nodeName) {
    throw new StatusError(badRequest(`pod ${pod.metadata.name ?? ""} is not scheduled to a node yet: wait until it is, then ask for its logs again`));
  }
  const abort = new AbortController();
  const iterator = source.streamLogs(pod, opts, abort.signal)[Symbol.asyncIterator]();
  // The first chunk (or error) decides between a 200 stream and an error Status.
  let next: IteratorResult<Uint8Array>;
  try {
    next = await iterator.next();
  } catch (err) {
    abort.abort();
    throw err;
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  res.on("close", () => abort.abort());
  try {
    while (!next.done && !res.destroyed) {
      res.write(next.value);
      next = await iterator.next();
    }
  } catch {
    // The stream broke after the status line went out; ending it is all that is left to say.
  } finally {
    abort.abort();
    res.end();
  }
}
