// pods/portforward over WebSocket with the kubelet's channel protocol, driven by the
// client's dialPodPort (what `bosun port-forward` and client-node speak): bytes both
// ways, the pod's end of the connection, a refused port as the server's words, and
// requests refused before the upgrade.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import { badRequest, type Pod } from "@bosun/api";
import { ApiClient, dialPodPort } from "@bosun/client";
import { StatusError } from "../src/errors.js";
import type { PodConnection, PodStreamSource } from "../src/http/streaming/source.js";
import { call, startedTestPki, startTestApiServer, testPod, type TestApiServer } from "../src/testing/index.js";

/** A connection that answers each write upper-cased and closes after "bye". */
class ShoutingConnection implements PodConnection {
  cancelled = false;
  private readonly queue: (Uint8Array | null)[] = [];
  private wake: (() => void) | undefined;
  readonly data: AsyncIterable<Uint8Array> = this.read();

  private async *read(): AsyncIterable<Uint8Array> {
    for (;;) {
      const next = this.queue.shift();
      if (next === undefined) {
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      if (next === null) return;
      yield next;
    }
  }

  private push(chunk: Uint8Array | null): void {
    this.queue.push(chunk);
    this.wake?.();
  }

  async write(data: Uint8Array): Promise<void> {
    const text = Buffer.from(data).toString();
    this.push(Buffer.from(text.toUpperCase()));
    if (text.includes("bye")) this.push(null);
  }

  closeWrite(): void {}

  cancel(): void {
    this.cancelled = true;
    this.push(null);
  }
}

class PortSource implements PodStreamSource {
  readonly connections: ShoutingConnection[] = [];
  readonly ports: number[] = [];

  async exec(): Promise<never> {
    throw new StatusError(badRequest("no exec here"));
  }

  async portForward(_pod: Pod, port: number): Promise<PodConnection> {
    this.ports.push(port);
    if (port !== 8080) throw new StatusError(badRequest(`nothing listens on port ${port}`));
    const c = new ShoutingConnection();
    this.connections.push(c);
    return c;
  }
}

/** Reads until `done` holds, leaving the stream open (breaking out of `for await` would destroy it). */
function readUntil(stream: Duplex, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (!done(text)) return;
      stream.off("data", onData);
      stream.off("error", reject);
      stream.pause();
      resolve(text);
    };
    stream.on("data", onData);
    stream.once("error", reject);
  });
}

describe("pods/portforward over WebSocket channels", () => {
  let api: TestApiServer;
  let client: ApiClient;
  const source = new PortSource();

  before(async () => {
    api = await startTestApiServer({ streamSource: source });
    const pki = startedTestPki();
    client = new ApiClient({ server: api.url, credentials: { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key } });
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces/default/pods", testPod("p", { nodeName: "n1" }))).status, 201);
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces/default/pods", testPod("unbound"))).status, 201);
  });

  after(async () => {
    await client?.close();
    await api?.stop();
  });

  test("bytes travel both ways, and the stream ends when the pod's side closes", async () => {
    const conn = await dialPodPort(client, "default", "p", 8080);
    conn.write("hello ");
    assert.equal(await readUntil(conn, (t) => t === "HELLO "), "HELLO ");
    conn.write("and bye");
    const rest: string[] = [];
    for await (const chunk of conn) rest.push((chunk as Buffer).toString());
    assert.equal(rest.join(""), "AND BYE");
    assert.deepEqual(source.ports.slice(-1), [8080]);
  });

  test("the client closing its end cancels the connection into the pod", async () => {
    const conn = await dialPodPort(client, "default", "p", 8080);
    conn.write("x");
    await readUntil(conn, (t) => t === "X");
    const pod = source.connections.at(-1)!;
    conn.destroy();
    await waitUntil(() => pod.cancelled);
  });

  test("a port the pod refuses fails the stream with the server's words", async () => {
    const conn = await dialPodPort(client, "default", "p", 9999);
    const [err] = (await once(conn, "error")) as [Error];
    assert.match(err.message, /error forwarding port 9999: nothing listens on port 9999/);
  });

  test("refused before the upgrade, naming what is wrong: no ports, a bad port, an unscheduled pod, an unknown pod", async () => {
    const connected = source.ports.length;
    const pki = startedTestPki();
    const tls = { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };
    const refusal = (path: string) =>
      new Promise<{ status: number; message: string }>((resolve, reject) => {
        const ws = new WebSocket(api.url.replace("https://", "wss://") + path, ["v4.channel.k8s.io"], tls);
        ws.on("unexpected-response", (_req, res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, message: (JSON.parse(text) as { message: string }).message }));
        });
        ws.on("open", () => reject(new Error(`${path}: the upgrade was expected to be refused`)));
        ws.on("error", () => undefined);
      });
    const base = "/api/v1/namespaces/default/pods";
    const noPorts = await refusal(`${base}/p/portforward`);
    assert.equal(noPorts.status, 400);
    assert.match(noPorts.message, /query parameter "ports" is required/);
    const badPort = await refusal(`${base}/p/portforward?ports=80,70000`);
    assert.equal(badPort.status, 400);
    assert.match(badPort.message, /port "70000" must be a number between 1 and 65535/);
    const unbound = await refusal(`${base}/unbound/portforward?ports=80`);
    assert.match(unbound.message, /does not have a host assigned/);
    await assert.rejects(dialPodPort(client, "default", "missing", 80), /answered 404: pods "missing" not found/);
    assert.equal(source.ports.length, connected, "nothing was connected for a refused request");
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), "condition not met in 2 s");
}
