// The wire formats of exec, attach and port-forward: WebSocket channel messages,
// SPDY/3 frames and their compressed header blocks, the error stream's Status, and
// the resize stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants as zlibConstants, createDeflate, inflateSync } from "node:zlib";
import {
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FrameReader,
  goAwayFrame,
  HeaderCompressor,
  rstStreamFrame,
  spdyDictionary,
  synReplyFrame,
  type Headers,
} from "../src/http/streaming/spdy-frames.js";
import { channelMessage } from "@bosun/client";
import { parseChannelMessage, pickWebSocketProtocol } from "../src/http/streaming/websocket-exec.js";
import { endMessage, endStatus, ResizeDecoder } from "../src/http/streaming/remotecommand.js";
import { expectedRoles, pickSpdyProtocol } from "../src/http/streaming/spdy-exec.js";

test("WebSocket channel messages carry the channel id first", () => {
  assert.deepEqual([...channelMessage(1, Buffer.from("hi"))], [1, 0x68, 0x69]);
  assert.deepEqual(parseChannelMessage(Buffer.from([0, 0x61]), "v5.channel.k8s.io"), { kind: "stdin", data: Buffer.from("a") });
  assert.deepEqual(parseChannelMessage(Buffer.from([4, 0x7b, 0x7d]), "v4.channel.k8s.io"), { kind: "resize", data: Buffer.from("{}") });
  // v5's close signal half-closes stdin; v4 has no such message.
  assert.deepEqual(parseChannelMessage(Buffer.from([255, 0]), "v5.channel.k8s.io"), { kind: "stdinClosed" });
  assert.deepEqual(parseChannelMessage(Buffer.from([255, 0]), "v4.channel.k8s.io"), { kind: "ignored" });
  assert.deepEqual(parseChannelMessage(Buffer.from([1, 0x61]), "v5.channel.k8s.io"), { kind: "ignored" });
  assert.deepEqual(parseChannelMessage(Buffer.alloc(0), "v5.channel.k8s.io"), { kind: "ignored" });
});

test("subprotocols: v5 first, v4 next, the original channel.k8s.io when none is offered", () => {
  assert.equal(pickWebSocketProtocol(["v5.channel.k8s.io"]), "v5.channel.k8s.io");
  assert.equal(pickWebSocketProtocol(["v4.channel.k8s.io", "v5.channel.k8s.io"]), "v5.channel.k8s.io");
  assert.equal(pickWebSocketProtocol(["v4.channel.k8s.io"]), "v4.channel.k8s.io");
  assert.equal(pickWebSocketProtocol([]), "channel.k8s.io");
  assert.equal(pickWebSocketProtocol(["v4.base64.channel.k8s.io"]), undefined);
  assert.equal(pickSpdyProtocol(["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io"]), "v4.channel.k8s.io");
  assert.equal(pickSpdyProtocol(["v2.channel.k8s.io", "channel.k8s.io"]), "v2.channel.k8s.io");
  assert.equal(pickSpdyProtocol(["channel.k8s.io"]), undefined);
});

test("the SPDY streams a client opens follow the request", () => {
  const base = { container: "c", command: ["sh"], attach: false, stdin: false, stdout: true, stderr: true, tty: false };
  assert.deepEqual(expectedRoles(base, "v4.channel.k8s.io"), ["error", "stdout", "stderr"]);
  assert.deepEqual(expectedRoles({ ...base, stdin: true, stderr: false, tty: true }, "v4.channel.k8s.io"), ["error", "stdin", "stdout", "resize"]);
  assert.deepEqual(expectedRoles({ ...base, tty: true }, "v2.channel.k8s.io"), ["error", "stdout"]);
});

test("the error stream ends with a Status kubectl turns into the exit code", () => {
  assert.deepEqual(endStatus({ kind: "exit", exitCode: 0 }), { metadata: {}, status: "Success" });
  const failed = endStatus({ kind: "exit", exitCode: 3 });
  assert.equal(failed.status, "Failure");
  assert.equal(failed.reason, "NonZeroExitCode");
  assert.deepEqual(failed.details, { causes: [{ reason: "ExitCode", message: "3" }] });
  const broken = endStatus({ kind: "error", message: "agent gone" });
  assert.equal(broken.reason, "InternalError");
  assert.match(broken.message ?? "", /agent gone/);
  // v4 and v5 carry the Status as JSON; older versions only a failure's message.
  assert.deepEqual(JSON.parse(endMessage({ kind: "exit", exitCode: 0 }, "v5.channel.k8s.io")!.toString()), { metadata: {}, status: "Success" });
  assert.equal(endMessage({ kind: "exit", exitCode: 0 }, "v3.channel.k8s.io"), undefined);
  assert.match(endMessage({ kind: "exit", exitCode: 2 }, "v2.channel.k8s.io")!.toString(), /non-zero exit code/);
});

test("resize messages are read whole, however they are cut", () => {
  const d = new ResizeDecoder();
  assert.deepEqual(d.push(Buffer.from('{"Width":80,')), []);
  assert.deepEqual(d.push(Buffer.from('"Height":24}{"Width":100,"Height":30}{"Wid')), [
    { width: 80, height: 24 },
    { width: 100, height: 30 },
  ]);
  assert.deepEqual(d.push(Buffer.from('th":0,"Height":1}')), [], "a zero size is dropped");
});

test("the SPDY/3 dictionary has the draft's length and ends", () => {
  assert.equal(spdyDictionary.length, 1423);
  assert.equal(spdyDictionary.subarray(0, 11).toString("latin1"), "\0\0\0\x07options");
  assert.ok(spdyDictionary.toString("latin1").endsWith("charset=iso-8859-1,utf-,*,enq=0."));
});

test("header blocks we compress inflate with the dictionary, frame after frame", () => {
  const c = new HeaderCompressor();
  const blocks = [new Map([["streamtype", ["error"]]]), new Map(), new Map([["port", ["80"]], ["x", ["a", "b"]]])] as Headers[];
  const raw = blocks.map(encodeHeaderBlock);
  const wire = raw.map((b) => c.compress(b));
  let sent = Buffer.alloc(0);
  let seen = 0;
  for (let i = 0; i < wire.length; i++) {
    sent = Buffer.concat([sent, wire[i]!]);
    const all = inflateSync(sent, { dictionary: spdyDictionary, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    // Each frame's bytes alone complete that frame's block: nothing waits for the next frame.
    assert.deepEqual(decodeHeaderBlock(all.subarray(seen)), blocks[i]);
    seen = all.length;
  }
  // A sync-flush marker (an empty stored block) ends every frame.
  for (const w of wire) assert.deepEqual([...w.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
});

/** A peer's header compressor as spdystream runs it: one deflate stream, sync-flushed per frame. */
function peerCompressor(): (block: Buffer) => Promise<Buffer> {
  const deflate = createDeflate({ dictionary: spdyDictionary, level: 9 });
  let out: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => out.push(chunk));
  return (block) =>
    new Promise((resolve) => {
      deflate.write(block);
      deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        const bytes = Buffer.concat(out);
        out = [];
        resolve(bytes);
      });
    });
}

function synStream(streamId: number, compressed: Buffer, fin = false): Buffer {
  const body = Buffer.alloc(10);
  body.writeUInt32BE(streamId, 0);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(1, 2);
  head.writeUInt32BE(((fin ? 1 : 0) << 24) | (body.length + compressed.length), 4);
  return Buffer.concat([head, body, compressed]);
}

test("the frame reader reads a peer's frames cut anywhere, header blocks included", async () => {
  const compress = peerCompressor();
  const bytes = Buffer.concat([
    synStream(1, await compress(encodeHeaderBlock(new Map([["streamtype", ["error"]]])))),
    synStream(3, await compress(encodeHeaderBlock(new Map([["streamtype", ["stdin"]]]))), false),
    dataFrame(3, Buffer.from("input"), false),
    dataFrame(3, Buffer.alloc(0), true),
    rstStreamFrame(1, 5),
    goAwayFrame(3),
  ]);
  for (const cut of [1, 7, 8, 20, bytes.length - 1]) {
    const reader = new FrameReader();
    const frames = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => (f.kind === "synStream" ? `syn ${f.streamId} ${f.headers.get("streamtype")?.[0]}` : f.kind === "data" ? `data ${f.streamId} ${f.data.toString()} ${f.fin}` : f.kind)),
      ["syn 1 error", "syn 3 stdin", "data 3 input false", "data 3  true", "rstStream", "goAway"],
      `cut at ${cut}`,
    );
  }
});

test("frames we write have SPDY/3 headers", () => {
  const data = dataFrame(5, Buffer.from("abc"), true);
  assert.deepEqual([...data.subarray(0, 8)], [0, 0, 0, 5, 1, 0, 0, 3]);
  const reply = synReplyFrame(7, Buffer.from([1, 2]), false);
  assert.deepEqual([...reply.subarray(0, 12)], [0x80, 3, 0, 2, 0, 0, 0, 6, 0, 0, 0, 7]);
});
