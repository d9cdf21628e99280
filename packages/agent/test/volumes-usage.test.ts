// The disk usage of a directory tree as the kubelet's du counts it, on real files in
// a scratch directory: allocated blocks (a sparse file counts what it holds), a file
// of two hard links once, a symlink never followed, and nothing for a directory that
// is not there.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { link, lstat, mkdir, mkdtemp, open, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diskUsageBytes } from "../src/volumes/usage.js";

const scratch = await mkdtemp(join(tmpdir(), "bosun-usage-"));
after(() => rm(scratch, { recursive: true, force: true }));

const MiB = 1024 * 1024;
/** What lstat says a path takes on disk, the unit the measure is made of. */
const allocated = async (path: string) => (await lstat(path)).blocks * 512;

test("a tree's usage is the blocks of its files and directories, at any depth", async () => {
  const root = join(scratch, "tree");
  await mkdir(join(root, "a", "b", "c"), { recursive: true });
  await writeFile(join(root, "top"), Buffer.alloc(MiB, 1));
  await writeFile(join(root, "a", "b", "c", "deep"), Buffer.alloc(2 * MiB, 1));
  const expected = (await Promise.all([root, join(root, "top"), join(root, "a"), join(root, "a", "b"), join(root, "a", "b", "c"), join(root, "a", "b", "c", "deep")].map(allocated))).reduce((a, b) => a + b);
  const used = await diskUsageBytes(root);
  assert.equal(used, expected);
  assert.ok(used !== undefined && used >= 3 * MiB, `3 MiB of data take at least 3 MiB: ${used}`);
});

test("a sparse file counts the blocks it holds, not its length", async () => {
  const root = join(scratch, "sparse");
  await mkdir(root);
  const f = await open(join(root, "hole"), "w");
  await f.truncate(64 * MiB);
  await f.close();
  const used = await diskUsageBytes(root);
  assert.ok(used !== undefined && used < MiB, `a 64 MiB hole takes next to nothing: ${used}`);
});

test("a file of two hard links counts once; a symlink counts as itself, never what it points to", async () => {
  const outside = join(scratch, "outside-big");
  await writeFile(outside, Buffer.alloc(4 * MiB, 1));
  const root = join(scratch, "links");
  await mkdir(root);
  await writeFile(join(root, "data"), Buffer.alloc(MiB, 1));
  await link(join(root, "data"), join(root, "data-again"));
  await symlink(outside, join(root, "to-outside"));
  await symlink(scratch, join(root, "to-scratch-dir"));
  const expected = (await allocated(root)) + (await allocated(join(root, "data"))) + (await allocated(join(root, "to-outside"))) + (await allocated(join(root, "to-scratch-dir")));
  assert.equal(await diskUsageBytes(root), expected);
});

test("a directory that is not there has no usage; a file is measured as itself", async () => {
  assert.equal(await diskUsageBytes(join(scratch, "never-made")), undefined);
  const file = join(scratch, "lone");
  await writeFile(file, Buffer.alloc(MiB, 1));
  assert.equal(await diskUsageBytes(file), await allocated(file));
});
