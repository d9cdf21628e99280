// HTTP helpers for tests that talk to an apiserver the way any client would:
// plain fetch, and a watch reader that parses the newline-delimited event stream.
import type { KubeObject, WatchEvent } from "@bosun/api";
import type { Dispatcher } from "undici";

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** `dispatcher`: connect with other credentials than the test PKI's admin (see testPki). */
export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
  headers: Record<string, string> = {},
  dispatcher?: Dispatcher,
): Promise<Reply<T>> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    // Strings and bytes (a protobuf body) go as they are; anything else as JSON.
    init.body = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    init.headers = { "content-type": contentType, ...headers };
  }
  // Node's fetch is undici: it takes an undici dispatcher, which its DOM-style types do not name.
  if (dispatcher) Object.assign(init, { dispatcher });
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Plain text (logs, healthz).
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export function testPod(name: string, extra: { labels?: Record<string, string>; nodeName?: string } = {}): KubeObject & { spec: unknown } {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
  };
}

/** An open watch: events arrive in `events`; next() waits for the next one. */
export class WatchReader {
  readonly events: WatchEvent<KubeObject & Record<string, unknown>>[] = [];
  status = 0;
  contentType = "";
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  private consumed = 0;
  ended = false;

  static async open(base: string, path: string, headers: Record<string, string> = {}): Promise<WatchReader> {
    const reader = new WatchReader();
    const res = await fetch(base + path, { headers, signal: reader.abort.signal });
    reader.status = res.status;
    reader.contentType = res.headers.get("content-type") ?? "";
    if (res.status !== 200) {
      reader.events.push({ type: "ERROR", object: (await res.json()) as KubeObject & Record<string, unknown> });
      reader.ended = true;
      return reader;
    }
    void reader.pump(res);
    return reader;
  }

  private async pump(res: Response): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) this.events.push(JSON.parse(line));
        }
        this.wake();
      }
    } catch {
      // Aborted by close().
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The next unread event, or an error after timeoutMs. */
  async next(timeoutMs = 5000): Promise<WatchEvent<KubeObject & Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.events.length) {
      if (this.ended) throw new Error(`watch ended after ${this.events.length} events`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no watch event within ${timeoutMs}ms (had ${this.events.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events[this.consumed++];
  }

  /** Waits until the stream ends (the server closed it). */
  async waitEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error("watch did not end");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.abort.abort();
  }
}
