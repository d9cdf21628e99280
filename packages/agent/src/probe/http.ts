// httpGet probes, after pkg/probe/http: a GET whose status 200-399 is success. As the
// kubelet: no keep-alive, certificates are not verified for HTTPS, redirects are
// followed only to the same host (at most 10; a redirect elsewhere is a success with
// a warning), at most 10 KiB of the body is read, and the User-Agent is kube-probe's.
import http from "node:http";
import https from "node:https";
import { joinHostPort } from "@bosun/api";
import { MAX_PROBE_OUTPUT_BYTES, netErrorText, PROBE_USER_AGENT, type ProbeOutcome } from "./outcome.js";

export interface HttpProbeRequest {
  url: URL;
  /** httpGet.httpHeaders; a repeated name sends every value. */
  headers: { name: string; value: string }[];
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  location?: string;
  body: string;
}

const MAX_REDIRECTS = 10;
/** The redirect codes Go's HTTP client follows. */
const FOLLOWED = new Set([301, 302, 303, 307, 308]);

class DeadlineExceeded extends Error {
  constructor(readonly whileReadingBody: boolean) {
    super(
      whileReadingBody
        ? "context deadline exceeded (Client.Timeout or context cancellation while reading body)"
        : "context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
    );
  }
}

/** The probe URL as the kubelet's formatURL builds it: the path (with its query) on scheme://host:port. */
export function probeURL(scheme: "HTTP" | "HTTPS", host: string, port: number, path: string | undefined): URL {
  const p = path ?? "";
  return new URL(`${scheme.toLowerCase()}://${joinHostPort(host, port)}${p.startsWith("/") ? p : `/${p}`}`);
}

/** The request headers: the user's, then kube-probe's User-Agent and Accept unless the user set them. */
export function probeHeaders(list: { name: string; value: string }[]): Record<string, string | string[]> {
  const out: Record<string, string[]> = {};
  for (const { name, value } of list) (out[name.toLowerCase()] ??= []).push(value);
  if (!out["user-agent"]) out["user-agent"] = [PROBE_USER_AGENT];
  if (!out.accept) out.accept = ["*/*"];
  else if (out.accept.every((v) => v === "")) delete out.accept;
  // One Host, as Go's req.Host takes the first; other names keep every value.
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, k === "host" || v.length === 1 ? (v[0] ?? "") : v]));
}

function addressOf(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

/** The URL as Go prints it in errors: with the port even when it is the scheme's default. */
function shown(url: URL): string {
  return JSON.stringify(`${url.protocol}//${addressOf(url)}${url.pathname}${url.search}`);
}

function describe(err: unknown, url: URL): string {
  if (err instanceof DeadlineExceeded) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ECONNRESET" && e.message === "socket hang up") return "EOF";
  return netErrorText(addressOf(url), err);
}

function get(url: URL, headers: Record<string, string | string[]>, deadline: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let gotHeaders = false;
    let timedOut = false;
    const fail = (err: unknown) => {
      clearTimeout(timer);
      reject(timedOut ? new DeadlineExceeded(gotHeaders) : err);
    };
    const onResponse = (res: http.IncomingMessage) => {
      gotHeaders = true;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        clearTimeout(timer);
        const location = res.headers.location;
        resolve({ status: res.statusCode ?? 0, ...(location ? { location } : {}), body: Buffer.concat(chunks).toString("utf8") });
      };
      res.on("data", (chunk: Buffer) => {
        const room = MAX_PROBE_OUTPUT_BYTES - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        // Enough read: the status decides, so close rather than drain a large body.
        if (size >= MAX_PROBE_OUTPUT_BYTES) {
          res.destroy();
          finish();
        }
      });
      res.on("end", finish);
      res.on("error", fail);
    };
    // Lenient parsing, as Go's HTTP client the kubelet probes with: headers ending in a
    // bare LF (busybox httpd's CGI replies, for one) are a working answer, not a failure.
    const options = { method: "GET", headers, agent: false as const, insecureHTTPParser: true };
    let req: http.ClientRequest;
    try {
      req =
        url.protocol === "https:"
          ? https.request(url, { ...options, rejectUnauthorized: false }, onResponse)
          : http.request(url, options, onResponse);
    } catch (err) {
      reject(err);
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new DeadlineExceeded(gotHeaders));
    }, Math.max(0, deadline - Date.now()));
    req.on("error", fail);
    req.end();
  });
}

/**
 * A GET as probes and lifecycle hooks send it, following redirects to the same host:
 * the last response, or why there was none (worded as Go's HTTP client words it).
 */
export async function httpGet(req: HttpProbeRequest): Promise<{ response: HttpResponse } | { error: string }> {
  const deadline = Date.now() + req.timeoutMs;
  const headers = probeHeaders(req.headers);
  let url = req.url;
  for (let followed = 0; ; followed++) {
    let res: HttpResponse;
    try {
      res = await get(url, headers, deadline);
    } catch (err) {
      return { error: `Get ${shown(url)}: ${describe(err, url)}` };
    }
    if (FOLLOWED.has(res.status) && res.location) {
      let next: URL;
      try {
        next = new URL(res.location, url);
      } catch {
        return { error: `Get ${shown(url)}: failed to parse Location header ${JSON.stringify(res.location)}` };
      }
      if (next.hostname === req.url.hostname) {
        if (followed >= MAX_REDIRECTS) return { error: `Get ${shown(next)}: stopped after ${MAX_REDIRECTS} redirects` };
        url = next;
        continue;
      }
    }
    return { response: res };
  }
}

export async function httpProbe(req: HttpProbeRequest): Promise<ProbeOutcome> {
  const got = await httpGet(req);
  if ("error" in got) return { result: "failure", output: got.error };
  const res = got.response;
  if (res.status >= 200 && res.status < 400) {
    if (res.status >= 300) return { result: "warning", output: `Probe terminated redirects, Response body: ${res.body}` };
    return { result: "success", output: res.body };
  }
  return { result: "failure", output: `HTTP probe failed with statuscode: ${res.status}` };
}
