// How much of the node's disk a directory tree takes, as the kubelet's du-based
// volume metrics count it (pkg/volume/util/fs DiskUsage): the blocks allocated to
// every file and directory under it (st_blocks × 512 bytes, so a sparse file counts
// what it holds, not its length), a file of several hard links once, symlinks as
// themselves (never what they point to), and nothing on another filesystem mounted
// below it (a tmpfs or a bind mount is not this disk's usage).
import { lstat, readdir } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";

/** st_blocks counts 512-byte units whatever the filesystem's block size (stat(2)). */
const STAT_BLOCK_BYTES = 512;

function gone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** lstat, or undefined when the entry went meanwhile: the containers write while it is measured. */
function lstatIfThere(path: string): Promise<Stats | undefined> {
  return lstat(path).catch((err: unknown) => {
    if (gone(err)) return undefined;
    throw err;
  });
}

/**
 * The bytes allocated on disk under `root` (itself included); undefined when `root`
 * does not exist. Entries removed while it walks are left out, not errors.
 */
export async function diskUsageBytes(root: string): Promise<number | undefined> {
  const top = await lstatIfThere(root);
  if (top === undefined) return undefined;
  const seenLinks = new Set<string>();
  let bytes = 0;
  const count = (s: Stats): void => {
    if (!s.isDirectory() && s.nlink > 1) {
      const key = `${s.dev}:${s.ino}`;
      if (seenLinks.has(key)) return;
      seenLinks.add(key);
    }
    bytes += s.blocks * STAT_BLOCK_BYTES;
  };
  count(top);
  if (!top.isDirectory()) return bytes;
  // Depth first with an explicit stack: a deep tree made by a container cannot overflow the agent's call stack.
  const dirs = [root];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (gone(err)) continue;
      throw err;
    }
    const entries = await Promise.all(names.map(async (name) => ({ path: join(dir, name), stats: await lstatIfThere(join(dir, name)) })));
    for (const { path, stats } of entries) {
      if (stats === undefined || stats.dev !== top.dev) continue;
      count(stats);
      if (stats.isDirectory()) dirs.push(path);
    }
  }
  return bytes;
}
