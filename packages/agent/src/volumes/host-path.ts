// hostPath: a path of the node itself, checked (or made) per its type as the
// kubelet's checkType does, with the kubelet's messages. PersistentVolumes of
// hostPath use the same check.
import { lstat, mkdir, open, stat } from "node:fs/promises";
import type { HostPathType, HostPathVolumeSource } from "@bosun/api";
import type { MountableVolume } from "./volume.js";

type FileKind = "directory" | "file" | "socket" | "character device" | "block device" | "other";

async function kindAt(path: string): Promise<FileKind | undefined> {
  let s;
  try {
    // As the kubelet, a symlink counts as what it points to.
    s = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      // A dangling symlink exists, but is nothing usable.
      return (await lstat(path).then(() => true, () => false)) ? "other" : undefined;
    }
    throw err;
  }
  if (s.isDirectory()) return "directory";
  if (s.isFile()) return "file";
  if (s.isSocket()) return "socket";
  if (s.isCharacterDevice()) return "character device";
  if (s.isBlockDevice()) return "block device";
  return "other";
}

/** What each checking type wants there, as its message names it. */
const wanted: Partial<Record<HostPathType, { kind: FileKind; name: string }>> = {
  Directory: { kind: "directory", name: "a directory" },
  DirectoryOrCreate: { kind: "directory", name: "a directory" },
  File: { kind: "file", name: "a file" },
  FileOrCreate: { kind: "file", name: "a file" },
  Socket: { kind: "socket", name: "a socket file" },
  CharDevice: { kind: "character device", name: "a character device" },
  BlockDevice: { kind: "block device", name: "a block device" },
};

/** Checks `path` against `type`, making it first for the OrCreate types; throws the kubelet's error. */
export async function checkHostPath(path: string, type: HostPathType | undefined): Promise<void> {
  if (type === undefined || type === "") return;
  const want = wanted[type];
  if (!want) throw new Error(`${type} is an invalid volume type`);
  let found = await kindAt(path);
  if (found === undefined && type === "DirectoryOrCreate") {
    await mkdir(path, { recursive: true, mode: 0o755 });
    found = "directory";
  } else if (found === undefined && type === "FileOrCreate") {
    // As the kubelet: the file is made, not the directories above it.
    await (await open(path, "a", 0o644)).close();
    found = "file";
  }
  if (found !== want.kind) throw new Error(`hostPath type check failed: ${path} is not ${want.name}`);
}

export async function setUpHostPath(source: HostPathVolumeSource): Promise<MountableVolume> {
  await checkHostPath(source.path, source.type);
  // Without a type nothing is checked; a missing path becomes a directory, as the
  // container runtimes the kubelet drives make it (Docker refuses to bind nothing).
  if ((source.type ?? "") === "" && (await kindAt(source.path)) === undefined) await mkdir(source.path, { recursive: true, mode: 0o755 });
  return { hostPath: source.path, readOnly: false, refreshable: false };
}
