// configMap volumes: the ConfigMap's keys (or the listed items) as files. A missing
// ConfigMap fails the volume with the kubelet's message unless it is optional (then
// the volume is empty); refreshed while the pod runs.
import { defaultVolumeFileMode, type ConfigMapVolumeSource } from "@bosun/api";
import { configMapPayload } from "./payloads.js";
import { readSourceObject, type MountableVolume, type VolumeSetUpContext } from "./volume.js";
import { writeVolume } from "./written-volume.js";

export async function setUpConfigMap(ctx: VolumeSetUpContext, name: string, source: ConfigMapVolumeSource): Promise<MountableVolume> {
  const cm = await readSourceObject(ctx, "configMap", source.name ?? "", source.optional);
  const payload = configMapPayload(cm, source.items, source.defaultMode ?? defaultVolumeFileMode, source.optional ?? false);
  return writeVolume(ctx, "configMap", name, payload, false);
}
