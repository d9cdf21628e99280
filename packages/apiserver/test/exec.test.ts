// pods/exec and pods/attach through the apiserver with a stand-in for the agents:
// the WebSocket v5 protocol as kubectl 1.30+ speaks it, SPDY as kubectl 1.27-1.29
// speak it, and the HTTP errors given before anything starts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { connect, type ConnectionOptions } from "node:tls";
import { constants as zlibConstants, createDeflate } from "node:zlib";
import { WebSocket } from "ws";
import { badRequest, type Pod } from "@bosun/api";
import { StatusError } from "../src/errors.js";
import type { PodConnection, PodExecRequest, PodStreamSource, ProcessEvent, RemoteProcess } from "../src/http/streaming/source.js";
import { dataFrame, encodeHeaderBlock, FrameReader, spdyDictionary, type Frame } from "../src/http/streaming/spdy-frames.js";
import { messageBytes } from "@bosun/client";
import { call, startedTestPki, startTestApiServer, testPod, type TestApiServer } from "../src/testing/index.js";

/** A process that echoes stdin upper-cased, says its command on stderr, and exits 3 at end of file. */
class EchoProcess implements RemoteProcess {
  readonly resizes: string[] = [];
  cancelled = false;
  private readonly queue: ProcessEvent[] = [];
  private wake: (() => void) | undefined;
  readonly events: AsyncIterable<ProcessEvent>;

  constructor(req: PodExecRequest) {
    this.push({ kind: "stdout", data: Buffer.from(`hello from ${req.container}\n`) });
    if (req.stderr) this.push({ kind: "stderr", data: Buffer.from(`running ${req.command.join(" ")}\n`) });
    if (!req.stdin) this.push({ kind: "exit", exitCode: 3 });
    this.events = this.read();
  }

  private push(ev: ProcessEvent): void {
    this.queue.push(ev);
    this.wake?.();
  }

  private async *read(): AsyncIterable<ProcessEvent> {
    for (;;) {
      const ev = this.queue.shift();
      if (!ev) {
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      yield ev;
      if (ev.kind === "exit" || ev.kind === "error") return;
    }
  }

  async writeStdin(data: Uint8Array): Promise<void> {
    this.push({ kind: "stdout", data: Buffer.from(Buffer.from(data).toString().toUpperCase()) });
  }

  closeStdin(): void {
    this.push({ kind: "exit", exitCode: 3 });
  }

  resize(width: number, height: number): void {
    this.resizes.push(`${width}x${height}`);
  }

  cancel(): void {
    this.cancelled = true;
  }
}

class FakeSource implements PodStreamSource {
  readonly requests: PodExecRequest[] = [];
  readonly processes: EchoProcess[] = [];

  async exec(_pod: Pod, req: PodExecRequest): Promise<RemoteProcess> {
    this.requests.push(req);
    if (req.container === "broken") throw new StatusError(badRequest("container broken is not running"));
    const p = new EchoProcess(req);
    this.processes.push(p);
    return p;
  }

  async portForward(): Promise<PodConnection> {
    throw new StatusError(badRequest("no ports here"));
  }
}

interface WsResult {
  protocol: string;
  channels: Record<number, string>;
  /** How many messages carried nothing but their channel byte. */
  emptyMessages: number;
  closeCode: number;
}

/** TLS as kubectl with the admin's kubeconfig: the cluster CA, and the admin client certificate unless `anonymous`. */
function tlsOptions(anonymous = false): ConnectionOptions {
  const pki = startedTestPki();
  return anonymous ? { ca: pki.ca.cert } : { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };
}

function wsExec(url: string, protocols: string[], drive?: (ws: WebSocket) => void): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, tlsOptions());
    const channels: Record<number, string> = {};
    let emptyMessages = 0;
    ws.on("open", () => drive?.(ws));
    ws.on("message", (data) => {
      const bytes = messageBytes(data);
      const ch = bytes[0]!;
      if (bytes.length === 1) emptyMessages++;
      channels[ch] = (channels[ch] ?? "") + bytes.subarray(1).toString();
    });
    ws.on("close", (code) => resolve({ protocol: ws.protocol, channels, emptyMessages, closeCode: code }));
    ws.on("error", reject);
  });
}

/** The status and body of an upgrade request refused before the upgrade. */
function wsRefusal(url: string, protocols: string[], tls = tlsOptions()): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, tls);
    ws.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    ws.on("open", () => reject(new Error("the upgrade was expected to be refused")));
    ws.on("error", () => undefined);
  });
}

describe("pods/exec and pods/attach", () => {
  let api: TestApiServer;
  let wsBase: string;
  const source = new FakeSource();

  before(async () => {
    api = await startTestApiServer({ streamSource: source });
    wsBase = api.url.replace("https://", "wss://");
    const pod = testPod("p", { nodeName: "n1" }) as Pod;
    pod.spec.containers.push({ name: "broken", image: "bosun.local/busybox:1" });
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces/default/pods", pod)).status, 201);
    assert.equal((await call(api.url, "POST", "/api/v1/namespaces/default/pods", testPod("unbound"))).status, 201);
  });

  after(async () => {
    await api?.stop();
  });

  const execPath = "/api/v1/namespaces/default/pods/p/exec?container=main&command=sh&command=-c&command=true";

  test("v5 over WebSocket: stdout and stderr on their channels, then the exit code as a Status", async () => {
    const r = await wsExec(`${wsBase}${execPath}&stdout=true&stderr=true`, ["v5.channel.k8s.io"]);
    assert.equal(r.protocol, "v5.channel.k8s.io");
    assert.equal(r.closeCode, 1000);
    // No empty "connected" message under v5: kubectl may read it before it has its streams.
    assert.equal(r.emptyMessages, 0);
    assert.equal(r.channels[1], "hello from main\n");
    assert.equal(r.channels[2], "running sh -c true\n");
    const status = JSON.parse(r.channels[3]!) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
    assert.equal(status.status, "Failure");
    assert.equal(status.reason, "NonZeroExitCode");
    assert.deepEqual(status.details.causes, [{ reason: "ExitCode", message: "3" }]);
    assert.deepEqual(source.requests.at(-1), { container: "main", command: ["sh", "-c", "true"], attach: false, stdin: false, stdout: true, stderr: true, tty: false });
  });

  test("v5 stdin reaches the process, and [255, 0] is its end of file; resizes arrive on channel 4", async () => {
    const r = await wsExec(`${wsBase}${execPath}&stdin=true&stdout=true&tty=true`, ["v5.channel.k8s.io", "v4.channel.k8s.io"], (ws) => {
      ws.send(Buffer.from([4, ...Buffer.from('{"Width":100,"Height":40}')]));
      ws.send(Buffer.from([0, ...Buffer.from("abc")]));
      ws.send(Buffer.from([255, 0]));
    });
    assert.equal(r.channels[1], "hello from main\nABC");
    assert.equal(r.channels[2], undefined, "a tty has no stderr");
    assert.deepEqual(source.processes.at(-1)!.resizes, ["100x40"]);
  });

  test("attach names no command", async () => {
    const r = await wsExec(`${wsBase}/api/v1/namespaces/default/pods/p/attach?container=main&stdout=true`, ["v4.channel.k8s.io"]);
    assert.equal(r.protocol, "v4.channel.k8s.io");
    assert.equal(r.emptyMessages, 1, "v4 starts with the kubelet's empty message on the first writable channel");
    assert.equal(r.channels[1], "hello from main\n");
    assert.deepEqual(source.requests.at(-1)?.attach, true);
    assert.deepEqual(source.requests.at(-1)?.command, []);
  });

  test("what fails before the process runs is an ordinary HTTP Status", async () => {
    const missing = await wsRefusal(`${wsBase}/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true`, ["v5.channel.k8s.io"]);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.reason, "NotFound");
    const badContainer = await wsRefusal(`${wsBase}/api/v1/namespaces/default/pods/p/exec?container=x&command=ls&stdout=true`, ["v5.channel.k8s.io"]);
    assert.equal(badContainer.status, 400);
    assert.match(String(badContainer.body.message), /container x is not valid for pod p, choose one of: \[main broken\]/);
    const noCommand = await wsRefusal(`${wsBase}/api/v1/namespaces/default/pods/p/exec?container=main&stdout=true`, ["v5.channel.k8s.io"]);
    assert.match(String(noCommand.body.message), /at least one command/);
    const noStreams = await wsRefusal(`${wsBase}${execPath}`, ["v5.channel.k8s.io"]);
    assert.match(String(noStreams.body.message), /at least 1 of stdin, stdout, stderr/);
    const unbound = await wsRefusal(`${wsBase}/api/v1/namespaces/default/pods/unbound/exec?command=ls&stdout=true`, ["v5.channel.k8s.io"]);
    assert.match(String(unbound.body.message), /does not have a host assigned/);
    const agentSaysNo = await wsRefusal(`${wsBase}/api/v1/namespaces/default/pods/p/exec?container=broken&command=ls&stdout=true`, ["v5.channel.k8s.io"]);
    assert.match(String(agentSaysNo.body.message), /container broken is not running/);
    const oldProtocol = await wsRefusal(`${wsBase}${execPath}&stdout=true`, ["v4.base64.channel.k8s.io"]);
    assert.match(String(oldProtocol.body.message), /use one of: v5.channel.k8s.io, v4.channel.k8s.io/);
  });

  test("an upgrade without credentials is a 401 Status, and nothing runs", async () => {
    const asked = source.requests.length;
    const anonymous = await wsRefusal(`${wsBase}${execPath}&stdout=true`, ["v5.channel.k8s.io"], tlsOptions(true));
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.kind, "Status");
    assert.equal(anonymous.body.reason, "Unauthorized");
    assert.equal(source.requests.length, asked, "the agent was never asked");
  });

  test("a plain request to exec is told to upgrade", async () => {
    const plain = await call(api.url, "POST", `${execPath}&stdout=true`);
    assert.equal(plain.status, 400);
    assert.match(String((plain.body as { message: string }).message), /Upgrade request required/);
  });

  test("SPDY/3.1 with v4: one stream per role, stdin until FIN, the exit code on the error stream", async () => {
    const socket = connect({ port: Number(new URL(api.url).port), host: "127.0.0.1", ...tlsOptions() });
    await new Promise((r) => socket.once("secureConnect", r));
    socket.write(
      `POST ${execPath}&stdin=true&stdout=true&stderr=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n` +
        "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: v3.channel.k8s.io\r\nContent-Length: 0\r\n\r\n",
    );
    const spdy = new SpdyTestClient(socket);
    const head = await spdy.responseHead();
    assert.match(head, /^HTTP\/1.1 101 /);
    assert.match(head, /X-Stream-Protocol-Version: v4.channel.k8s.io/i);
    await spdy.open(1, "error");
    await spdy.open(3, "stdin");
    await spdy.open(5, "stdout");
    await spdy.open(7, "stderr");
    spdy.send(3, "abc", false);
    spdy.send(3, "", true);
    const streams = await spdy.readUntilFin([1, 5, 7]);
    assert.equal(streams.get(5), "hello from main\nABC");
    assert.equal(streams.get(7), "running sh -c true\n");
    assert.equal((JSON.parse(streams.get(1)!) as { reason: string }).reason, "NonZeroExitCode");
    socket.destroy();
  });
});

/** Just enough of a SPDY client: a real zlib stream compresses its headers, as spdystream's does. */
class SpdyTestClient {
  private readonly reader = new FrameReader();
  private readonly frames: Frame[] = [];
  private buffered = Buffer.alloc(0);
  private headDone = false;
  private wake: (() => void) | undefined;
  private readonly deflate = createDeflate({ dictionary: spdyDictionary });
  private out: Buffer[] = [];

  constructor(private readonly socket: Socket) {
    this.deflate.on("data", (c: Buffer) => this.out.push(c));
    socket.on("data", (chunk: Buffer) => {
      if (!this.headDone) {
        this.buffered = Buffer.concat([this.buffered, chunk]);
        const end = this.buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        this.headDone = true;
        const rest = this.buffered.subarray(end + 4);
        this.buffered = this.buffered.subarray(0, end);
        chunk = rest;
      }
      this.frames.push(...this.reader.push(chunk));
      this.wake?.();
    });
  }

  async responseHead(): Promise<string> {
    while (!this.headDone) await new Promise<void>((r) => (this.wake = r));
    return this.buffered.toString();
  }

  async open(streamId: number, type: string): Promise<void> {
    const compressed = await new Promise<Buffer>((resolve) => {
      this.deflate.write(encodeHeaderBlock(new Map([["streamtype", [type]]])));
      this.deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        resolve(Buffer.concat(this.out));
        this.out = [];
      });
    });
    const body = Buffer.alloc(10);
    body.writeUInt32BE(streamId, 0);
    const head = Buffer.alloc(8);
    head.writeUInt16BE(0x8003, 0);
    head.writeUInt16BE(1, 2);
    head.writeUInt32BE(body.length + compressed.length, 4);
    this.socket.write(Buffer.concat([head, body, compressed]));
  }

  async readUntilFin(ids: number[]): Promise<Map<number, string>> {
    const text = new Map<number, string>();
    const finished = new Set<number>();
    for (;;) {
      const f = this.frames.shift();
      if (!f) {
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      if (f.kind !== "data") continue;
      text.set(f.streamId, (text.get(f.streamId) ?? "") + f.data.toString());
      if (f.fin) finished.add(f.streamId);
      if (ids.every((id) => finished.has(id))) return text;
    }
  }

  send(streamId: number, data: string, fin: boolean): void {
    this.socket.write(dataFrame(streamId, Buffer.from(data), fin));
  }
}
