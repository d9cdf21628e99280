// A pod's fsGroup on the volumes the agent makes (emptyDir, configMap, secret,
// downwardAPI, projected), as the kubelet's SetVolumeOwnership (pkg/volume/
// volume_linux.go): every file and directory gets the group, files the group's read
// (and, on a writable volume, write) bits, directories also its search bit and setgid,
// so that what containers create there belongs to the group too. fsGroupChangePolicy
// OnRootMismatch skips a volume whose root already has them. hostPath and claims are
// left alone: they hold the node's or an earlier pod's files.
import { chmod, lchown, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
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

/** As requiresPermissionChange: whether the root lacks the group, its bits or setgid. */
async function rootMatches(dir: string, fsGroup: number, readOnly: boolean): Promise<boolean> {
  const st = await lstat(dir);
  return st.gid === fsGroup && (st.mode & 0o7777) === wantedMode(st.mode, st.isDirectory(), readOnly);
}

async function changeOne(path: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const st = await lstat(path);
  if (st.gid !== fsGroup) await lchown(path, st.uid, fsGroup);
  // A symlink's own mode means nothing; the file it points to is changed on its own.
  if (st.isSymbolicLink()) return;
  const mode = wantedMode(st.mode, st.isDirectory(), readOnly);
  // chown may clear setgid, so the mode is set after it.
  if (mode !== (st.mode & 0o7777) || st.gid !== fsGroup) await chmod(path, mode);
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await changeOne(join(path, name), fsGroup, readOnly);
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
