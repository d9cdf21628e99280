// emptyDir: a directory of the pod that all its containers share and that goes with
// the pod; world-writable, as the kubelet makes it. Medium Memory makes it one tmpfs
// (tmpfs.ts) of its sizeLimit. A disk emptyDir's sizeLimit is enforced as the
// kubelet's is, by evicting a pod that uses more (empty-dir-limits.ts). A pod's fsGroup
// owns it (ownership.ts).
import { chmod } from "node:fs/promises";
import type { EmptyDirVolumeSource } from "@bosun/api";
import { ensureTmpfs, memoryVolumeSize } from "./tmpfs.js";
import { setVolumeOwnership, volumeOwnershipOf } from "./ownership.js";
import { makeDir, podUid, type MountableVolume, type VolumeSetUpContext } from "./volume.js";

const emptyDirMode = 0o777;

export async function setUpEmptyDir(ctx: VolumeSetUpContext, name: string, source: EmptyDirVolumeSource): Promise<MountableVolume> {
  const dir = ctx.dirs.volumeDir(podUid(ctx.pod), "emptyDir", name);
  const medium = source.medium ?? "";
  if (medium === "Memory") {
    const size = memoryVolumeSize(ctx.pod, source.sizeLimit, ctx.nodeAllocatable);
    await ensureTmpfs(ctx, dir, size, "an emptyDir of medium Memory is never put on the node's disk");
  } else if (medium === "") {
    await makeDir(dir, emptyDirMode);
    await chmod(dir, emptyDirMode);
  } else {
    throw new Error(`unknown storage medium "${medium}"`);
  }
  const ownership = volumeOwnershipOf(ctx.pod);
  if (ownership) await setVolumeOwnership(dir, ownership, false);
  return { hostPath: dir, readOnly: false, refreshable: false };
}
