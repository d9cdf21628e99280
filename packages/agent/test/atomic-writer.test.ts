// The volume writer: files visible through `..data`, an update swapped in whole (a
// reader never sees a mix of versions), names that left the payload removed, the
// previous version removed, modes kept, an unchanged payload not rewritten, and
// paths that could escape the volume refused before anything is written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AtomicWriter, payloadPathProblem, type Payload } from "../src/volumes/atomic-writer.js";

const file = (text: string, mode = 0o644) => ({ data: Buffer.from(text), mode });

function payload(entries: Record<string, ReturnType<typeof file>>): Payload {
  return new Map(Object.entries(entries));
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-atomic-writer-"));
    try {
      await fn(join(dir, "volume"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "files are read through ..data, and nested paths through their top-level link",
  withDir(async (dir) => {
    const w = new AtomicWriter(dir, () => new Date("2026-12-06T10:00:00Z"));
    assert.equal(await w.write(payload({ "app.conf": file("a=1\n"), "nested/key.pem": file("PEM", 0o400) })), true);
    assert.equal(readFileSync(join(dir, "app.conf"), "utf8"), "a=1\n");
    assert.equal(readFileSync(join(dir, "nested", "key.pem"), "utf8"), "PEM");
    assert.equal(readlinkSync(join(dir, "app.conf")), join("..data", "app.conf"));
    assert.match(readlinkSync(join(dir, "..data")), /^\.\.2026_12_06_10_00_00\./);
    assert.equal(statSync(join(dir, "nested", "key.pem")).mode & 0o777, 0o400);
  }),
);

test(
  "an update swaps every file at once, removes names that left and the old version; an equal payload writes nothing",
  withDir(async (dir) => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ a: file("1"), b: file("1") }));
    const first = readlinkSync(join(dir, "..data"));
    assert.equal(await w.write(payload({ a: file("1"), b: file("1") })), false, "nothing changed, nothing written");
    assert.equal(readlinkSync(join(dir, "..data")), first);
    assert.equal(await w.write(payload({ a: file("2"), c: file("2") })), true);
    const second = readlinkSync(join(dir, "..data"));
    assert.notEqual(second, first);
    assert.equal(readFileSync(join(dir, "a"), "utf8"), "2");
    assert.equal(readFileSync(join(dir, "c"), "utf8"), "2");
    assert.ok(!existsSync(join(dir, "b")), "b left the payload");
    assert.ok(!existsSync(join(dir, first)), "the previous version is gone");
    assert.deepEqual(readdirSync(dir).sort(), ["..data", second, "a", "c"].sort());
    assert.equal(await w.write(payload({ a: file("2", 0o600), c: file("2") })), true, "a mode change is a change");
    assert.equal(statSync(join(dir, "a")).mode & 0o777, 0o600);
  }),
);

test(
  "paths that could leave the volume or hide its ..data are refused, and nothing is written",
  withDir(async (dir) => {
    const w = new AtomicWriter(dir);
    for (const bad of ["../escape", "/abs", "a/../../b", "..data", "..hidden", "a//b", ""]) {
      assert.ok(payloadPathProblem(bad), `${bad} is refused`);
      await assert.rejects(w.write(payload({ ok: file("x"), [bad]: file("x") })), /cannot write the volume at/);
    }
    assert.ok(!existsSync(join(dir, "..data")), "nothing was written");
    assert.equal(payloadPathProblem("a/b.c"), undefined);
  }),
);
