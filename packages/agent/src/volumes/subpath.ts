// A mount's subPath inside its volume, as the kubelet prepares it: the directories
// that are missing are made (with the volume's mode) and every symlink on the way is
// followed only if it stays inside the volume, so that a container that can write
// the volume cannot make another container's mount reach the node's other files.
// The path found is then pinned: bound at a place of the pod no container can
// write, and checked to be what got bound (a directory swapped for a symlink between
// the check and the bind would have bound the node's file instead), as the kubelet's
// volume-subpaths are; Docker binds the pinned place. A pin holds the version of a
// ConfigMap's file it was made with: subPath mounts are not updated, as in Kubernetes.
import { chmod, lstat, mkdir, open, realpath, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HostMounts } from "./host-mounts.js";

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/** A subPath found inside its volume: the volume's real root, and the real path. */
export interface ResolvedSubPath {
  root: string;
  path: string;
}

const escapes = (subPath: string) => new Error(`subPath "${subPath}" leads out of the volume through a symlink`);

/** The real path of `subPath` inside the volume at `base`; throws, saying why, when it cannot be had there. */
export async function resolveSubPath(base: string, subPath: string): Promise<ResolvedSubPath> {
  const root = await realpath(base);
  const parts = subPath.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`subPath "${subPath}" must not contain '..'`);
  const mode = (await stat(root)).mode & 0o7777;
  let current = root;
  for (const [i, part] of parts.entries()) {
    const next = join(current, part);
    const found = await lstat(next).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (found === undefined) {
      await mkdir(next, { mode });
      await chmod(next, mode);
      current = next;
      continue;
    }
    if (found.isSymbolicLink()) {
      const target = await realpath(next).catch(() => {
        throw new Error(`subPath "${subPath}" goes through a symlink that leads nowhere`);
      });
      if (!within(root, target)) throw escapes(subPath);
      current = target;
      continue;
    }
    if (!found.isDirectory() && i < parts.length - 1) throw new Error(`subPath "${subPath}": ${parts.slice(0, i + 1).join("/")} is not a directory`);
    current = next;
  }
  const real = await realpath(current);
  if (!within(root, real)) throw escapes(subPath);
  return { root, path: real };
}

/**
 * Binds the resolved subPath at `target` (made as a file or directory like it) and
 * checks that the bind holds that very file; throws, with the bind undone, when it
 * does not. A pin of an earlier container instance at `target` is replaced.
 */
export async function pinSubPath(mounts: HostMounts, subPath: string, resolved: ResolvedSubPath, target: string): Promise<void> {
  if ((await mounts.mountPoints()).has(target)) await mounts.unmount(target);
  const source = await stat(resolved.path);
  await mkdir(dirname(target), { recursive: true, mode: 0o750 });
  const existing = await lstat(target).catch(() => undefined);
  if (existing && existing.isDirectory() !== source.isDirectory()) await rm(target, { recursive: true, force: true });
  if (source.isDirectory()) await mkdir(target, { recursive: true, mode: 0o750 });
  else await (await open(target, "a", 0o640)).close();
  await mounts.bind(resolved.path, target);
  const [pinned, now, real] = await Promise.all([stat(target), stat(resolved.path), realpath(resolved.path).catch(() => "")]);
  if (real !== resolved.path || !within(resolved.root, real) || pinned.dev !== now.dev || pinned.ino !== now.ino) {
    await mounts.unmount(target);
    throw escapes(subPath);
  }
}
