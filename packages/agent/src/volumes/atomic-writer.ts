// Writes the files of a configMap, secret, downwardAPI or projected volume so that a
// reader never sees a half-written set, as the kubelet's AtomicWriter
// (pkg/volume/util/atomic_writer.go) does: each version of the payload goes into a
// new hidden timestamped directory, the `..data` symlink is swapped to it with one
// rename (atomic on POSIX), and each top-level name is a symlink through `..data`.
// A payload equal to what is there writes nothing; names that left the payload are
// removed, and so is the previous version.
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile, chmod } from "node:fs/promises";
import { dirname, join, normalize, sep } from "node:path";

export interface FileProjection {
  data: Uint8Array;
  /** File mode, e.g. 0o644; the directories above it are 0o755. */
  mode: number;
}

/** Relative paths (with `/`) to file contents and modes. */
export type Payload = ReadonlyMap<string, FileProjection>;

const dataDirName = "..data";
const newDataDirName = "..data_tmp";

/** Why a path cannot be in a payload, as Kubernetes' validatePath; undefined when it can. */
export function payloadPathProblem(path: string): string | undefined {
  if (path === "") return "a path may not be empty";
  if (path.length > 4096) return `the path ${path.slice(0, 40)}... is longer than 4096 characters`;
  if (path.startsWith("/")) return `the path ${path} must be relative`;
  const parts = path.split("/");
  if (parts.some((p) => p === "..")) return `the path ${path} may not contain '..'`;
  if (parts.some((p) => p === "")) return `the path ${path} may not contain empty segments`;
  if (parts[0]!.startsWith("..")) return `the path ${path} may not start with '..'`;
  return undefined;
}

function timestampedName(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Whether the version `dir` holds is exactly the payload (same files, contents and modes). */
async function holds(dir: string, payload: Payload): Promise<boolean> {
  const found = new Set<string>();
  const walk = async (rel: string): Promise<boolean> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!(await walk(path))) return false;
        continue;
      }
      const want = payload.get(path);
      if (!want) return false;
      const full = join(dir, path);
      if (((await stat(full)).mode & 0o7777) !== want.mode) return false;
      if (!Buffer.from(await readFile(full)).equals(Buffer.from(want.data))) return false;
      found.add(path);
    }
    return true;
  };
  return (await walk("")) && found.size === payload.size;
}

export class AtomicWriter {
  constructor(
    /** The volume's directory, mounted into the containers. */
    readonly target: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Makes the volume hold exactly `payload`; answers whether anything was written. */
  async write(payload: Payload): Promise<boolean> {
    for (const path of payload.keys()) {
      const problem = payloadPathProblem(path);
      if (problem) throw new Error(`cannot write the volume at ${this.target}: ${problem}`);
    }
    await mkdir(this.target, { recursive: true, mode: 0o755 });
    const dataLink = join(this.target, dataDirName);
    const old = (await exists(dataLink)) ? await readlink(dataLink) : undefined;
    if (old !== undefined && (await holds(join(this.target, old), payload))) return false;

    // 1. The new version, whole, in a directory no reader looks at yet.
    const versionDir = await mkdtemp(join(this.target, timestampedName(this.now())));
    await chmod(versionDir, 0o755);
    for (const [path, file] of payload) {
      const full = join(versionDir, ...path.split("/"));
      await mkdir(dirname(full), { recursive: true, mode: 0o755 });
      await writeFile(full, file.data, { mode: file.mode });
      await chmod(full, file.mode);
    }
    const version = versionDir.slice(this.target.length + 1);

    // 2. `..data` swapped to it in one rename.
    const tmpLink = join(this.target, newDataDirName);
    await rm(tmpLink, { force: true });
    await symlink(version, tmpLink);
    await rename(tmpLink, dataLink);

    // 3. Each top-level name a symlink through `..data`; names no longer there removed.
    const top = new Set([...payload.keys()].map((p) => p.split("/")[0]!));
    for (const name of top) {
      const link = join(this.target, name);
      if (!(await exists(link))) await symlink(join(dataDirName, name), link);
    }
    for (const entry of await readdir(this.target)) {
      if (entry.startsWith("..") || top.has(entry)) continue;
      await unlink(join(this.target, entry)).catch(() => rm(join(this.target, entry), { recursive: true, force: true }));
    }

    // 4. The previous version goes.
    if (old !== undefined && normalize(old) !== version && !old.includes(sep)) await rm(join(this.target, old), { recursive: true, force: true });
    return true;
  }
}
