// downwardAPI volumes: the pod's name, namespace, uid, labels and annotations and
// its containers' resources as files; rewritten when the pod's labels or
// annotations change.
import { defaultVolumeFileMode, type DownwardAPIVolumeSource } from "@bosun/api";
import { downwardApiPayload } from "./payloads.js";
import type { MountableVolume, VolumeSetUpContext } from "./volume.js";
import { writeVolume } from "./written-volume.js";

export async function setUpDownwardApi(ctx: VolumeSetUpContext, name: string, source: DownwardAPIVolumeSource): Promise<MountableVolume> {
  const payload = downwardApiPayload(ctx.pod, source.items, source.defaultMode ?? defaultVolumeFileMode, ctx.nodeAllocatable);
  return writeVolume(ctx, "downwardAPI", name, payload, false);
}
