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
  let fresh: boolean;
  if (medium === "Memory") {
    const size = memoryVolumeSize(ctx.pod, source.sizeLimit, ctx.nodeAllocatable);
    fresh = await ensureTmpfs(ctx, dir, size, "an emptyDir of medium Memory is never put on the node's disk");
  } else if (medium === "") {
    fresh = await makeDir(dir, emptyDirMode);
    await chmod(dir, emptyDirMode);
  } else {
    throw new Error(`unknown storage medium "${medium}"; use "" (the node's disk) or "Memory"`);
  }
  // Only a volume made now is walked: once containers have written to it (an agent
  // restart sets it up again) its files are theirs, and setgid already gave the group
  // to what they created.
  const ownership = volumeOwnershipOf(ctx.pod);
  if (ownership && fresh) await setVolumeOwnership(dir, ownership, false);
  return { hostPath: dir, readOnly: false, refreshable: false };
}
