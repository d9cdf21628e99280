// The volumes whose files the agent writes (configMap, secret, downwardAPI,
// projected): each in a directory of the pod, through the AtomicWriter, so a reader
// never sees half of a version; on a tmpfs when they hold a Secret's contents, so
// those never touch the node's disk. Written again at each refresh; the writer
// leaves an unchanged payload alone. Containers always mount them read-only. A pod's
// fsGroup owns them (ownership.ts).
import { AtomicWriter, type Payload } from "./atomic-writer.js";
import type { LocalVolumeKind } from "./paths.js";
import { ensureTmpfs, memoryVolumeSize } from "./tmpfs.js";
import { groupReadablePayload, setVolumeOwnership, volumeOwnershipOf } from "./ownership.js";
import { makeDir, podUid, type MountableVolume, type VolumeSetUpContext } from "./volume.js";

export async function writeVolume(ctx: VolumeSetUpContext, kind: LocalVolumeKind, name: string, payload: Payload, holdsSecrets: boolean): Promise<MountableVolume> {
  const dir = ctx.dirs.volumeDir(podUid(ctx.pod), kind, name);
  if (holdsSecrets) {
    await ensureTmpfs(ctx, dir, memoryVolumeSize(ctx.pod, undefined, ctx.nodeAllocatable), "a Secret's contents are never written to the node's disk");
  } else {
    await makeDir(dir, 0o755);
  }
  const ownership = volumeOwnershipOf(ctx.pod);
  await new AtomicWriter(dir).write(ownership ? groupReadablePayload(payload) : payload);
  // Each refresh may bring new files, so the group is given at every write, whatever
  // fsGroupChangePolicy says (Kubernetes' policy has no effect on these volumes).
  if (ownership) await setVolumeOwnership(dir, { ...ownership, onRootMismatch: false }, true);
  return { hostPath: dir, readOnly: true, refreshable: true };
}
