import { test } from "node:test";
import assert from "node:assert/strict";
import { demuxDockerStream, dockerLogBytes } from "../src/exec/docker-frames.js";

function frame(type: number, text: string): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([head, Buffer.from(text)]);
}

async function collect(chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const o of demuxDockerStream((async function* () { yield* chunks; })())) out.push(`${o.stream}:${o.data.toString()}`);
  return out;
}

test("frames split anywhere across reads come out whole and in order", async () => {
  const all = Buffer.concat([frame(1, "hello"), frame(2, "oops"), frame(1, ""), frame(1, "world")]);
  for (let cut = 1; cut < all.length; cut++) {
    assert.deepEqual(await collect([all.subarray(0, cut), all.subarray(cut)]), ["stdout:hello", "stderr:oops", "stdout:", "stdout:world"], `cut at ${cut}`);
  }
  const bytes = [...all].map((b) => Buffer.from([b]));
  assert.deepEqual(await collect(bytes), ["stdout:hello", "stderr:oops", "stdout:", "stdout:world"]);
});

test("a stream that stops inside a frame is an error", async () => {
  await assert.rejects(collect([frame(1, "hello").subarray(0, 10)]), /ended inside a frame/);
});

test("a log is demultiplexed without a tty and passed on raw with one, frame headers and all", async () => {
  const framed = Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]);
  const bytes = async (chunks: Buffer[], tty: boolean) => {
    const out: Buffer[] = [];
    for await (const b of dockerLogBytes((async function* () { yield* chunks; })(), tty)) out.push(b);
    return Buffer.concat(out);
  };
  assert.equal((await bytes([framed], false)).toString(), "out\nerr\n");
  // A terminal's bytes are never frames, even when they look like one.
  assert.deepEqual(await bytes([framed], true), framed);
  assert.equal((await bytes([Buffer.from("started\r\n")], true)).toString(), "started\r\n");
});
