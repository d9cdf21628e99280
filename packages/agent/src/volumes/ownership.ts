// A pod's fsGroup on the volumes the agent makes (emptyDir, configMap, secret,
// downwardAPI, projected), as the kubelet's SetVolumeOwnership (pkg/volume/
// volume_linux.go): every file and directory gets the group, files the group's read
// (and, on a writable volume, write) bits, directories also its search bit and setgid,
// so that what containers create there belongs to the group too. fsGroupChangePolicy
// OnRootMismatch skips a volume whose root already has them. hostPath and claims are
// left alone: they hold the node's or an earlier pod's files.
//
// A container may change a writable volume while the agent walks it, for instance swap
// a directory for a symlink to /etc. So nothing here follows a link by path: each entry
// is opened with O_PATH|O_NOFOLLOW (no side effect even on a device node, and a symlink
// is opened as itself), and is changed and listed through its descriptor's
// /proc/self/fd path, which names the opened inode whatever its name points to now.
import { constants } from "node:fs";
import { chmod, chown, lchown, open, readdir, type FileHandle } from "node:fs/promises";
import type { Pod } from "@bosun/api";
import type { Payload } from "./atomic-writer.js";

const rwMask = 0o660;
const roMask = 0o440;
const execMask = 0o110;
const setgid = 0o2000;

export interface VolumeOwnership {
  fsGroup: number;
  onRootMismatch: boolean;
}

/** The pod's fsGroup and change policy; undefined when the pod sets no fsGroup. */
export function volumeOwnershipOf(pod: Pod): VolumeOwnership | undefined {
  const sc = pod.spec.securityContext;
  if (sc?.fsGroup === undefined) return undefined;
  return { fsGroup: sc.fsGroup, onRootMismatch: sc.fsGroupChangePolicy === "OnRootMismatch" };
}

function wantedMode(mode: number, isDir: boolean, readOnly: boolean): number {
  let mask = readOnly ? roMask : rwMask;
  if (isDir) mask |= execMask | setgid;
  return (mode & 0o7777) | mask;
}

// Linux's O_PATH, which Node's fs.constants does not name.
const O_PATH = 0o10000000;
const openFlags = O_PATH | constants.O_NOFOLLOW;

function fdPath(handle: FileHandle): string {
  return `/proc/self/fd/${handle.fd}`;
}

async function openEntry(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, openFlags);
  } catch (err) {
    // Gone since it was listed: the container removed it, nothing to own.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** As requiresPermissionChange: whether the root lacks the group, its bits or setgid. */
async function rootMatches(dir: string, fsGroup: number, readOnly: boolean): Promise<boolean> {
  const handle = await open(dir, openFlags);
  try {
    const st = await handle.stat();
    return st.gid === fsGroup && (st.mode & 0o7777) === wantedMode(st.mode, st.isDirectory(), readOnly);
  } finally {
    await handle.close();
  }
}

async function changeOne(path: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const handle = await openEntry(path);
  if (handle === undefined) return;
  try {
    const st = await handle.stat();
    if (st.isSymbolicLink()) {
      // lchown never follows; a symlink's own mode means nothing, and what it points
      // to is changed on its own if it lies in the volume.
      if (st.gid !== fsGroup) await lchown(path, st.uid, fsGroup);
      return;
    }
    const self = fdPath(handle);
    if (st.gid !== fsGroup) await chown(self, st.uid, fsGroup);
    const mode = wantedMode(st.mode, st.isDirectory(), readOnly);
    // chown may clear setgid, so the mode is set after it.
    if (mode !== (st.mode & 0o7777) || st.gid !== fsGroup) await chmod(self, mode);
    if (!st.isDirectory()) return;
    for (const name of await readdir(self)) await changeOne(`${self}/${name}`, fsGroup, readOnly);
  } finally {
    await handle.close();
  }
}

/** Gives the volume at `dir` the pod's fsGroup (its files and directories, recursively). */
export async function setVolumeOwnership(dir: string, ownership: VolumeOwnership, readOnly: boolean): Promise<void> {
  if (ownership.onRootMismatch && (await rootMatches(dir, ownership.fsGroup, readOnly))) return;
  await changeOne(dir, ownership.fsGroup, readOnly);
}

/**
 * A read-only volume's payload with the group's read bits the ownership adds, so that
 * the atomic writer, which compares modes, does not take the changed files for a new
 * version at every refresh.
 */
export function groupReadablePayload(payload: Payload): Payload {
  return new Map([...payload].map(([path, file]) => [path, { ...file, mode: file.mode | roMask }]));
}
