// The node's mounts as volumes need them: tmpfs mounts for Memory emptyDirs and
// Secret contents (`mount -t tmpfs`, as the kubelet does), bind mounts that pin a
// subPath, their removal, and the list of mount points (/proc/self/mountinfo), so
// that set-up is idempotent and teardown never deletes through a mount. Tests pass
// a fake.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TmpfsOptions {
  /** The tmpfs's size; the kernel's default (half the memory) when absent. */
  sizeBytes?: number;
  /** The mode of the tmpfs's root directory. */
  mode: number;
}

export interface HostMounts {
  /** Every mount point of the agent's mount namespace. */
  mountPoints(): Promise<Set<string>>;
  /**
   * Whether another filesystem is mounted at `dir` (the kubelet's
   * IsLikelyNotMountPoint): true for a tmpfs, not for a bind from the same
   * filesystem, which only mountPoints() sees.
   */
  isFilesystemRoot(dir: string): Promise<boolean>;
  mountTmpfs(target: string, opts: TmpfsOptions): Promise<void>;
  /** Binds `source` (a file or directory) at `target`, which exists and is of the same kind. */
  bind(source: string, target: string): Promise<void>;
  unmount(target: string): Promise<void>;
}

/** mountinfo escapes space, tab, newline and backslash in paths as octal (\040). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The mount points /proc/self/mountinfo lists (its fifth field). */
export function parseMountInfo(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field) out.push(unescapeMountPath(field));
  }
  return out;
}

function commandError(what: string, err: unknown): Error {
  const e = err as { stderr?: string; message?: string; code?: string };
  const detail = (e.stderr ?? "").trim() || e.message || String(err);
  return new Error(e.code === "ENOENT" ? `${what}: the mount command is missing (install util-linux or busybox)` : `${what}: ${detail}`);
}

export class LinuxMounts implements HostMounts {
  async mountPoints(): Promise<Set<string>> {
    return new Set(parseMountInfo(await readFile("/proc/self/mountinfo", "utf8")));
  }

  /**
   * Two stats instead of reading mountinfo: a volume set-up asks this of every
   * memory-backed volume at each refresh, and a node of 110 pods has some 600 mounts
   * (docs/benchmarks.md, Density).
   */
  async isFilesystemRoot(dir: string): Promise<boolean> {
    const [self, parent] = await Promise.all([stat(dir), stat(dirname(dir))]);
    return self.dev !== parent.dev;
  }

  async mountTmpfs(target: string, opts: TmpfsOptions): Promise<void> {
    const options = [`mode=${opts.mode.toString(8).padStart(4, "0")}`, ...(opts.sizeBytes !== undefined ? [`size=${opts.sizeBytes}`] : [])];
    try {
      await run("mount", ["-t", "tmpfs", "-o", options.join(","), "tmpfs", target]);
    } catch (err) {
      throw commandError(`mount -t tmpfs at ${target} failed`, err);
    }
  }

  async bind(source: string, target: string): Promise<void> {
    try {
      await run("mount", ["--bind", source, target]);
    } catch (err) {
      throw commandError(`mount --bind ${source} at ${target} failed`, err);
    }
  }

  async unmount(target: string): Promise<void> {
    try {
      await run("umount", [target]);
    } catch (err) {
      throw commandError(`umount ${target} failed`, err);
    }
  }
}
