// secret volumes: the Secret's keys (or the listed items) as files, on a tmpfs of
// their own. A missing Secret fails the volume with the kubelet's message unless it
// is optional (then the volume is empty); refreshed while the pod runs.
import { defaultVolumeFileMode, type SecretVolumeSource } from "@bosun/api";
import { secretPayload } from "./payloads.js";
import { readSourceObject, type MountableVolume, type VolumeSetUpContext } from "./volume.js";
import { writeVolume } from "./written-volume.js";

export async function setUpSecret(ctx: VolumeSetUpContext, name: string, source: SecretVolumeSource): Promise<MountableVolume> {
  const secret = await readSourceObject(ctx, "secret", source.secretName ?? "", source.optional);
  const payload = secretPayload(secret, source.items, source.defaultMode ?? defaultVolumeFileMode, source.optional ?? false);
  return writeVolume(ctx, "secret", name, payload, true);
}
